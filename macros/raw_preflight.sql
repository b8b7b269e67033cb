{#- Structural pre-flight of the raw files, run before any model (on-run-start): every table of the
    raw contract (the sources' columns and `data_type`s) is checked for files that exist, are Parquet,
    hold rows where the table needs them (meta `requires_rows`) and carry every contract column with a
    type that casts to the contract's. All problems are raised together, one line each naming the file
    and column, so a bad landing costs one run and one read; extra columns are only reported.
    A directory table (meta `raw_files` with a glob, the event stream) quarantines an unreadable file
    instead: it is listed in audit.audit_quarantined_raw_files and the other files load, through the
    view `main.raw_product__readable_events` this macro (re)creates over them. -#}
{% macro raw_preflight() -%}
    {{ return(adapter.dispatch('raw_preflight', 'cs_warehouse')()) }}
{%- endmacro %}

{#- Warehouse engines read tables that already exist; only files need checking. -#}
{% macro default__raw_preflight() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__raw_preflight() -%}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'test', 'seed', 'snapshot', 'freshness'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set tables = raw_file_tables() -%}
    {%- set file_status = raw_file_status(tables) -%}
    {%- set problems = [] -%}
    {%- set missing_tables = [] -%}
    {%- set readable_files = {} -%}
    {%- for table in tables -%}
        {%- set rows = file_status | selectattr('source_table', 'equalto', table.source_table) | list -%}
        {%- set present = rows | rejectattr('file', 'none') | list -%}
        {%- if present | length == 0 -%}
            {%- do missing_tables.append(table.source_table) -%}
            {%- do problems.append(table.source_table ~ ': no file matches ' ~ table.pattern) -%}
        {%- endif -%}
        {%- for row in present -%}
            {%- if row.problem and not table.is_directory -%}
                {%- do problems.append(table.source_table ~ ': ' ~ row.file ~ ' ' ~ row.problem) -%}
            {%- elif not row.problem -%}
                {%- do readable_files.setdefault(table.source_table, []).append(row.file) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if present and not readable_files.get(table.source_table) and table.is_directory -%}
            {%- do problems.append(table.source_table ~ ': none of the ' ~ present | length ~ ' files matching '
                ~ table.pattern ~ ' is a readable Parquet file') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing_tables | length == tables | length -%}
        {%- do exceptions.raise_compiler_error(
            'No raw data in RAW_DATA_DIR=' ~ env_var('RAW_DATA_DIR', 'data/raw') ~ ': none of the '
            ~ tables | length ~ ' raw tables has a file there (missing: '
            ~ tables | map(attribute='pattern') | map('replace', env_var('RAW_DATA_DIR', 'data/raw') ~ '/', '')
                | join(', ') ~ ').\n'
            ~ 'Demo data: `make run` generates it into data/raw and builds, or '
            ~ '`.venv/bin/cs-warehouse generate --out DIR` writes it to DIR; then point RAW_DATA_DIR at DIR.'
        ) -%}
    {%- endif -%}
    {%- do problems.extend(raw_schema_problems(tables, readable_files)) -%}
    {%- if problems -%}
        {%- do exceptions.raise_compiler_error(
            'The raw files under RAW_DATA_DIR=' ~ env_var('RAW_DATA_DIR', 'data/raw')
            ~ ' do not match the raw contract (models/staging/*/_*__sources.yml); nothing was built:\n  - '
            ~ problems | join('\n  - ')
            ~ '\nFix or re-land the named files (see docs/data_quality.md), then run again.'
        ) -%}
    {%- endif -%}
    {%- for table in tables if table.is_directory -%}
        {%- do run_query(readable_files_view(table, readable_files.get(table.source_table, []))) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}

{#- Every raw source table of this project read from files: its columns and types, the glob of its
    files, whether it is a directory of files and whether it must hold rows. -#}
{% macro raw_file_tables() -%}
    {%- set tables = [] -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id')
        if source.package_name == project_name and (source.meta.raw_files or source.source_meta.raw_files) -%}
        {%- set pattern = (source.meta.raw_files or source.source_meta.raw_files).replace('{name}', source.name) -%}
        {%- set columns = {} -%}
        {%- for column in source.columns.values() -%}
            {%- do columns.update({column.name: column.data_type}) -%}
        {%- endfor -%}
        {%- do tables.append({
            'source_table': source.source_name ~ '.' ~ source.name,
            'pattern': pattern,
            'is_directory': '*' in pattern,
            'requires_rows': source.meta.get('requires_rows', false),
            'columns': columns,
            'view_name': 'raw_' ~ source.source_name ~ '__readable_' ~ source.name,
        }) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}

{#- One row per raw table and file found (file none when its glob matches nothing), with `problem`
    set when the file cannot be Parquet: 0 bytes, or no `PAR1` magic at both ends (a truncated or
    foreign file), and the file's `size` and `last_modified` when the check ran. Reading the magic
    bytes cannot fail, unlike opening the file as Parquet, but it reads the whole file: a file that
    `audit_raw_file_checks` (written by the previous run) lists with the same size and modification
    time and no problem is not read again, so a run reads the bytes of new and changed files only. -#}
{% macro raw_file_status(tables) -%}
    {%- set glob_query -%}
        {%- for table in tables %}
        select '{{ table.source_table }}' as source_table, file from glob('{{ table.pattern }}')
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    {%- endset -%}
    {%- set found = run_query(glob_query) -%}
    {%- set checks = {} -%}
    {%- if found.rows | length > 0 -%}
        {%- set file_list = "['" ~ found.columns[1].values() | join("', '") ~ "']" -%}
        {%- set checked = raw_file_checks_relation() -%}
        {%- set metadata_query -%}
            select
                found_files.filename,
                found_files.size,
                cast(found_files.last_modified as {{ dbt.type_timestamp() }}) as last_modified,
                {%- if checked is not none %}
                    checked_files.file_path is not null as is_known_readable
                {%- else %}
                    false as is_known_readable
                {%- endif %}
            from read_blob({{ file_list }}) as found_files
            {%- if checked is not none %}
                left join {{ checked }} as checked_files
                    on
                        found_files.filename = checked_files.file_path
                        and found_files.size = checked_files.size
                        and cast(found_files.last_modified as {{ dbt.type_timestamp() }}) = checked_files.last_modified
                        and checked_files.problem is null
            {%- endif %}
        {%- endset -%}
        {%- set files_to_read = [] -%}
        {%- for row in run_query(metadata_query).rows -%}
            {%- do checks.update({row[0]: {'size': row[1], 'last_modified': row[2], 'problem': none}}) -%}
            {%- if not row[3] -%}
                {%- do files_to_read.append(row[0]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if files_to_read -%}
            {%- set magic_query -%}
                select
                    filename,
                    case
                        when size = 0 then 'is empty (0 bytes), not a Parquet file'
                        when size < 12 or content[1:4] <> cast('PAR1' as blob) or content[-4:] <> cast('PAR1' as blob)
                            then 'is not a readable Parquet file (truncated or another format)'
                    end as problem
                from read_blob(['{{ files_to_read | join("', '") }}'])
            {%- endset -%}
            {%- for row in run_query(magic_query).rows -%}
                {%- do checks[row[0]].update({'problem': row[1]}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- set rows = [] -%}
    {%- for table in tables -%}
        {%- set files = found.rows | selectattr(0, 'equalto', table.source_table) | map(attribute=1) | list -%}
        {%- for file in files | sort -%}
            {%- do rows.append({
                'source_table': table.source_table,
                'file': file,
                'problem': checks[file].problem,
                'size': checks[file].size,
                'last_modified': checks[file].last_modified,
            }) -%}
        {%- else -%}
            {%- do rows.append({'source_table': table.source_table, 'file': none, 'problem': none}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{#- The table of the files the previous run checked (model `audit_raw_file_checks`), or none when it
    does not exist yet or the run is a `--full-refresh` (which checks every file again). Found through
    the graph, since the pre-flight runs where `ref` cannot. -#}
{% macro raw_file_checks_relation() -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'audit_raw_file_checks' -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- Problems of the readable files' schemas and row counts: a contract column missing or of a type
    that does not cast to the contract's, a table without rows that needs them. Extra columns are
    logged as warnings: staging selects columns by name, so they are ignored, but a user should know. -#}
{% macro raw_schema_problems(tables, readable_files) -%}
    {%- set all_files = [] -%}
    {%- for files in readable_files.values() -%}
        {%- do all_files.extend(files) -%}
    {%- endfor -%}
    {%- if not all_files -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set file_list = "['" ~ all_files | join("', '") ~ "']" -%}
    {%- set schema_result = run_query(
        'select file_name, lower(name), lower(duckdb_type) from parquet_schema(' ~ file_list ~ ')'
        ~ ' where num_children is null or num_children = 0'
    ) -%}
    {%- set row_result = run_query(
        'select file_name, num_rows from parquet_file_metadata(' ~ file_list ~ ')'
    ) -%}
    {%- set file_columns = {} -%}
    {%- for row in schema_result.rows -%}
        {%- do file_columns.setdefault(row[0], {}).update({row[1]: row[2]}) -%}
    {%- endfor -%}
    {%- set file_rows = {} -%}
    {%- for row in row_result.rows -%}
        {%- do file_rows.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set problems = [] -%}
    {%- for table in tables if readable_files.get(table.source_table) -%}
        {%- set table_rows = [] -%}
        {%- for file in readable_files[table.source_table] -%}
            {%- set columns = file_columns.get(file, {}) -%}
            {%- do table_rows.append(file_rows.get(file, 0)) -%}
            {%- for column, contract_type in table.columns.items() -%}
                {%- if column not in columns -%}
                    {%- do problems.append(table.source_table ~ ': ' ~ file ~ ' has no column ' ~ column
                        ~ ' (' ~ contract_type ~ ')') -%}
                {%- elif not raw_type_casts(columns[column], contract_type) -%}
                    {%- do problems.append(table.source_table ~ ': ' ~ file ~ ' column ' ~ column ~ ' is '
                        ~ columns[column] ~ ', which does not cast to ' ~ contract_type) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set extra = columns.keys() | reject('in', table.columns.keys()) | list -%}
            {%- if extra -%}
                {%- do exceptions.warn(table.source_table ~ ': ' ~ file ~ ' has columns outside the raw contract,'
                    ~ ' ignored: ' ~ extra | join(', ')) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if table.requires_rows and table_rows | sum == 0 -%}
            {%- do problems.append(table.source_table ~ ': ' ~ table.pattern ~ ' has 0 rows; the table must'
                ~ ' not be empty (every mart depends on it)') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}

{#- Whether a Parquet column of DuckDB type `file_type` can feed a contract column of `contract_type`:
    text feeds anything (staging casts it value by value and quarantines what does not cast), numbers
    feed numbers, temporal types feed timestamps. -#}
{% macro raw_type_casts(file_type, contract_type) -%}
    {%- set families = {
        'text': ['varchar'],
        'number': ['tinyint', 'smallint', 'integer', 'bigint', 'hugeint', 'utinyint', 'usmallint',
            'uinteger', 'ubigint', 'float', 'double', 'decimal'],
        'temporal': ['timestamp', 'timestamp with time zone', 'timestamp_ns', 'timestamp_ms', 'timestamp_s',
            'date'],
        'boolean': ['boolean'],
    } -%}
    {%- set accepted = {
        'varchar': families.text + families.number + families.temporal + families.boolean,
        'integer': families.text + families.number,
        'decimal': families.text + families.number,
        'timestamp': families.text + families.temporal,
        'boolean': families.text + families.boolean,
    } -%}
    {%- set file_base = file_type.split('(')[0] | trim -%}
    {%- set contract_base = contract_type.split('(')[0] | trim | lower -%}
    {{ return(file_base in accepted.get(contract_base, [contract_base])) }}
{%- endmacro %}

{#- The view a directory table is read through: its readable files only. -#}
{% macro readable_files_view(table, files) -%}
    create or replace view main.{{ table.view_name }} as
    select * from read_parquet(['{{ files | join("', '") }}'], union_by_name = true, hive_partitioning = false)
{%- endmacro %}

{#- Every raw file the structural check saw in this run, with its size, modification time and problem
    (see `raw_file_status`); none where the engine reads its own tables (Spark). -#}
{% macro checked_raw_files() -%}
    {{ return(adapter.dispatch('checked_raw_files', 'cs_warehouse')()) }}
{%- endmacro %}

{% macro default__checked_raw_files() -%}
    {{ return([]) }}
{%- endmacro %}

{% macro duckdb__checked_raw_files() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(raw_file_status(raw_file_tables()) | rejectattr('file', 'none') | list) }}
{%- endmacro %}


{#- `raw_snapshot_table`: a table built from whole raw snapshots (the CRM and billing files, the product
    users) that a run keeps untouched while nothing it is built from has changed, instead of
    rewriting the same rows every day.

    Its input fingerprint is the md5 of: the model's compiled SQL (vars included), the md5 of the
    contents of every raw file of its sources (meta `raw_files`), the fingerprints of the tables it
    refs, the session's TimeZone and DuckDB's version. After a build the fingerprint is stored as the
    last line of the table's comment, which lives and dies with the table (with `persist_docs`, the
    model's description comes first). A run keeps the table when its comment ends with the fingerprint
    the run computes, bringing the persisted docs up to date; otherwise, and with --full-refresh, it
    builds the table as the `table` materialization does.

    A table is not fingerprinted, so it is rebuilt on every run, and so is every table that refs it,
    when its rows depend on the run's clock (a row labelled `..._in_future` becomes valid once its
    time has passed) or when a source has no `raw_files` (a table in a database, not a file). The
    model needs the `invalid_reason` column of the base models, which says which rows those are.
    The fingerprint is taken before the build: a file landing while the table is built leaves a
    stored fingerprint that no longer matches the files, so the next run builds the table again. -#}
{% materialization raw_snapshot_table, adapter='duckdb' %}
    {%- set fingerprint = raw_snapshot_input_fingerprint() -%}
    {%- set stored_comment = raw_snapshot_stored_comment() -%}
    {%- set fingerprint_line = raw_snapshot_fingerprint_line(fingerprint) -%}
    {%- if fingerprint is not none
        and not should_full_refresh()
        and ('\n' ~ stored_comment).endswith('\n' ~ fingerprint_line) -%}
        {#- What `dbt build` prints for the model: [KEPT in 0.05s]. -#}
        {% do store_raw_result(name='main', message='KEPT', code='KEPT', rows_affected=0) %}
        {{ log(this ~ ': kept, its inputs are unchanged (' ~ fingerprint_line ~ ')') }}
        {%- if stored_comment != raw_snapshot_comment(fingerprint_line) -%}
            {% do raw_snapshot_store_comment(raw_snapshot_comment(fingerprint_line)) %}
        {%- endif -%}
        {% do persist_docs(this, model, for_relation=false) %}
        {% do adapter.commit() %}
        {{ return({'relations': [this.incorporate(type='table')]}) }}
    {%- endif -%}

    {%- set result = materialization_table_duckdb() -%}

    {%- set clock_dependent_rows -%}
        select count(*) from {{ this }} where {{ labelled_in_future() }}
    {%- endset -%}
    {%- if run_query(clock_dependent_rows).columns[0].values()[0] > 0 -%}
        {%- set fingerprint_line = raw_snapshot_fingerprint_line(none) -%}
    {%- endif -%}
    {% do raw_snapshot_store_comment(raw_snapshot_comment(fingerprint_line)) %}
    {% do adapter.commit() %}
    {{ return(result) }}
{% endmaterialization %}

{#- Engines other than DuckDB build the table every run, with their own `table` materialization. -#}
{% materialization raw_snapshot_table, default %}
    {%- set adapter_table = context.get('materialization_table_' ~ adapter.type()) -%}
    {{ return(adapter_table() if adapter_table is not none else materialization_table_default()) }}
{% endmaterialization %}

{#- The comment's line that holds the fingerprint (none: the table has none). -#}
{% macro raw_snapshot_fingerprint_line(fingerprint) -%}
    {{ return('input fingerprint ' ~ (fingerprint if fingerprint is not none else 'none: rebuilt on every run')) }}
{%- endmacro %}

{#- The table's comment: its description first when `persist_docs` persists it, the fingerprint last. -#}
{% macro raw_snapshot_comment(fingerprint_line) -%}
    {%- if config.persist_relation_docs() and model.description -%}
        {{ return(model.description ~ '\n' ~ fingerprint_line) }}
    {%- endif -%}
    {{ return(fingerprint_line) }}
{%- endmacro %}

{% macro raw_snapshot_store_comment(comment) -%}
    {% do run_query(alter_relation_comment(this.incorporate(type='table'), comment)) %}
{%- endmacro %}

{% macro raw_snapshot_stored_comment() -%}
    {%- set query -%}
        select comment from duckdb_tables()
        where
            database_name = '{{ this.database }}'
            and schema_name = '{{ this.schema }}'
            and table_name = '{{ this.identifier }}'
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {{ return(rows[0][0] if rows | length == 1 else none) }}
{%- endmacro %}

{#- The model's input fingerprint, or none when one of its inputs has none (see above). -#}
{% macro raw_snapshot_input_fingerprint() -%}
    {%- set file_patterns = [] -%}
    {%- set parents = [] -%}
    {%- for unique_id in model.depends_on.nodes -%}
        {%- if unique_id.startswith('source.') -%}
            {%- set source = graph.sources[unique_id] -%}
            {%- set tables = raw_file_tables()
                | selectattr('source_table', 'equalto', source.source_name ~ '.' ~ source.name) | list -%}
            {%- if tables | length == 0 -%}
                {{ return(none) }}
            {%- endif -%}
            {%- do file_patterns.append(tables[0].pattern) -%}
        {%- else -%}
            {%- do parents.append(graph.nodes[unique_id]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set query -%}
        with parts as (
            select 'code {{ local_md5(compiled_code) }}' as part
            union all
            select 'engine ' || version() || ' TimeZone ' || current_setting('TimeZone')
            {%- if file_patterns %}
            union all
            select 'file ' || filename || ' ' || md5(content)
            from read_blob([
                {%- for pattern in file_patterns %}'{{ pattern | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor -%}
            ])
            {%- endif %}
            {#- a parent's fingerprint: the last line of its comment #}
            {%- for parent in parents %}
            union all
            select 'parent {{ parent.unique_id }} '
                || coalesce(regexp_extract(max(comment), '(^|\n)input fingerprint ([0-9a-f]{32})$', 2), '')
            from duckdb_tables()
            where
                database_name = '{{ parent.database }}'
                and schema_name = '{{ parent.schema }}'
                and table_name = '{{ parent.alias }}'
            {%- endfor %}
        )

        select
            md5(string_agg(part, chr(10) order by part)) as fingerprint,
            count(*) filter (
                where part like 'parent %' and not regexp_matches(part, ' [0-9a-f]{32}$')
            ) as parents_without_fingerprint
        from parts
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {{ return(row[0] if row[1] == 0 else none) }}
{%- endmacro %}

{#- `raw_snapshot_table`: a table built from whole raw snapshots (the CRM and billing files, the product
    users) that a run keeps untouched while nothing it is built from has changed, instead of
    rewriting the same rows every day.

    Its input fingerprint is the md5 of: the model's compiled SQL (vars included), the md5 of the
    contents of every raw file of its sources (meta `raw_files`), the fingerprints of the tables it
    refs, the session's TimeZone and DuckDB's version. After a build the fingerprint is stored as the
    table's comment, which lives and dies with the table. A run keeps the table when its comment holds
    the fingerprint the run computes; otherwise, and with --full-refresh, it builds the table as the
    `table` materialization does.

    A table is not fingerprinted, so it is rebuilt on every run, and so is every table that refs it,
    when its rows depend on the run's clock (a row labelled `..._in_future` becomes valid once its
    time has passed) or when a source has no `raw_files` (a table in a database, not a file). The
    model needs the `invalid_reason` column of the base models, which says which rows those are.
    The fingerprint is taken before the build: a file landing while the table is built leaves a
    stored fingerprint that no longer matches the files, so the next run builds the table again. -#}
{% materialization raw_snapshot_table, adapter='duckdb' %}
    {%- set fingerprint = raw_snapshot_input_fingerprint() -%}
    {%- set stored_comment = raw_snapshot_stored_comment() -%}
    {%- if fingerprint is not none
        and not should_full_refresh()
        and stored_comment == raw_snapshot_fingerprint_comment(fingerprint) -%}
        {#- What `dbt build` prints for the model: [KEPT in 0.05s]. -#}
        {% do store_raw_result(name='main', message='KEPT', code='KEPT', rows_affected=0) %}
        {{ log(this ~ ': kept, its inputs are unchanged (input fingerprint ' ~ fingerprint ~ ')') }}
        {{ return({'relations': [this.incorporate(type='table')]}) }}
    {%- endif -%}

    {%- set result = materialization_table_duckdb() -%}

    {%- set clock_dependent_rows -%}
        select count(*) from {{ this }} where {{ labelled_in_future() }}
    {%- endset -%}
    {%- if fingerprint is not none and run_query(clock_dependent_rows).columns[0].values()[0] == 0 -%}
        {%- set comment = raw_snapshot_fingerprint_comment(fingerprint) -%}
    {%- else -%}
        {%- set comment = 'input fingerprint none: rebuilt on every run' -%}
    {%- endif -%}
    {% call statement('store_input_fingerprint') -%}
        comment on table {{ this }} is '{{ comment }}'
    {%- endcall %}
    {% do adapter.commit() %}
    {{ return(result) }}
{% endmaterialization %}

{#- Engines other than DuckDB build the table every run, with their own `table` materialization. -#}
{% materialization raw_snapshot_table, default %}
    {%- set adapter_table = context.get('materialization_table_' ~ adapter.type()) -%}
    {{ return(adapter_table() if adapter_table is not none else materialization_table_default()) }}
{% endmaterialization %}

{% macro raw_snapshot_fingerprint_comment(fingerprint) -%}
    {{ return('input fingerprint ' ~ fingerprint) }}
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
            {%- for parent in parents %}
            union all
            select 'parent {{ parent.unique_id }} ' || coalesce(max(comment), 'missing')
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
                where part like 'parent %' and not regexp_matches(part, ' input fingerprint [0-9a-f]{32}$')
            ) as parents_without_fingerprint
        from parts
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {{ return(row[0] if row[1] == 0 else none) }}
{%- endmacro %}

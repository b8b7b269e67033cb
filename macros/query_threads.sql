{#- The threads DuckDB gives one query in this run (an on-run-start hook).

    The profile sets DuckDB's threads (`config_options`, DUCKDB_THREADS) and dbt's (`threads`,
    DBT_THREADS), the models built at once. A run that only adds to stored incremental tables, the
    daily run, is hundreds of short queries, as many at once as dbt has threads: each query then gets
    DuckDB's threads divided by dbt's (at least one), because a thread more per query than the cores can
    serve costs more CPU in DuckDB's parallel operators than it saves in wall time. A first build, a
    full refresh, and a run with no stored incremental table to add to keep every thread: their long
    queries (the event load, the health inputs) often run alone. DECISIONLOG "A daily run gives each
    query its share of DuckDB's threads". -#}
{% macro set_query_threads() -%}
    {{ return(adapter.dispatch('set_query_threads', 'cs_warehouse')()) }}
{%- endmacro %}

{#- Other engines schedule their own work. -#}
{% macro default__set_query_threads() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__set_query_threads() -%}
    {%- if not execute or flags.WHICH not in ['build', 'run'] or flags.FULL_REFRESH -%}
        {{ return('') }}
    {%- endif -%}
    {%- set incremental_models = [] -%}
    {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
            {%- do incremental_models.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if incremental_models | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- for node in incremental_models -%}
        {%- if adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is none -%}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set duckdb_threads = (target.config_options or {}).get('threads')
        or run_query("select current_setting('threads')").columns[0].values()[0] -%}
    {%- set query_threads = [(duckdb_threads | int) // target.threads, 1] | max -%}
    {{ log(
        'DuckDB threads per query: ' ~ query_threads ~ ' of ' ~ duckdb_threads ~ ', as dbt builds '
        ~ target.threads ~ ' models at once and every incremental table of the run is stored'
    ) }}
    {{ return('set threads = ' ~ query_threads) }}
{%- endmacro %}

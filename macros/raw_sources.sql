{#- On Spark the raw Parquet files become the tables of the sources' schemas (raw_crm, raw_billing,
    raw_product), read where they lie: the same env `RAW_DATA_DIR` layout as DuckDB's
    `external_location`, `<source>/<table>.parquet`, or the table's meta `raw_parquet_path` (a folder
    read recursively, whatever its sub-folders are called). Run as on-run-start; the tables are
    external, so dropping one never deletes a file, and re-creating them picks up new files. A cluster
    whose raw tables already exist sets var `register_raw_parquet_tables: false`. DuckDB reads the
    files directly and needs nothing. -#}
{% macro register_raw_parquet_tables() -%}
    {{ return(adapter.dispatch('register_raw_parquet_tables', 'cs_warehouse')()) }}
{%- endmacro %}

{% macro default__register_raw_parquet_tables() -%}
{%- endmacro %}

{% macro spark__register_raw_parquet_tables() -%}
    {%- if execute and var('register_raw_parquet_tables', true) -%}
        {#- A relative path would be taken relative to the table's folder in the Spark warehouse. -#}
        {%- set raw_data_dir = env_var('RAW_DATA_DIR', 'data/raw') -%}
        {%- if not (raw_data_dir.startswith('/') or '://' in raw_data_dir) -%}
            {%- set raw_data_dir = env_var('PWD') ~ '/' ~ raw_data_dir -%}
        {%- endif -%}
        {%- for source in graph.sources.values() if source.package_name == 'cs_warehouse' -%}
            {%- set relative_path = source.meta.get('raw_parquet_path')
                or source.source_name ~ '/' ~ source.name ~ '.parquet' -%}
            {%- do run_query('create schema if not exists ' ~ source.schema) -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query(
                'create table ' ~ source.schema ~ '.' ~ source.identifier ~ ' using parquet options ('
                ~ "path '" ~ raw_data_dir ~ '/' ~ relative_path ~ "', "
                ~ "recursiveFileLookup 'true', mergeSchema 'true')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

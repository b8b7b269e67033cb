{#- dbt's default safe_cast on DuckDB is a plain cast that aborts the run on one bad value;
    try_cast yields null instead, which staging turns into a quarantine reason. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Spark's default is a plain cast, which under ANSI mode (Spark 4's default) aborts on a bad value. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

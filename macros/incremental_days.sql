{#- Pre-hook of the day-grained incremental models on DuckDB: when as_of_date moves back, days after
    it leave the table, as they would be absent from a full rebuild. -#}
{% macro delete_days_after_as_of_date(date_column='activity_date') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ date_column }} > {{ as_of_date() }}
    {%- endif -%}
{%- endmacro %}

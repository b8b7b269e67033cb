{#- Every `datepart` step from start_date to end_date (both inclusive), one row per step: a generator
    for a select list, `select ..., {{ date_series(...) }} as step_start from ranges`, so each row of
    `ranges` can have its own range. The steps are timestamps on DuckDB and dates on Spark; callers cast
    them, in a later select on Spark, which nests no generator in an expression. A generator rather than
    a lateral table function: DuckDB joins a lateral call's rows back to their source by a hash table
    holding every row generated (13M paying days at 96M events). -#}
{% macro date_series(start_date, end_date, datepart='day') -%}
    {{ return(adapter.dispatch('date_series', 'cs_warehouse')(start_date, end_date, datepart)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date, datepart) -%}
    unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 {{ datepart }}))
{%- endmacro %}

{% macro spark__date_series(start_date, end_date, datepart) -%}
    explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 {{ datepart }}))
{%- endmacro %}

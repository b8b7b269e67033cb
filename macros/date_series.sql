{#- Table expression of every `datepart` step from start_date to end_date (both inclusive), one
    timestamp per row: use as `cross join {{ date_series(...) }} as alias (column)`. Arguments may
    reference columns of preceding tables (a lateral call), so ranges can differ per row. -#}
{% macro date_series(start_date, end_date, datepart='day') -%}
    {{ return(adapter.dispatch('date_series', 'cs_warehouse')(start_date, end_date, datepart)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date, datepart) -%}
    generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 {{ datepart }})
{%- endmacro %}

{#- Spark yields dates rather than timestamps; callers cast the column to the type they need. -#}
{% macro spark__date_series(start_date, end_date, datepart) -%}
    lateral (
        select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 {{ datepart }}))
    )
{%- endmacro %}

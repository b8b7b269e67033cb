{#- numerator / divisor rounded half away from zero to `scale` decimals, exactly: for money that
    must be summed exactly and rounded once. `divisor` is a positive integer (a literal or an integer
    expression; null gives null) and the numerator a non-negative exact decimal. -#}
{% macro divide_and_round(numerator, divisor, scale=2) -%}
    {{ return(adapter.dispatch('divide_and_round', 'cs_warehouse')(numerator, divisor, scale)) }}
{%- endmacro %}

{% macro default__divide_and_round(numerator, divisor, scale) -%}
    round(({{ numerator }}) / {{ divisor }}, {{ scale }})
{%- endmacro %}

{#- Spark's decimal quotient is rounded to a fixed scale first, so it is taken in integers too. -#}
{% macro spark__divide_and_round(numerator, divisor, scale) -%}
    cast(
        cast(
            cast(floor(2 * ({{ numerator }}) * {{ 10 ** scale }} + {{ divisor }}) as decimal(38, 0))
            div (2 * {{ divisor }}) as decimal(38, 0)
        ) * cast(0.{{ '0' * (scale - 1) }}1 as decimal(38, {{ scale }})) as decimal(18, {{ scale }})
    )
{%- endmacro %}

{#- DuckDB divides decimals in double precision, which can round a half cent the wrong way; the
    quotient is taken in integers instead: floor(x / m) = floor(floor(x) / m) for x >= 0. -#}
{% macro duckdb__divide_and_round(numerator, divisor, scale) -%}
    cast(
        cast(
            cast(floor(2 * ({{ numerator }}) * {{ 10 ** scale }} + {{ divisor }}) as hugeint)
            // (2 * {{ divisor }}) as decimal(38, 0)
        ) * cast(0.{{ '0' * (scale - 1) }}1 as decimal(38, {{ scale }})) as decimal(18, {{ scale }})
    )
{%- endmacro %}

{#- Whether `divide_and_round(numerator, divisor, scale)` is above zero, tested on the exact numerator,
    so a filter on it runs before the rounding: a quotient rounded half away from zero reaches one unit
    of its last decimal when numerator / divisor is at least half that unit, that is when
    2 x numerator x 10^scale >= divisor (`divisor` a positive integer, as there). -#}
{% macro divide_and_round_is_positive(numerator, divisor, scale=2) -%}
    2 * ({{ numerator }}) * {{ 10 ** scale }} >= {{ divisor }}
{%- endmacro %}

{#- numerator / denominator as a double, null when the denominator is 0 or null (docs/metrics.md: every
    ratio whose denominator is 0 or null is null). -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

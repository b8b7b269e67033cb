{#- Fails (returning the actual total) unless the column's values sum to `expected` within
    `tolerance`: for weight tables whose parts must add up to a whole. -#}
{% test values_sum_to(model, column_name, expected, tolerance=0.000001) %}

with column_total as (
    select sum({{ column_name }}) as actual_total
    from {{ model }}
)

select actual_total
from column_total
where actual_total is null
    or abs(actual_total - {{ expected }}) > {{ tolerance }}

{% endtest %}

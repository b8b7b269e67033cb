{#- Fails on every row for which the boolean SQL `expression` is not true (false or null): a row-level
    invariant of a model, e.g. `closed_on is null or closed_on > opened_on`. -#}
{% test holds_for_every_row(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}

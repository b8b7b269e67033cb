{#- Fails on every combination of `columns` that occurs on more than one row (a multi-column key),
    returning the combination and how often it occurs. -#}
{% test unique_key_combination(model, columns) %}

select
    {{ columns | join(',\n    ') }},
    count(*) as occurrences
from {{ model }}
group by
    {{ columns | join(',\n    ') }}
having count(*) > 1

{% endtest %}

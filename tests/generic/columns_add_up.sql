{#- Fails on every row where the column is not exactly the sum of `parts` (a list of column
    names): e.g. rows in = duplicates dropped + quarantined + used. -#}
{% test columns_add_up(model, column_name, parts) %}

select *
from {{ model }}
where {{ column_name }} is distinct from ({{ parts | join(' + ') }})

{% endtest %}

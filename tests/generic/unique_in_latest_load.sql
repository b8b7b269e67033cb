{#- Uniqueness of `column_name` for the values the latest load wrote (rows at the maximum `loaded_at`),
    counted against every row of the model: a value loaded again with other content days later is
    caught, and rows of earlier loads, checked by the run that loaded them, are not grouped again.
    On a full build every row is in the latest load. Returns each duplicated value and how often it
    occurs. -#}
{% test unique_in_latest_load(model, column_name) %}

with latest_load_values as (
    select distinct {{ column_name }} as loaded_value
    from {{ model }}
    where loaded_at = (select max(loaded_at) from {{ model }})
)

select
    {{ column_name }},
    count(*) as occurrences
from {{ model }}
where {{ column_name }} in (select latest_load_values.loaded_value from latest_load_values)
group by {{ column_name }}
having count(*) > 1

{% endtest %}

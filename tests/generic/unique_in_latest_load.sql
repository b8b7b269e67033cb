{#- Uniqueness of `column_name` for the values the latest load wrote (rows at the maximum `loaded_at`),
    counted against every row of the model: a value loaded again with other content days later is
    caught, and a value whose rows are all from earlier loads (checked by the run that loaded them)
    is not reported. On a full build every row is in the latest load. Returns each duplicated value
    and how often it occurs.
    The values are first grouped by their 64-bit hash, narrow and cheap to group where the values are
    long strings; only the values of a repeated hash (the duplicates, and any value sharing a hash by
    chance) are grouped by value, so what is reported is exact. Grouping every row's hash costs less
    than first collecting the latest load's values and joining every row to them. -#}
{% test unique_in_latest_load(model, column_name) %}

with latest_load as (
    select max(loaded_at) as loaded_at
    from {{ model }}
),

repeated_value_hashes as (
    select hash({{ column_name }}) as value_hash
    from {{ model }}
    where {{ column_name }} is not null
    group by value_hash
    having
        count(*) > 1
        and bool_or(loaded_at = (select latest_load.loaded_at from latest_load))
)

select
    {{ column_name }},
    count(*) as occurrences
from {{ model }}
where
    {{ column_name }} is not null
    and hash({{ column_name }}) in (select repeated_value_hashes.value_hash from repeated_value_hashes)
group by {{ column_name }}
having
    count(*) > 1
    and bool_or(loaded_at = (select latest_load.loaded_at from latest_load))

{% endtest %}

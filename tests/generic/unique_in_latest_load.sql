{#- Uniqueness of `column_name` for the values the latest load wrote (rows at the maximum `loaded_at`),
    counted against every row of the model: a value loaded again with other content days later is
    caught, and a value whose rows are all from earlier loads (checked by the run that loaded them)
    is not reported. Returns each duplicated value and how often it occurs.
    Values are matched and grouped by their 64-bit hash, narrow and cheap where the values are long
    strings: `hash_column`, a hash of the value the model stores, or else one computed here from every
    row; only the values of a repeated hash (the duplicates, and any value sharing a hash by chance)
    are grouped by value, so what is reported is exact. When every row is in the latest load
    (a full build, asked when the test runs) no row needs matching to the latest load's values, and
    the hashes are grouped alone: on 28M events, reading the values and load times of every row to
    test them there cost half again as much. A null value's rows share one hash, and are dropped
    when the repeated hashes' values are grouped. -#}
{% test unique_in_latest_load(model, column_name, hash_column=none) %}

{%- set value_hash = hash_column or 'hash(' ~ column_name ~ ')' -%}

{%- set every_row_is_latest = false -%}
{%- if execute -%}
    {%- set every_row_is_latest = run_query(
        'select min(loaded_at) = max(loaded_at) from ' ~ model
    ).columns[0].values()[0] -%}
{%- endif %}

with

{%- if every_row_is_latest %}

    repeated_value_hashes as (
        select {{ value_hash }} as value_hash
        from {{ model }}
        group by {{ value_hash }}
        having count(*) > 1
    )

{%- else %}

    latest_load as (
        select max(loaded_at) as loaded_at
        from {{ model }}
    ),

    latest_load_value_hashes as (
        select distinct {{ value_hash }} as value_hash
        from {{ model }}
        where loaded_at = (select latest_load.loaded_at from latest_load)
    ),

    repeated_value_hashes as (
        select tested_rows.value_hash
        from (select {{ column_name }}, {{ value_hash }} as value_hash, loaded_at from {{ model }}) as tested_rows
        cross join latest_load
        where
            tested_rows.{{ column_name }} is not null
            and tested_rows.value_hash in (
                select latest_load_value_hashes.value_hash from latest_load_value_hashes
            )
        group by tested_rows.value_hash
        having
            count(*) > 1
            and bool_or(tested_rows.loaded_at = latest_load.loaded_at)
    )

{%- endif %}

{#- With every row in the latest load, each repeated value is one it wrote. -#}
select
    tested_rows.{{ column_name }},
    count(*) as occurrences
from (select {{ column_name }}, {{ value_hash }} as value_hash, loaded_at from {{ model }}) as tested_rows
{%- if not every_row_is_latest %}
    cross join latest_load
{%- endif %}
where
    tested_rows.{{ column_name }} is not null
    and tested_rows.value_hash in (select repeated_value_hashes.value_hash from repeated_value_hashes)
group by tested_rows.{{ column_name }}
having
    count(*) > 1
    {%- if not every_row_is_latest %}
        and bool_or(tested_rows.loaded_at = latest_load.loaded_at)
    {%- endif %}

{% endtest %}

{#- Fails on every row whose column differs from the same column of the related row in `to`, joined on
    `key` (a column of both): e.g. an event must belong to the account of the user who sent it.
    Rows without a related row are left to the relationships test. -#}
{% test agrees_with_related_row(model, column_name, to, key, related_column=none) %}

with child_rows as (
    select
        {{ key }} as related_key,
        {{ column_name }} as child_value
    from {{ model }}
    where {{ key }} is not null
),

related_rows as (
    select
        {{ key }} as related_key,
        {{ related_column or column_name }} as related_value
    from {{ to }}
),

disagreeing_rows as (
    select
        child_rows.related_key,
        child_rows.child_value,
        related_rows.related_value,
        count(*) as occurrences
    from child_rows
    inner join related_rows
        on child_rows.related_key = related_rows.related_key
    where child_rows.child_value is distinct from related_rows.related_value
    group by
        child_rows.related_key,
        child_rows.child_value,
        related_rows.related_value
)

select * from disagreeing_rows

{% endtest %}

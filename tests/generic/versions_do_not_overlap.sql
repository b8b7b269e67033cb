{#- Fails on every pair of versions of the same entity (price versions of a subscription, paying
    spells of an account) whose [valid_from, valid_to) intervals overlap (a null valid_to is
    open-ended); `column_name` tells the versions of one entity apart. Returns both version keys so the
    offenders are named. valid_from and valid_to may be expressions: a closed range of days
    [first, last] is the interval [first, last + 1). -#}
{% test versions_do_not_overlap(model, column_name, entity_key, valid_from='valid_from', valid_to='valid_to') %}

with versions as (
    select
        {{ column_name }} as version_key,
        {{ entity_key }} as entity_key,
        {{ valid_from }} as valid_from,
        {{ valid_to }} as valid_to
    from {{ model }}
),

overlapping_pairs as (
    select
        first_version.entity_key,
        first_version.version_key as first_version_key,
        second_version.version_key as second_version_key,
        first_version.valid_from as first_valid_from,
        first_version.valid_to as first_valid_to,
        second_version.valid_from as second_valid_from,
        second_version.valid_to as second_valid_to
    from versions as first_version
    inner join versions as second_version
        on
            first_version.entity_key = second_version.entity_key
            and first_version.version_key < second_version.version_key
            and first_version.valid_from < coalesce(second_version.valid_to, cast('9999-12-31' as timestamp))
            and second_version.valid_from < coalesce(first_version.valid_to, cast('9999-12-31' as timestamp))
)

select * from overlapping_pairs

{% endtest %}

with source_rows as (
    select
        cast(owner_id as string) as owner_id,
        cast(full_name as string) as full_name,
        cast(email as string) as email,
        -- The contract names this column with an SQL keyword.
        cast(role as string) as role,  -- noqa: RF04
        cast(manager_id as string) as manager_id,
        {{- safe_cast_columns({'is_active': 'boolean'}) }}
    from {{ source('crm', 'owners') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls(['owner_id', 'full_name', 'email', 'role', 'is_active']) }}
            {{ reject_unknown('role', ['csm', 'cs_manager', 'sales']) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        owner_id,
        full_name,
        email,
        role,
        manager_id,
        is_active,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

with base_rows as (
    select * from {{ ref('base_crm__owners') }}
),

valid_rows as (
    select
        owner_id,
        full_name,
        email,
        role,
        manager_id,
        is_active
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

with base_rows as (
    select * from {{ ref('base_product__users') }}
),

valid_rows as (
    select
        user_id,
        account_id,
        email,
        role,
        created_at,
        deactivated_at
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

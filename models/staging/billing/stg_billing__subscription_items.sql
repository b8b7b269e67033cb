with base_rows as (
    select * from {{ ref('base_billing__subscription_items') }}
),

valid_rows as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        discount_pct,
        valid_from,
        valid_to
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

with base_rows as (
    select * from {{ ref('base_billing__plans') }}
),

valid_rows as (
    select
        plan_id,
        product_id,
        product_name,
        plan_name,
        tier,
        tier_rank,
        billing_interval,
        unit_amount,
        currency,
        is_per_seat
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

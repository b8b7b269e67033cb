with base_rows as (
    select * from {{ ref('base_billing__subscriptions') }}
),

valid_rows as (
    select
        subscription_id,
        account_id,
        status,
        currency,
        created_at,
        created_on,
        trial_end_at,
        started_at,
        canceled_at,
        ended_at,
        cancel_reason
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

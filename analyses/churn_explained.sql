-- Explains one month's churn by hand: the accounts whose movement is `churn`, the MRR they held at
-- the end of the previous month, their segment then, and the cancellation reason of the subscription
-- that ended last. Compile with --vars '{explain_month: "2026-10-01"}'.
with

mrr_monthly as (
    select * from {{ ref('fct_mrr_monthly') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

churned_accounts as (
    select
        account_id,
        month,
        churned_mrr,
        previous_segment
    from mrr_monthly
    where
        movement = 'churn'
        and month = cast('{{ var("explain_month", "2026-10-01") }}' as date)
),

last_ended_subscription as (
    select
        account_id,
        ended_at,
        cancel_reason
    from subscriptions
    where ended_at is not null
    qualify row_number() over (partition by account_id order by ended_at desc) = 1
),

final as (
    select
        churned_accounts.account_id,
        churned_accounts.month,
        churned_accounts.previous_segment,
        churned_accounts.churned_mrr,
        last_ended_subscription.ended_at,
        last_ended_subscription.cancel_reason,
        sum(churned_accounts.churned_mrr) over () as month_churned_mrr
    from churned_accounts
    left join last_ended_subscription
        on churned_accounts.account_id = last_ended_subscription.account_id
)

select * from final
order by churned_mrr desc

{#- Each subscription item version while it earns MRR: the span where the item and its subscription
    are both live (docs/metrics.md: valid_from < t <= valid_to and started_at < t <= ended_at), expressed
    as the local days at whose end it is live, with its exact MRR contribution. An item of an account
    whose MRR history lost a row to quarantine carries `mrr_exclusion_reason`: the account MRR models
    leave it out (docs/data_quality.md). -#}
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

subscription_items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

plans as (
    select * from {{ ref('stg_billing__plans') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

accounts_excluded_from_mrr as (
    select * from {{ ref('int_revenue__account_quarantined_rows') }}
    where is_excluded_from_mrr
),

items_in_window as (
    select
        subscription_items.subscription_item_id,
        subscription_items.subscription_id,
        subscriptions.account_id,
        subscription_items.plan_id,
        plans.product_id,
        plans.billing_interval,
        plans.currency,
        fx_rates.rate_to_reporting,
        subscription_items.quantity,
        subscription_items.discount_pct,
        plans.unit_amount,
        -- A trial that never converted has no started_at and is never live.
        greatest(subscription_items.valid_from, subscriptions.started_at) as live_from_at,
        -- Null when neither the version nor the subscription has ended (least ignores nulls).
        least(subscription_items.valid_to, subscriptions.ended_at) as live_to_at,
        accounts_excluded_from_mrr.data_quality_status as mrr_exclusion_reason
    from subscription_items
    inner join subscriptions
        on subscription_items.subscription_id = subscriptions.subscription_id
    inner join accounts
        on subscriptions.account_id = accounts.account_id
    inner join plans
        on subscription_items.plan_id = plans.plan_id
    -- Left join: a plan currency missing from fx_rates keeps its row with a null rate (a failing test).
    left join fx_rates
        on plans.currency = fx_rates.currency
    left join accounts_excluded_from_mrr
        on subscriptions.account_id = accounts_excluded_from_mrr.account_id
    where
        subscriptions.started_at is not null
        and subscriptions.created_at < {{ as_of_end_utc() }}
        and subscription_items.valid_from < {{ as_of_end_utc() }}
),

live_days as (
    select
        *,
        -- The end of local day D is live when live_from_at < end of D <= live_to_at: the first such
        -- day is the local day of live_from_at, the last the day before the local day of live_to_at.
        {{ to_local_date('live_from_at') }} as first_live_on,
        least(
            cast({{ dbt.dateadd('day', -1, to_local_date('live_to_at')) }} as date),
            {{ as_of_date() }}
        ) as last_live_on,
        -- Exact MRR x 1200 (12 months x 100 percent): summed per account and divided once.
        cast(unit_amount as decimal(38, 2))
        * quantity
        * (100 - discount_pct)
        * cast(rate_to_reporting as decimal(38, 8))
        * case when billing_interval = 'year' then 1 else 12 end as mrr_x1200
    from items_in_window
),

final as (
    select
        subscription_item_id,
        subscription_id,
        account_id,
        plan_id,
        product_id,
        billing_interval,
        currency,
        rate_to_reporting,
        unit_amount,
        quantity,
        discount_pct,
        live_from_at,
        live_to_at,
        first_live_on,
        last_live_on,
        mrr_x1200,
        {{ divide_and_round('mrr_x1200', 1200) }} as item_mrr,
        mrr_exclusion_reason
    from live_days
    where first_live_on <= last_live_on
)

select * from final

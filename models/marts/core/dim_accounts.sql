with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

users as (
    select * from {{ ref('stg_product__users') }}
),

mrr_ranges as (
    select * from {{ ref('int_revenue__account_mrr_ranges') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

onboarding as (
    select * from {{ ref('int_onboarding__accounts') }}
),

paying_spells as (
    select * from {{ ref('int_health__account_paying_spells') }}
),

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

account_quarantined_rows as (
    select * from {{ ref('int_revenue__account_quarantined_rows') }}
),

current_mrr as (
    select
        account_id,
        mrr
    from mrr_ranges
    where {{ as_of_date() }} between range_start_on and range_end_on
),

current_segments as (
    select
        account_id,
        segment
    from account_monthly_mrr
    where month = {{ dbt.date_trunc('month', as_of_date()) }}
),

provisioned_user_counts as (
    select
        account_id,
        count(*) as provisioned_users
    from users
    where
        created_at < {{ as_of_end_utc() }}
        and (deactivated_at is null or deactivated_at >= {{ as_of_end_utc() }})
    group by account_id
),

ever_paid_accounts as (
    select distinct account_id
    from paying_spells
),

-- a trial runs from the subscription's creation until paid service starts, the trial ends or it ends
running_trial_accounts as (
    select distinct account_id
    from subscriptions
    where
        created_at < {{ as_of_end_utc() }}
        and trial_end_at is not null
        and (started_at is null or started_at >= {{ as_of_end_utc() }})
        and trial_end_at >= {{ as_of_end_utc() }}
        and (ended_at is null or ended_at >= {{ as_of_end_utc() }})
),

current_health as (
    select
        account_id,
        health_score,
        health_color
    from health_scores
    where date = {{ as_of_date() }}
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.country,
        accounts.acquisition_channel,
        accounts.landing_page_variant,
        accounts.csm_owner_id,
        accounts.created_at,
        onboarding.onboarding_started_at,
        case
            when current_mrr.mrr > 0 then 'active'
            when running_trial_accounts.account_id is not null then 'trial'
            when ever_paid_accounts.account_id is not null then 'churned'
            else 'prospect'
        end as lifecycle_stage,
        cast(coalesce(current_mrr.mrr, 0) as decimal(18, 2)) as current_mrr,
        current_segments.segment as current_segment,
        cast(coalesce(provisioned_user_counts.provisioned_users, 0) as integer) as provisioned_users,
        current_health.health_score as current_health_score,
        current_health.health_color as current_health_color,
        accounts.employee_count,
        coalesce(account_quarantined_rows.data_quality_status, 'ok') as data_quality_status
    from accounts
    left join onboarding
        on accounts.account_id = onboarding.account_id
    left join current_mrr
        on accounts.account_id = current_mrr.account_id
    left join current_segments
        on accounts.account_id = current_segments.account_id
    left join provisioned_user_counts
        on accounts.account_id = provisioned_user_counts.account_id
    left join ever_paid_accounts
        on accounts.account_id = ever_paid_accounts.account_id
    left join running_trial_accounts
        on accounts.account_id = running_trial_accounts.account_id
    left join current_health
        on accounts.account_id = current_health.account_id
    left join account_quarantined_rows
        on accounts.account_id = account_quarantined_rows.account_id
)

select * from final

with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

onboarding as (
    select * from {{ ref('int_onboarding__accounts') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

survey_responses as (
    select * from {{ ref('int_satisfaction__survey_responses') }}
),

account_ltv as (
    select * from {{ ref('fct_account_ltv') }}
),

acquired_accounts as (
    select
        account_id,
        acquisition_channel,
        landing_page_variant
    from accounts
),

first_paid_months as (
    select
        account_id,
        min(month) as first_paid_month
    from account_monthly_mrr
    where mrr > 0
    group by account_id
),

-- retained = still paying at the end of the 12th month after the first paid month; scored only
-- when that month has ended or is the month of as_of_date
twelve_month_retention as (
    select
        first_paid_months.account_id,
        account_monthly_mrr.mrr > 0 as is_retained_12m
    from first_paid_months
    inner join account_monthly_mrr
        on
            first_paid_months.account_id = account_monthly_mrr.account_id
            and account_monthly_mrr.month = {{ dbt.dateadd('month', 12, 'first_paid_months.first_paid_month') }}
),

account_nps as (
    select
        account_id,
        count(*) as nps_responses,
        sum(score) as nps_score_sum,
        count_if(category = 'promoter') as promoters,
        count_if(category = 'detractor') as detractors
    from survey_responses
    where survey_type = 'nps'
    group by account_id
),

account_outcomes as (
    select
        acquired_accounts.acquisition_channel,
        acquired_accounts.landing_page_variant,
        acquired_accounts.account_id,
        case
            when
                {{ dbt.dateadd('day', 90, 'onboarding.onboarding_started_at') }} <= {{ as_of_end_utc() }}
                then onboarding.activated_within_90d
        end as activated_within_90d,
        twelve_month_retention.is_retained_12m,
        account_nps.nps_responses,
        account_nps.nps_score_sum,
        account_nps.promoters,
        account_nps.detractors,
        account_ltv.predicted_ltv
    from acquired_accounts
    left join onboarding
        on acquired_accounts.account_id = onboarding.account_id
    left join twelve_month_retention
        on acquired_accounts.account_id = twelve_month_retention.account_id
    left join account_nps
        on acquired_accounts.account_id = account_nps.account_id
    left join account_ltv
        on acquired_accounts.account_id = account_ltv.account_id
),

final as (
    select
        acquisition_channel,
        landing_page_variant,
        cast(count(*) as integer) as accounts,  -- noqa: RF04
        cast(avg(cast(activated_within_90d as integer)) as double) as activation_rate_90d,
        cast(avg(cast(is_retained_12m as integer)) as double) as retention_12m,
        {{ ratio('sum(nps_score_sum)', 'sum(nps_responses)') }} as avg_nps,
        cast(avg(predicted_ltv) as decimal(18, 2)) as avg_predicted_ltv,
        cast(count(activated_within_90d) as integer) as activation_scored_accounts,
        cast(count(is_retained_12m) as integer) as retention_scored_accounts,
        cast(coalesce(sum(nps_responses), 0) as integer) as nps_responses,
        100 * {{ ratio('sum(promoters) - sum(detractors)', 'sum(nps_responses)') }} as nps
    from account_outcomes
    group by acquisition_channel, landing_page_variant
)

select * from final

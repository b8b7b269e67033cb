with

onboarding as (
    select * from {{ ref('int_onboarding__accounts') }}
),

paying_spells as (
    select * from {{ ref('int_health__account_paying_spells') }}
),

-- churn = the account's MRR drops to 0 after it paid, within 365 days of its onboarding start
first_year_billing as (
    select
        onboarding.account_id,
        count(paying_spells.spell_start_on) > 0 as paid_in_first_year,
        count_if(
            {{ local_midnight_utc('paying_spells.churned_on') }}
            < {{ dbt.dateadd('day', 365, 'onboarding.onboarding_started_at') }}
        ) > 0 as churned_within_365d
    from onboarding
    left join paying_spells
        on
            onboarding.account_id = paying_spells.account_id
            and {{ local_midnight_utc('paying_spells.spell_start_on') }}
            < {{ dbt.dateadd('day', 365, 'onboarding.onboarding_started_at') }}
    group by onboarding.account_id
),

account_outcomes as (
    select
        onboarding.account_id,
        cast({{ dbt.date_trunc('month', to_local_date('onboarding.onboarding_started_at')) }} as date)
            as cohort_month,
        onboarding.activated_within_90d,
        -- an outcome is known once its whole window lies before the end of as_of_date
        {{ dbt.dateadd('day', 90, 'onboarding.onboarding_started_at') }} <= {{ as_of_end_utc() }}
            as is_90d_window_complete,
        {{ dbt.dateadd('day', 365, 'onboarding.onboarding_started_at') }} <= {{ as_of_end_utc() }}
        and first_year_billing.paid_in_first_year as is_365d_churn_scored,
        first_year_billing.churned_within_365d
    from onboarding
    inner join first_year_billing
        on onboarding.account_id = first_year_billing.account_id
),

cohorts as (
    select
        cohort_month,
        count(*) as accounts,  -- noqa: RF04
        count_if(activated_within_90d) as activated_within_90d,
        count_if(is_90d_window_complete) as accounts_90d_complete,
        count_if(is_90d_window_complete and activated_within_90d) as activated_within_90d_complete,
        count_if(is_365d_churn_scored and activated_within_90d) as scored_accounts_activated,
        count_if(is_365d_churn_scored and activated_within_90d and churned_within_365d)
            as churned_accounts_activated,
        count_if(is_365d_churn_scored and not activated_within_90d) as scored_accounts_not_activated,
        count_if(is_365d_churn_scored and not activated_within_90d and churned_within_365d)
            as churned_accounts_not_activated
    from account_outcomes
    group by cohort_month
),

final as (
    select
        cohort_month,
        cast(accounts as integer) as accounts,  -- noqa: RF04
        cast(activated_within_90d as integer) as activated_within_90d,
        {{ ratio('activated_within_90d_complete', 'accounts_90d_complete') }} as activation_rate_90d,
        {{ ratio('churned_accounts_activated', 'scored_accounts_activated') }} as churned_within_365d_activated,
        {{ ratio('churned_accounts_not_activated', 'scored_accounts_not_activated') }}
            as churned_within_365d_not_activated,
        cast(accounts_90d_complete as integer) as accounts_90d_complete,
        cast(scored_accounts_activated as integer) as scored_accounts_activated,
        cast(churned_accounts_activated as integer) as churned_accounts_activated,
        cast(scored_accounts_not_activated as integer) as scored_accounts_not_activated,
        cast(churned_accounts_not_activated as integer) as churned_accounts_not_activated
    from cohorts
)

select * from final

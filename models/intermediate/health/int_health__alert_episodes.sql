with

daily_inputs as (
    select * from {{ ref('int_health__account_daily_inputs') }}
),

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

-- one row per paying account-day on which an alert condition holds (docs/metrics.md, Alerts)
alert_condition_days as (
    select
        account_id,
        date,
        'no_login_14d' as alert_type
    from daily_inputs
    where
        login_days_alert_window = 0
        and onboarding_started_at <= {{ dbt.dateadd('day', -var('alert_no_login_days'), end_of_local_day_utc('date')) }}
    union all
    select
        account_id,
        date,
        'core_feature_unused_30d' as alert_type
    from daily_inputs
    where
        core_feature_days_30d = 0
        and onboarding_started_at <= {{ dbt.dateadd('day', -30, end_of_local_day_utc('date')) }}
    union all
    select
        account_id,
        date,
        'onboarding_stalled' as alert_type
    from daily_inputs
    where {{ onboarding_status('onboarding_started_at', 'activated_at', end_of_local_day_utc('date')) }} = 'stalled'
    union all
    select
        account_id,
        date,
        'nps_detractor' as alert_type
    from daily_inputs
    where detractor_responses_30d > 0
    union all
    select
        account_id,
        date,
        'payment_failed' as alert_type
    from daily_inputs
    where failed_invoices > 0
    union all
    select
        account_id,
        date,
        'health_red' as alert_type
    from health_scores
    where health_color = 'red'
),

-- consecutive condition days share an anchor date (gaps and islands)
condition_islands as (
    select
        account_id,
        alert_type,
        date,
        {{ consecutive_days_anchor('account_id, alert_type') }} as island_anchor
    from alert_condition_days
),

final as (
    select
        account_id,
        alert_type,
        min(date) as opened_on,
        -- the first day the condition no longer holds; null while it still holds on as_of_date
        case
            when max(date) < {{ as_of_date() }} then cast(max(date) + 1 as date)
        end as closed_on,
        max(date) as last_alerted_on,
        cast(count(*) as integer) as alerted_days
    from condition_islands
    group by account_id, alert_type, island_anchor
)

select * from final

{#- Incremental: a run recomputes the condition days from the first day whose health inputs changed
    since the table last read them, or the opening day of a stored episode whose days are no longer
    all paying (macro alert_episodes_recompute_start_date). Its pre-hook first
    drops the episodes that open on or after that day and cuts the ones running through it back to the
    day before; episodes that continue on the start day are then extended, keeping their key. On
    Spark (no row replacement without Delta) the table is rebuilt whole. -#}
-- depends_on: {{ ref('int_health__account_paying_spells') }}
{{
    config(
        on_schema_change='fail',
        pre_hook="{{ cut_alert_episodes_back_to_recompute_start() }}",
        **incremental_by_key(['account_id', 'alert_type', 'opened_on'])
    )
}}

{%- set recompute_start = alert_episodes_recompute_start_date() %}

with

-- Inlined: each reader's filter then reaches the scan, where a materialised CTE reads every row.
daily_inputs as {{ not_materialized() }} (
    select * from {{ ref('int_health__account_daily_inputs') }}
),

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

days_to_recompute as (
    select * from daily_inputs
    where date >= {{ recompute_start }}
),

scores_to_recompute as (
    select * from health_scores
    where date >= {{ recompute_start }}
),

-- one row per paying account-day on which an alert condition holds (docs/metrics.md, Alerts)
alert_condition_days as (
    select
        account_id,
        date,
        'no_login_14d' as alert_type
    from days_to_recompute
    where
        login_days_alert_window = 0
        and onboarding_started_at <= {{ dbt.dateadd('day', -var('alert_no_login_days'), end_of_local_day_utc('date')) }}
    union all
    select
        account_id,
        date,
        'core_feature_unused_30d' as alert_type
    from days_to_recompute
    where
        core_feature_days_30d = 0
        and onboarding_started_at <= {{ dbt.dateadd('day', -30, end_of_local_day_utc('date')) }}
    union all
    select
        account_id,
        date,
        'onboarding_stalled' as alert_type
    from days_to_recompute
    where {{ onboarding_status('onboarding_started_at', 'activated_at', end_of_local_day_utc('date')) }} = 'stalled'
    union all
    select
        account_id,
        date,
        'nps_detractor' as alert_type
    from days_to_recompute
    where detractor_responses_30d > 0
    union all
    select
        account_id,
        date,
        'payment_failed' as alert_type
    from days_to_recompute
    where failed_invoices > 0
    union all
    select
        account_id,
        date,
        'health_red' as alert_type
    from scores_to_recompute
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

recomputed_episodes as (
    select
        account_id,
        alert_type,
        min(date) as opened_on,
        max(date) as last_alerted_on,
        count(*) as alerted_days
    from condition_islands
    group by account_id, alert_type, island_anchor
),

-- Episodes the pre-hook left running up to the day before the recompute start; a full build has
-- no stored episode to extend.
episodes_to_extend as (
    select
        account_id,
        alert_type,
        opened_on,
        alerted_days
    {% if is_incremental() -%}
        from {{ this }}
        where last_alerted_on = cast({{ dbt.dateadd('day', -1, recompute_start) }} as date)
    {%- else -%}
        from recomputed_episodes
        where false
    {%- endif %}
),

-- an episode recomputed from the start day continues the one running up to the day before
episodes as (
    select
        recomputed_episodes.account_id,
        recomputed_episodes.alert_type,
        coalesce(episodes_to_extend.opened_on, recomputed_episodes.opened_on) as opened_on,
        recomputed_episodes.last_alerted_on,
        recomputed_episodes.alerted_days + coalesce(episodes_to_extend.alerted_days, 0) as alerted_days
    from recomputed_episodes
    left join episodes_to_extend
        on
            recomputed_episodes.account_id = episodes_to_extend.account_id
            and recomputed_episodes.alert_type = episodes_to_extend.alert_type
            and recomputed_episodes.opened_on = {{ recompute_start }}
),

final as (
    select
        account_id,
        alert_type,
        opened_on,
        -- the first day the condition no longer holds; null while it still holds on as_of_date
        case
            when last_alerted_on < {{ as_of_date() }} then cast(last_alerted_on + 1 as date)
        end as closed_on,
        last_alerted_on,
        cast(alerted_days as integer) as alerted_days,
        (select max(daily_inputs.derived_at) from daily_inputs) as inputs_derived_at
    from episodes
)

select * from final

{{ config(materialized='view') }}

with

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

paying_spells as (
    select * from {{ ref('int_health__account_paying_spells') }}
),

backtest_windows as (
    select * from {{ ref('int_health__backtest_windows') }}
),

-- Censoring: only days whose next 90 days lie within the data are scored. A scored day is a paying
-- day, so the next churn is the day after its paying spell ends.
scored_days as (
    select
        health_scores.account_id,
        health_scores.date,
        health_scores.usage_score,
        health_scores.relationship_score,
        health_scores.satisfaction_score,
        health_scores.support_score,
        health_scores.health_score,
        health_scores.health_color,
        health_scores.is_no_login_override,
        coalesce(paying_spells.churned_on <= health_scores.date + 90, false) as churned_within_90d
    from health_scores
    inner join paying_spells
        on
            health_scores.account_id = paying_spells.account_id
            and health_scores.date between paying_spells.spell_start_on and paying_spells.spell_end_on
    cross join backtest_windows
    where health_scores.date <= backtest_windows.validation_end_on
),

final as (
    select
        scored_days.*,
        case
            when scored_days.date >= backtest_windows.validation_start_on then 'validation'
            when scored_days.date <= backtest_windows.fitting_end_on then 'fitting'
            else 'gap'
        end as backtest_window
    from scored_days
    cross join backtest_windows
)

select * from final

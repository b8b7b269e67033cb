with

scored_day_outcomes as (
    select * from {{ ref('int_health__scored_day_outcomes') }}
),

daily_inputs as (
    select * from {{ ref('int_health__account_daily_inputs') }}
),

-- The inputs of the capped terms come along, so that a fit can score the days again with other
-- formula parameters.
final as (
    select
        scored_day_outcomes.account_id,
        scored_day_outcomes.date,
        scored_day_outcomes.usage_score,
        scored_day_outcomes.relationship_score,
        scored_day_outcomes.satisfaction_score,
        scored_day_outcomes.support_score,
        scored_day_outcomes.health_score,
        scored_day_outcomes.health_color,
        scored_day_outcomes.is_no_login_override,
        scored_day_outcomes.churned_within_90d,
        daily_inputs.login_days_30d,
        daily_inputs.active_users_30d,
        daily_inputs.provisioned_users,
        daily_inputs.core_feature_days_30d,
        daily_inputs.tenure_days,
        daily_inputs.kickoff_held,
        daily_inputs.is_activated,
        daily_inputs.engagement_activities_90d,
        daily_inputs.has_expanded,
        daily_inputs.open_tickets,
        daily_inputs.urgent_tickets_90d,
        daily_inputs.bad_ratings_90d,
        scored_day_outcomes.backtest_window
    from scored_day_outcomes
    inner join daily_inputs
        on
            scored_day_outcomes.account_id = daily_inputs.account_id
            and scored_day_outcomes.date = daily_inputs.date
)

select * from final

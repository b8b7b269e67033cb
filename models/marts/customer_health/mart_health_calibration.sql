with

outcome_days as (
    select * from {{ ref('int_health__scored_day_outcomes') }}
),

backtest_windows as (
    select * from {{ ref('int_health__backtest_windows') }}
),

health_colors as (
    select colors.health_color
    from (values ('green'), ('yellow'), ('red')) as colors (health_color)
),

-- The scored days read once, reduced to counts per back-test window, score and colour (a few
-- thousand rows): every aggregate below reads these.
outcome_levels as (
    select
        backtest_window,
        health_score,
        health_color,
        count(*) as account_days,
        count_if(churned_within_90d) as churned_days,
        min(date) as first_scored_on,
        max(date) as last_scored_on
    from outcome_days
    group by backtest_window, health_score, health_color
),

-- Every level counts in scope 'all' and again in its back-test window (gap days in 'all' only), so
-- one set of aggregates below serves the three scopes.
scoped_levels as (
    select
        scopes.scope,
        outcome_levels.health_score,
        outcome_levels.health_color,
        outcome_levels.account_days,
        outcome_levels.churned_days,
        outcome_levels.first_scored_on,
        outcome_levels.last_scored_on
    from outcome_levels
    inner join (values ('all'), ('fitting'), ('validation')) as scopes (scope)
        on outcome_levels.backtest_window = scopes.scope or scopes.scope = 'all'
),

color_outcomes as (
    select
        scope,
        health_color,
        cast(sum(account_days) as bigint) as account_days,
        cast(sum(churned_days) as bigint) as churned_within_90d,
        min(first_scored_on) as first_scored_on,
        max(last_scored_on) as last_scored_on
    from scoped_levels
    group by scope, health_color
),

scope_outcomes as (
    select
        scope,
        cast(sum(account_days) as bigint) as account_days,
        cast(sum(churned_days) as bigint) as churned_within_90d
    from scoped_levels
    group by scope
),

-- AUC of "lower score = more risk" for 90-day churn (Mann-Whitney): the share of (churned,
-- not churned) day pairs in which the churned day scored lower, ties counting one half.
score_levels as (
    select
        scope,
        health_score,
        cast(sum(churned_days) as bigint) as churned_days,
        cast(sum(account_days - churned_days) as bigint) as retained_days
    from scoped_levels
    group by scope, health_score
),

score_level_pairs as (
    select
        scope,
        churned_days,
        retained_days,
        coalesce(sum(retained_days) over (
            partition by scope
            order by health_score desc rows between unbounded preceding and 1 preceding
        ), 0) as retained_days_scored_higher
    from score_levels
),

score_auc as (
    select
        scope,
        {{ ratio(
            'sum(churned_days * (retained_days_scored_higher + 0.5 * retained_days))',
            'sum(churned_days) * sum(retained_days)'
        ) }} as score_auc_90d
    from score_level_pairs
    group by scope
),

scope_color_metrics as (
    select
        scope_outcomes.scope,
        health_colors.health_color,
        cast(coalesce(color_outcomes.account_days, 0) as bigint) as account_days,
        cast(coalesce(color_outcomes.churned_within_90d, 0) as bigint) as churned_within_90d,
        {{ ratio('color_outcomes.churned_within_90d', 'color_outcomes.account_days') }} as churn_rate_90d,
        -- (churned / days of the colour) / (churned / days of all colours), as one exact ratio
        {{ ratio(
            'color_outcomes.churned_within_90d * scope_outcomes.account_days',
            'color_outcomes.account_days * scope_outcomes.churned_within_90d'
        ) }} as lift_vs_all,
        score_auc.score_auc_90d,
        color_outcomes.first_scored_on,
        color_outcomes.last_scored_on
    from scope_outcomes
    cross join health_colors
    left join score_auc
        on scope_outcomes.scope = score_auc.scope
    left join color_outcomes
        on
            scope_outcomes.scope = color_outcomes.scope
            and health_colors.health_color = color_outcomes.health_color
),

all_days as (
    select * from scope_color_metrics
    where scope = 'all'
),

fitting_days as (
    select * from scope_color_metrics
    where scope = 'fitting'
),

validation_days as (
    select * from scope_color_metrics
    where scope = 'validation'
),

final as (
    select
        health_colors.health_color,
        coalesce(all_days.account_days, 0) as account_days,
        coalesce(all_days.churned_within_90d, 0) as churned_within_90d,
        all_days.churn_rate_90d,
        all_days.lift_vs_all,
        all_days.score_auc_90d,
        all_days.first_scored_on,
        all_days.last_scored_on,
        backtest_windows.fitting_end_on,
        coalesce(fitting_days.account_days, 0) as fitting_account_days,
        coalesce(fitting_days.churned_within_90d, 0) as fitting_churned_within_90d,
        fitting_days.churn_rate_90d as fitting_churn_rate_90d,
        fitting_days.lift_vs_all as fitting_lift_vs_all,
        fitting_days.score_auc_90d as fitting_score_auc_90d,
        backtest_windows.validation_start_on,
        backtest_windows.validation_end_on,
        coalesce(validation_days.account_days, 0) as validation_account_days,
        coalesce(validation_days.churned_within_90d, 0) as validation_churned_within_90d,
        validation_days.churn_rate_90d as validation_churn_rate_90d,
        validation_days.lift_vs_all as validation_lift_vs_all,
        validation_days.score_auc_90d as validation_score_auc_90d
    from health_colors
    cross join backtest_windows
    left join all_days
        on health_colors.health_color = all_days.health_color
    left join fitting_days
        on health_colors.health_color = fitting_days.health_color
    left join validation_days
        on health_colors.health_color = validation_days.health_color
)

select * from final

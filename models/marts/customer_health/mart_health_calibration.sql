with

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

paying_spells as (
    select * from {{ ref('int_health__account_paying_spells') }}
),

health_colors as (
    select colors.health_color
    from (values ('green'), ('yellow'), ('red')) as colors (health_color)
),

-- Censoring: only days whose next 90 days lie within the data (date <= as_of_date - 90) are scored.
-- A scored day is a paying day, so the next churn is the day after its paying spell ends.
scored_days as (
    select
        health_scores.account_id,
        health_scores.date,
        health_scores.health_score,
        health_scores.health_color,
        coalesce(paying_spells.churned_on <= health_scores.date + 90, false) as churned_within_90d
    from health_scores
    inner join paying_spells
        on
            health_scores.account_id = paying_spells.account_id
            and health_scores.date between paying_spells.spell_start_on and paying_spells.spell_end_on
    where health_scores.date <= {{ dbt.dateadd('day', -90, as_of_date()) }}
),

color_outcomes as (
    select
        health_color,
        count(*) as account_days,
        count_if(churned_within_90d) as churned_within_90d,
        min(date) as first_scored_on,
        max(date) as last_scored_on
    from scored_days
    group by health_color
),

overall_outcome as (
    select
        count(*) as account_days,
        count_if(churned_within_90d) as churned_within_90d
    from scored_days
),

-- AUC of "lower score = more risk" for 90-day churn (Mann-Whitney): the share of (churned,
-- not churned) day pairs in which the churned day scored lower, ties counting one half.
score_levels as (
    select
        health_score,
        count_if(churned_within_90d) as churned_days,
        count_if(not churned_within_90d) as retained_days
    from scored_days
    group by health_score
),

score_level_pairs as (
    select
        churned_days,
        retained_days,
        coalesce(sum(retained_days) over (
            order by health_score desc rows between unbounded preceding and 1 preceding
        ), 0) as retained_days_scored_higher
    from score_levels
),

score_auc as (
    select
        {{ ratio(
            'sum(churned_days * (retained_days_scored_higher + 0.5 * retained_days))',
            'sum(churned_days) * sum(retained_days)'
        ) }} as score_auc_90d
    from score_level_pairs
),

final as (
    select
        health_colors.health_color,
        cast(coalesce(color_outcomes.account_days, 0) as bigint) as account_days,
        cast(coalesce(color_outcomes.churned_within_90d, 0) as bigint) as churned_within_90d,
        {{ ratio('color_outcomes.churned_within_90d', 'color_outcomes.account_days') }} as churn_rate_90d,
        -- (churned / days of the colour) / (churned / days of all colours), as one exact ratio
        {{ ratio(
            'color_outcomes.churned_within_90d * overall_outcome.account_days',
            'color_outcomes.account_days * overall_outcome.churned_within_90d'
        ) }} as lift_vs_all,
        score_auc.score_auc_90d,
        color_outcomes.first_scored_on,
        color_outcomes.last_scored_on
    from health_colors
    cross join overall_outcome
    cross join score_auc
    left join color_outcomes
        on health_colors.health_color = color_outcomes.health_color
)

select * from final

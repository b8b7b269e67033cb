with

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

alerts as (
    select * from {{ ref('fct_alerts') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

paying_accounts as (
    select
        health_scores.account_id,
        accounts.csm_owner_id as owner_id,
        health_scores.segment,
        health_scores.mrr,
        health_scores.health_score,
        health_scores.health_color
    from health_scores
    inner join accounts
        on health_scores.account_id = accounts.account_id
    where health_scores.date = {{ as_of_date() }}
),

open_alert_counts as (
    select
        account_id,
        count(*) as open_alerts
    from alerts
    where closed_on is null
    group by account_id
),

-- activities of the last 90 days; those with an owner are a person's time, the others automated
recent_activity_counts as (
    select
        activities.account_id,
        count(*) as activities_90d,
        count(activities.owner_id) as csm_activities_90d,
        coalesce(
            sum(case when activities.owner_id is not null then activities.duration_minutes end), 0
        ) as csm_minutes_90d
    from activities
    where activities.occurred_on between {{ dbt.dateadd('day', -89, as_of_date()) }} and {{ as_of_date() }}
    group by activities.account_id
),

owner_segments as (
    select
        paying_accounts.owner_id,
        paying_accounts.segment,
        count(*) as accounts,  -- noqa: RF04
        sum(paying_accounts.mrr) as mrr,
        sum(paying_accounts.health_score) as health_score_sum,
        count(paying_accounts.health_score) as scored_accounts,
        count_if(paying_accounts.health_color = 'red') as red_accounts,
        coalesce(sum(open_alert_counts.open_alerts), 0) as open_alerts,
        coalesce(sum(recent_activity_counts.activities_90d), 0) as activities_90d,
        coalesce(sum(recent_activity_counts.csm_activities_90d), 0) as csm_activities_90d,
        coalesce(sum(recent_activity_counts.csm_minutes_90d), 0) as csm_minutes_90d,
        count_if(coalesce(recent_activity_counts.csm_activities_90d, 0) = 0) as accounts_without_csm_touch_90d
    from paying_accounts
    left join open_alert_counts
        on paying_accounts.account_id = open_alert_counts.account_id
    left join recent_activity_counts
        on paying_accounts.account_id = recent_activity_counts.account_id
    group by paying_accounts.owner_id, paying_accounts.segment
),

final as (
    select
        owner_id,
        segment,
        cast(accounts as integer) as accounts,  -- noqa: RF04
        cast(mrr as decimal(18, 2)) as mrr,
        -- the mean rounded exactly (half up), the same on every engine
        cast({{ divide_and_round('health_score_sum', 'nullif(scored_accounts, 0)') }} as decimal(5, 2))
            as avg_health_score,
        cast(red_accounts as integer) as red_accounts,
        cast(open_alerts as integer) as open_alerts,
        cast(activities_90d as integer) as activities_90d,
        cast(csm_activities_90d as integer) as csm_activities_90d,
        cast(csm_minutes_90d as bigint) as csm_minutes_90d,
        {{ ratio('csm_activities_90d', 'accounts') }} as csm_activities_per_account_90d,
        cast(accounts_without_csm_touch_90d as integer) as accounts_without_csm_touch_90d,
        -- where the owner's time goes against where the owner's revenue is
        {{ ratio('mrr', 'sum(mrr) over (partition by owner_id)') }} as share_of_owner_mrr,
        {{ ratio('csm_minutes_90d', 'sum(csm_minutes_90d) over (partition by owner_id)') }}
            as share_of_owner_csm_minutes_90d
    from owner_segments
)

select * from final

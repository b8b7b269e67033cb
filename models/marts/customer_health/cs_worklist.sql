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

owners as (
    select * from {{ ref('stg_crm__owners') }}
),

open_alerts as (
    select
        account_id,
        count(*) as open_alerts,
        count_if(severity = 'high') as open_high_severity_alerts,
        {{ sorted_string_agg('alert_type', ', ') }} as open_alert_types,
        min(opened_on) as oldest_open_alert_on
    from alerts
    where closed_on is null
    group by account_id
),

accounts_needing_attention as (
    select
        health_scores.account_id,
        accounts.csm_owner_id,
        owners.manager_id as csm_manager_id,
        health_scores.segment,
        health_scores.health_color,
        health_scores.health_score,
        health_scores.mrr,
        coalesce(open_alerts.open_alerts, 0) as open_alerts,
        coalesce(open_alerts.open_high_severity_alerts, 0) as open_high_severity_alerts,
        open_alerts.open_alert_types,
        open_alerts.oldest_open_alert_on
    from health_scores
    inner join accounts
        on health_scores.account_id = accounts.account_id
    left join owners
        on accounts.csm_owner_id = owners.owner_id
    left join open_alerts
        on health_scores.account_id = open_alerts.account_id
    where
        health_scores.date = {{ as_of_date() }}
        and (health_scores.health_color in ('red', 'yellow') or open_alerts.open_alerts > 0)
),

final as (
    select
        account_id,
        csm_owner_id,
        segment,
        health_color,
        cast(open_alerts as integer) as open_alerts,
        -- a green account is listed only for its alerts, which call for the yellow step at least
        {{ playbook_action(
            "case when health_color = 'green' then 'yellow' else health_color end", 'segment', 'mrr'
        ) }} as recommended_action,
        -- per CSM: red before yellow before green, then more high-severity alerts, more alerts,
        -- more MRR at stake
        cast(row_number() over (
            partition by csm_owner_id
            order by
                case health_color when 'red' then 1 when 'yellow' then 2 else 3 end asc,
                open_high_severity_alerts desc,
                open_alerts desc,
                mrr desc,
                account_id asc
        ) as integer) as priority,
        {{ acting_owner('csm_owner_id', 'csm_manager_id', 'health_color', 'segment') }} as owner_id,
        health_score,
        mrr,
        cast(open_high_severity_alerts as integer) as open_high_severity_alerts,
        open_alert_types,
        oldest_open_alert_on
    from accounts_needing_attention
)

select * from final

with

alert_episodes as (
    select * from {{ ref('int_health__alert_episodes') }}
),

health_scores as (
    select * from {{ ref('fct_health_score_daily') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

owners as (
    select * from {{ ref('stg_crm__owners') }}
),

alert_types as (
    select * from {{ ref('alert_types') }}
),

-- the account's state on the day the episode opened decides its action and owner; its type, the severity
episodes_with_state as (
    select
        alert_episodes.*,
        health_scores.health_color,
        health_scores.segment,
        health_scores.mrr,
        accounts.csm_owner_id,
        owners.manager_id as csm_manager_id,
        alert_types.severity
    from alert_episodes
    inner join health_scores
        on
            alert_episodes.account_id = health_scores.account_id
            and alert_episodes.opened_on = health_scores.date
    inner join accounts
        on alert_episodes.account_id = accounts.account_id
    inner join alert_types
        on alert_episodes.alert_type = alert_types.alert_type
    left join owners
        on accounts.csm_owner_id = owners.owner_id
),

final as (
    select
        {%- set opened_on_text = 'cast(opened_on as ' ~ dbt.type_string() ~ ')' %}
        {{ dbt.hash(dbt.concat(['account_id', "'|'", 'alert_type', "'|'", opened_on_text])) }}
            as alert_id,
        account_id,
        alert_type,
        opened_on,
        closed_on,
        severity,
        -- an alert is a risk signal: at least the yellow step of the playbook, the red one when red
        {{ playbook_action(
            "case when health_color = 'red' then 'red' else 'yellow' end", 'segment', 'mrr'
        ) }} as recommended_action,
        {{ acting_owner('csm_owner_id', 'csm_manager_id', 'health_color', 'segment') }} as owner_id,
        closed_on is null as is_open,
        last_alerted_on,
        alerted_days,
        health_color as health_color_at_open,
        segment as segment_at_open
    from episodes_with_state
)

select * from final

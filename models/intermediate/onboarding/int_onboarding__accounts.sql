with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

project_completion_days as (
    select * from {{ ref('int_onboarding__project_completion_days') }}
),

onboarding_starts as (
    select
        subscriptions.account_id,
        min(subscriptions.created_at) as onboarding_started_at
    from subscriptions
    inner join accounts
        on subscriptions.account_id = accounts.account_id
    where
        subscriptions.created_at < {{ as_of_end_utc() }}
    group by subscriptions.account_id
),

first_kickoffs as (
    select
        onboarding_starts.account_id,
        min(activities.occurred_at) as kickoff_at
    from onboarding_starts
    inner join activities
        on
            onboarding_starts.account_id = activities.account_id
            and onboarding_starts.onboarding_started_at <= activities.occurred_at
            and {{ dbt.dateadd('day', 30, 'onboarding_starts.onboarding_started_at') }} > activities.occurred_at
    where
        activities.activity_type = 'kickoff_meeting'
        and activities.occurred_at < {{ as_of_end_utc() }}
    group by onboarding_starts.account_id
),

first_completed_projects as (
    select
        onboarding_starts.account_id,
        min(project_completion_days.completed_at) as activated_at
    from onboarding_starts
    inner join project_completion_days
        on
            onboarding_starts.account_id = project_completion_days.account_id
            and onboarding_starts.onboarding_started_at <= project_completion_days.completed_at
    where project_completion_days.activity_date <= {{ as_of_date() }}
    group by onboarding_starts.account_id
),

final as (
    select
        onboarding_starts.account_id,
        onboarding_starts.onboarding_started_at,
        first_kickoffs.kickoff_at,
        first_kickoffs.kickoff_at is not null as kickoff_held,
        first_completed_projects.activated_at,
        cast({{ dbt.datediff(
            to_local_date('onboarding_starts.onboarding_started_at'),
            to_local_date('first_completed_projects.activated_at'),
            'day'
        ) }} as integer) as days_to_activation,
        coalesce(
            first_completed_projects.activated_at
            < {{ dbt.dateadd('day', 90, 'onboarding_starts.onboarding_started_at') }},
            false
        ) as activated_within_90d
    from onboarding_starts
    left join first_kickoffs
        on onboarding_starts.account_id = first_kickoffs.account_id
    left join first_completed_projects
        on onboarding_starts.account_id = first_completed_projects.account_id
)

select * from final

with

onboarding as (
    select * from {{ ref('int_onboarding__accounts') }}
),

final as (
    select
        account_id,
        onboarding_started_at,
        kickoff_held,
        kickoff_at,
        activated_at,
        days_to_activation,
        activated_within_90d,
        {{ onboarding_status('onboarding_started_at', 'activated_at', as_of_end_utc()) }} as onboarding_status
    from onboarding
)

select * from final

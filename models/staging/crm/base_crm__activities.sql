with source_rows as (
    select
        cast(activity_id as string) as activity_id,
        cast(account_id as string) as account_id,
        cast(owner_id as string) as owner_id,
        cast(activity_type as string) as activity_type,
        {{- safe_cast_columns({'occurred_at': 'timestamp', 'duration_minutes': 'integer'}) }}
    from {{ source('crm', 'activities') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls(['activity_id', 'account_id', 'activity_type', 'occurred_at']) }}
            {{ reject_unknown('activity_type', [
                'kickoff_meeting',
                'onboarding_session',
                'check_in_call',
                'qbr',
                'training',
                'webinar',
                'user_event',
                'email',
                'upsell_proposal',
            ]) }}
            when duration_minutes < 0 then 'negative_duration_minutes'
            {{- reject_future(['occurred_at']) }}
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        activity_id,
        account_id,
        owner_id,
        activity_type,
        occurred_at,
        {{ to_local_date('occurred_at') }} as occurred_on,
        duration_minutes,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

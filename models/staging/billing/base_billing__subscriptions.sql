with source_rows as (
    select
        cast(subscription_id as string) as subscription_id,
        cast(account_id as string) as account_id,
        cast(status as string) as status,
        cast(currency as string) as currency,
        cast(created_at as timestamp) as created_at,
        cast(trial_end_at as timestamp) as trial_end_at,
        cast(started_at as timestamp) as started_at,
        cast(canceled_at as timestamp) as canceled_at,
        cast(ended_at as timestamp) as ended_at,
        cast(cancel_reason as string) as cancel_reason
    from {{ source('billing', 'subscriptions') }}
),

distinct_rows as (
    select
        *,
        count(*) as delivered_row_count
    from source_rows
    group by all
),

labelled_rows as (
    select
        *,
        case
            {{- reject_nulls(['subscription_id', 'account_id', 'status', 'currency', 'created_at']) }}
            {{ reject_unknown('status', ['trialing', 'active', 'past_due', 'canceled']) }}
            {{ reject_unknown('cancel_reason', [
                'too_expensive',
                'missing_features',
                'hard_to_use',
                'switched_competitor',
                'no_longer_needed',
                'other',
            ]) }}
            {{- reject_future(['created_at']) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        subscription_id,
        account_id,
        status,
        currency,
        created_at,
        {{ to_local_date('created_at') }} as created_on,
        trial_end_at,
        started_at,
        canceled_at,
        ended_at,
        cancel_reason,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

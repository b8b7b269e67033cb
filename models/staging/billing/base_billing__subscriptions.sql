with source_rows as (
    select
        cast(subscription_id as string) as subscription_id,
        cast(account_id as string) as account_id,
        cast(status as string) as status,
        cast(currency as string) as currency,
        cast(cancel_reason as string) as cancel_reason,
        {{- safe_cast_columns({
            'created_at': 'timestamp',
            'trial_end_at': 'timestamp',
            'started_at': 'timestamp',
            'canceled_at': 'timestamp',
            'ended_at': 'timestamp',
        }) }}
    from {{ source('billing', 'subscriptions') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
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
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
            ]) }}
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

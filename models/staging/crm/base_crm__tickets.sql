with source_rows as (
    select
        cast(ticket_id as string) as ticket_id,
        cast(account_id as string) as account_id,
        cast(requester_email as string) as requester_email,
        cast(status as string) as status,
        cast(priority as string) as priority,
        cast(category as string) as category,
        cast(satisfaction_rating as string) as satisfaction_rating,
        {{- safe_cast_columns({
            'created_at': 'timestamp',
            'first_response_at': 'timestamp',
            'solved_at': 'timestamp',
        }) }}
    from {{ source('crm', 'tickets') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls(['ticket_id', 'account_id', 'created_at', 'status', 'priority', 'category']) }}
            {{ reject_unknown('status', ['new', 'open', 'pending', 'solved', 'closed']) }}
            {{ reject_unknown('priority', ['low', 'normal', 'high', 'urgent']) }}
            {{ reject_unknown('category', [
                'how_to',
                'bug',
                'billing',
                'feature_request',
                'login',
                'other',
            ]) }}
            {{ reject_unknown('satisfaction_rating', ['good', 'bad']) }}
            {{- reject_future(['created_at']) }}
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        ticket_id,
        account_id,
        requester_email,
        created_at,
        {{ to_local_date('created_at') }} as created_on,
        first_response_at,
        solved_at,
        status,
        priority,
        category,
        satisfaction_rating,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

with source_rows as (
    select
        cast(invoice_id as string) as invoice_id,
        cast(account_id as string) as account_id,
        cast(subscription_id as string) as subscription_id,
        cast(status as string) as status,
        cast(currency as string) as currency,
        {{- safe_cast_columns({
            'total': 'decimal(18, 2)',
            'amount_paid': 'decimal(18, 2)',
            'created_at': 'timestamp',
            'due_at': 'timestamp',
            'paid_at': 'timestamp',
        }) }}
    from {{ source('billing', 'invoices') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls([
                'invoice_id',
                'account_id',
                'status',
                'currency',
                'total',
                'amount_paid',
                'created_at',
                'due_at',
            ]) }}
            {{ reject_unknown('status', ['draft', 'open', 'paid', 'void', 'uncollectible']) }}
            when total < 0 then 'negative_total'
            when amount_paid < 0 then 'negative_amount_paid'
            {{- reject_future(['created_at']) }}
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
                {'column': 'subscription_id', 'model': 'base_billing__subscriptions', 'key': 'subscription_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        invoice_id,
        account_id,
        subscription_id,
        status,
        currency,
        total,
        amount_paid,
        created_at,
        due_at,
        paid_at,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

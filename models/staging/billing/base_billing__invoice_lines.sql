with source_rows as (
    select
        cast(invoice_line_id as string) as invoice_line_id,
        cast(invoice_id as string) as invoice_id,
        cast(subscription_item_id as string) as subscription_item_id,
        cast(plan_id as string) as plan_id,
        cast(line_type as string) as line_type,
        {{- safe_cast_columns({
            'quantity': 'integer',
            'amount': 'decimal(18, 2)',
            'period_start': 'timestamp',
            'period_end': 'timestamp',
        }) }}
    from {{ source('billing', 'invoice_lines') }}
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
                'invoice_line_id',
                'invoice_id',
                'line_type',
                'quantity',
                'amount',
                'period_start',
                'period_end',
            ]) }}
            {{ reject_unknown('line_type', ['subscription', 'proration', 'one_time']) }}
            when quantity < 0 then 'negative_quantity'
            when amount < 0 then 'negative_amount'
            {{- reject_missing_parents([
                {'column': 'invoice_id', 'model': 'base_billing__invoices', 'key': 'invoice_id'},
                {'column': 'subscription_item_id', 'model': 'base_billing__subscription_items', 'key': 'subscription_item_id'},
                {'column': 'plan_id', 'model': 'base_billing__plans', 'key': 'plan_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        invoice_line_id,
        invoice_id,
        subscription_item_id,
        plan_id,
        line_type,
        quantity,
        amount,
        period_start,
        period_end,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

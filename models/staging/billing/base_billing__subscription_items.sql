with source_rows as (
    select
        cast(subscription_item_id as string) as subscription_item_id,
        cast(subscription_id as string) as subscription_id,
        cast(plan_id as string) as plan_id,
        {{- safe_cast_columns({
            'quantity': 'integer',
            'discount_pct': 'decimal(5, 2)',
            'valid_from': 'timestamp',
            'valid_to': 'timestamp',
        }) }}
    from {{ source('billing', 'subscription_items') }}
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
                'subscription_item_id',
                'subscription_id',
                'plan_id',
                'quantity',
                'discount_pct',
                'valid_from',
            ]) }}
            when quantity < 0 then 'negative_quantity'
            when discount_pct not between 0 and 100 then 'discount_pct_out_of_range'
            when valid_to <= valid_from then 'valid_to_not_after_valid_from'
            {{- reject_missing_parents([
                {'column': 'subscription_id', 'model': 'base_billing__subscriptions', 'key': 'subscription_id'},
                {'column': 'plan_id', 'model': 'base_billing__plans', 'key': 'plan_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        subscription_item_id,
        subscription_id,
        plan_id,
        quantity,
        discount_pct,
        valid_from,
        valid_to,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

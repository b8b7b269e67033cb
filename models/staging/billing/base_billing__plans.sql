with source_rows as (
    select
        cast(plan_id as string) as plan_id,
        cast(product_id as string) as product_id,
        cast(product_name as string) as product_name,
        cast(plan_name as string) as plan_name,
        cast(tier as string) as tier,
        cast(billing_interval as string) as billing_interval,
        cast(currency as string) as currency,
        {{- safe_cast_columns({
            'tier_rank': 'integer',
            'unit_amount': 'decimal(18, 2)',
            'is_per_seat': 'boolean',
        }) }}
    from {{ source('billing', 'plans') }}
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
                'plan_id',
                'product_id',
                'product_name',
                'plan_name',
                'tier',
                'tier_rank',
                'billing_interval',
                'unit_amount',
                'currency',
                'is_per_seat',
            ]) }}
            {{ reject_unknown('tier', ['starter', 'standard', 'premium', 'enterprise', 'addon']) }}
            {{ reject_unknown('billing_interval', ['month', 'year']) }}
            when unit_amount < 0 then 'negative_unit_amount'
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        plan_id,
        product_id,
        product_name,
        plan_name,
        tier,
        tier_rank,
        billing_interval,
        unit_amount,
        currency,
        is_per_seat,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

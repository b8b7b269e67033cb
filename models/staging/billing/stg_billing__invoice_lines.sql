with base_rows as (
    select * from {{ ref('base_billing__invoice_lines') }}
),

valid_rows as (
    select
        invoice_line_id,
        invoice_id,
        subscription_item_id,
        plan_id,
        line_type,
        quantity,
        amount,
        period_start,
        period_end
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

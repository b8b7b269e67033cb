with base_rows as (
    select * from {{ ref('base_billing__invoices') }}
),

valid_rows as (
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
        paid_at
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

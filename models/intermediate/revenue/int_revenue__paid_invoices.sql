{#- Paid invoices of non-deleted accounts, paid before the end of as_of_date, in the reporting
    currency with the gross margin of their line mix: realised revenue and gross profit. A view: one
    mart reads it, and writing its rows cost more than computing them (DECISIONLOG "The paid invoices
    are a view"). -#}
{{ config(materialized='view') }}

with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

invoice_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

plans as (
    select * from {{ ref('stg_billing__plans') }}
),

product_margins as (
    select * from {{ ref('product_margins') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

paid_invoices as (
    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.paid_at,
        invoices.currency,
        invoices.amount_paid,
        -- Left join: a currency missing from fx_rates keeps its row with a null rate (a failing test).
        fx_rates.rate_to_reporting
    from invoices
    inner join accounts
        on invoices.account_id = accounts.account_id
    left join fx_rates
        on invoices.currency = fx_rates.currency
    where
        invoices.status = 'paid'
        and invoices.created_at < {{ as_of_end_utc() }}
        and invoices.paid_at < {{ as_of_end_utc() }}
),

invoice_margins as (
    select
        invoice_lines.invoice_id,
        -- A line without a plan (e.g. a one-time charge) or of a product missing from the seed
        -- earns the default margin.
        {{ ratio(
            'sum(invoice_lines.amount * ' ~ margin_or_default('product_margins.gross_margin') ~ ')',
            'sum(invoice_lines.amount)'
        ) }} as gross_margin
    from invoice_lines
    left join plans
        on invoice_lines.plan_id = plans.plan_id
    left join product_margins
        on plans.product_id = product_margins.product_id
    group by invoice_lines.invoice_id
),

final as (
    select
        paid_invoices.invoice_id,
        paid_invoices.account_id,
        paid_invoices.paid_at,
        paid_invoices.currency,
        paid_invoices.rate_to_reporting,
        paid_invoices.amount_paid,
        -- Exact; rounded once per account where it is summed.
        -- 19 + 18 digits: the exact product fits 38, so no engine rounds it
        cast(paid_invoices.amount_paid as decimal(19, 2)) * paid_invoices.rate_to_reporting as amount_paid_reporting,
        -- An invoice without lines, or whose lines sum to 0, earns the default margin.
        {{ margin_or_default('invoice_margins.gross_margin') }} as gross_margin
    from paid_invoices
    left join invoice_margins
        on paid_invoices.invoice_id = invoice_margins.invoice_id
)

select * from final

{#- Accounts whose billing history lost rows to quarantine, with what was lost. A lost subscription or
    item version (a rejected plan takes its item versions with it) makes the account's MRR history
    incomplete: the revenue models leave the account out (`excluded_from_mrr`) instead of showing a
    churn or contraction that never happened. A lost invoice or invoice line only makes its realised
    revenue incomplete. Rows whose account cannot be told (a null account or subscription id on an
    item) are only in the quarantine. -#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
),

subscription_items as (
    select * from {{ ref('base_billing__subscription_items') }}
),

invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

invoice_lines as (
    select * from {{ ref('base_billing__invoice_lines') }}
),

-- Every account id a subscription id was delivered with, rejected rows included.
subscription_accounts as (
    select distinct
        subscription_id,
        account_id
    from subscriptions
    where subscription_id is not null and account_id is not null
),

invoice_accounts as (
    select distinct
        invoice_id,
        account_id
    from invoices
    where invoice_id is not null and account_id is not null
),

lost_rows as (
    select
        account_id,
        'billing.subscriptions' as source_table,
        invalid_reason,
        true as is_mrr_history
    from subscriptions
    where invalid_reason is not null
    union all
    select
        subscription_accounts.account_id,
        'billing.subscription_items' as source_table,
        subscription_items.invalid_reason,
        true as is_mrr_history
    from subscription_items
    inner join subscription_accounts
        on subscription_items.subscription_id = subscription_accounts.subscription_id
    where subscription_items.invalid_reason is not null
    union all
    select
        account_id,
        'billing.invoices' as source_table,
        invalid_reason,
        false as is_mrr_history
    from invoices
    where invalid_reason is not null
    union all
    select
        invoice_accounts.account_id,
        'billing.invoice_lines' as source_table,
        invoice_lines.invalid_reason,
        false as is_mrr_history
    from invoice_lines
    inner join invoice_accounts
        on invoice_lines.invoice_id = invoice_accounts.invoice_id
    where invoice_lines.invalid_reason is not null
),

-- A quarantined account takes all of its rows with it: it is in no mart, nothing to flag.
lost_row_counts as (
    select
        lost_rows.account_id,
        lost_rows.source_table,
        lost_rows.invalid_reason,
        lost_rows.is_mrr_history,
        count(*) as lost_rows
    from lost_rows
    inner join accounts
        on lost_rows.account_id = accounts.account_id
    group by
        lost_rows.account_id,
        lost_rows.source_table,
        lost_rows.invalid_reason,
        lost_rows.is_mrr_history
),

final as (
    select
        account_id,
        cast(sum(case when is_mrr_history then lost_rows else 0 end) as integer) as quarantined_mrr_rows,
        cast(sum(case when not is_mrr_history then lost_rows else 0 end) as integer) as quarantined_invoice_rows,
        sum(case when is_mrr_history then lost_rows else 0 end) > 0 as is_excluded_from_mrr,
        case
            when sum(case when is_mrr_history then lost_rows else 0 end) > 0 then 'mrr_history_incomplete'
            else 'invoices_incomplete'
        end as data_quality_status,
        {{ dbt.listagg(
            "source_table || ': ' || invalid_reason || ' (' || cast(lost_rows as " ~ dbt.type_string() ~ ") || ')'",
            "'; '",
            'order by source_table, invalid_reason',
        ) }} as quarantine_reasons
    from lost_row_counts
    group by account_id
)

select * from final

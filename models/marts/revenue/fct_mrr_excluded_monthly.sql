{#- The MRR left out of the revenue marts, per account and month: for each account whose MRR history
    lost a row to quarantine (docs/data_quality.md), the month-end MRR its remaining item versions
    would give, so a reader sees how much the KPIs do not count and why. -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

item_intervals as (
    select * from {{ ref('int_revenue__subscription_item_intervals') }}
    where mrr_exclusion_reason is not null
),

account_quarantined_rows as (
    select * from {{ ref('int_revenue__account_quarantined_rows') }}
),

account_month_sums as (
    select
        item_intervals.account_id,
        months.month,
        sum(item_intervals.mrr_x1200) as mrr_x1200
    from months
    inner join item_intervals
        on months.snapshot_on between item_intervals.first_live_on and item_intervals.last_live_on
    group by
        item_intervals.account_id,
        months.month
),

final as (
    select
        account_month_sums.account_id,
        account_month_sums.month,
        cast({{ divide_and_round('account_month_sums.mrr_x1200', 1200) }} as decimal(18, 2)) as excluded_mrr,
        account_quarantined_rows.data_quality_status,
        account_quarantined_rows.quarantine_reasons
    from account_month_sums
    inner join account_quarantined_rows
        on account_month_sums.account_id = account_quarantined_rows.account_id
)

select * from final

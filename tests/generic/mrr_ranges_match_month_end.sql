{#- Fails on every account-month whose month-end MRR differs from the MRR of the range covering the
    month's snapshot day (no range counts as 0): both are built from the same item intervals and must
    agree. -#}
{% test mrr_ranges_match_month_end(model, monthly_model, months_model) %}

with ranges_on_snapshot_days as (
    select
        ranges.account_id,
        months.month,
        ranges.mrr
    from {{ model }} as ranges
    inner join {{ months_model }} as months
        on months.snapshot_on between ranges.range_start_on and ranges.range_end_on
),

monthly_paying as (
    select
        account_id,
        month,
        mrr
    from {{ monthly_model }}
    where mrr > 0
)

select
    coalesce(monthly_paying.account_id, ranges_on_snapshot_days.account_id) as account_id,
    coalesce(monthly_paying.month, ranges_on_snapshot_days.month) as month,
    monthly_paying.mrr as monthly_mrr,
    ranges_on_snapshot_days.mrr as range_mrr
from monthly_paying
full outer join ranges_on_snapshot_days
    on
        monthly_paying.account_id = ranges_on_snapshot_days.account_id
        and monthly_paying.month = ranges_on_snapshot_days.month
where monthly_paying.mrr is distinct from ranges_on_snapshot_days.mrr

{% endtest %}

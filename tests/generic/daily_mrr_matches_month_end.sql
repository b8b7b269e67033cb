{#- Fails on every account-month whose month-end MRR differs from the daily MRR on the month's
    snapshot day (a missing daily row counts as 0): both are built from the same item intervals
    and must agree. -#}
{% test daily_mrr_matches_month_end(model, monthly_model, months_model) %}

with daily_on_snapshot_days as (
    select
        daily.account_id,
        months.month,
        daily.mrr
    from {{ model }} as daily
    inner join {{ months_model }} as months
        on daily.date = months.snapshot_on
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
    coalesce(monthly_paying.account_id, daily_on_snapshot_days.account_id) as account_id,
    coalesce(monthly_paying.month, daily_on_snapshot_days.month) as month,
    monthly_paying.mrr as monthly_mrr,
    daily_on_snapshot_days.mrr as daily_mrr
from monthly_paying
full outer join daily_on_snapshot_days
    on
        monthly_paying.account_id = daily_on_snapshot_days.account_id
        and monthly_paying.month = daily_on_snapshot_days.month
where monthly_paying.mrr is distinct from daily_on_snapshot_days.mrr

{% endtest %}

{#- Share of month-end MRR held by the top 20% of paying accounts, every month of the series. -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

ranked_paying_accounts as (
    select
        month,
        mrr,
        -- Ties are broken by account_id only to make the ranking deterministic: tied accounts have
        -- the same MRR, so which of them is counted does not change the share.
        row_number() over (partition by month order by mrr desc, account_id asc) as mrr_rank
    from account_monthly_mrr
    where mrr > 0
),

month_totals as (
    select
        month,
        count(*) as active_accounts,
        -- ceil(0.2 x n) in integers, free of floating-point error.
        {{ integer_divide('count(*) + 4', 5) }} as top_accounts,
        sum(mrr) as total_mrr
    from ranked_paying_accounts
    group by month
),

top_fifth_mrr as (
    select
        month_totals.month,
        month_totals.active_accounts,
        month_totals.top_accounts,
        month_totals.total_mrr,
        sum(ranked_paying_accounts.mrr) as top_accounts_mrr
    from month_totals
    inner join ranked_paying_accounts
        on
            month_totals.month = ranked_paying_accounts.month
            and month_totals.top_accounts >= ranked_paying_accounts.mrr_rank
    group by
        month_totals.month,
        month_totals.active_accounts,
        month_totals.top_accounts,
        month_totals.total_mrr
),

final as (
    select
        months.month,
        cast(coalesce(top_fifth_mrr.active_accounts, 0) as integer) as active_accounts,
        cast(coalesce(top_fifth_mrr.top_accounts, 0) as integer) as top_accounts,
        cast(coalesce(top_fifth_mrr.total_mrr, 0) as decimal(18, 2)) as total_mrr,
        cast(coalesce(top_fifth_mrr.top_accounts_mrr, 0) as decimal(18, 2)) as top_accounts_mrr,
        {{ ratio('top_fifth_mrr.top_accounts_mrr', 'top_fifth_mrr.total_mrr') }} as top_20pct_mrr_share
    from months
    left join top_fifth_mrr
        on months.month = top_fifth_mrr.month
)

select * from final

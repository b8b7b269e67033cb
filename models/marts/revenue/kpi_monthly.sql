{#- Company KPIs per month of the series (docs/metrics.md "Company month M"), with the MRR the
    figures leave out because an account's revenue history lost a row (docs/data_quality.md). -#}
with

monthly_kpis as (
    select * from {{ ref('int_revenue__monthly_kpis') }}
),

excluded_mrr as (
    select * from {{ ref('fct_mrr_excluded_monthly') }}
),

excluded_mrr_by_month as (
    select
        month,
        count(*) as excluded_accounts,
        sum(excluded_mrr) as excluded_mrr
    from excluded_mrr
    group by month
),

final as (
    select
        monthly_kpis.month,
        {{ kpi_measure_columns('monthly_kpis') }},
        cast(coalesce(excluded_mrr_by_month.excluded_accounts, 0) as integer) as excluded_accounts,
        cast(coalesce(excluded_mrr_by_month.excluded_mrr, 0) as decimal(18, 2)) as excluded_mrr
    from monthly_kpis
    left join excluded_mrr_by_month
        on monthly_kpis.month = excluded_mrr_by_month.month
    where monthly_kpis.kpi_scope = 'company'
)

select * from final

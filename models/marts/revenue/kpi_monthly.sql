{#- Company KPIs per month of the series (metrics.md "Company month M"). -#}
with

monthly_kpis as (
    select * from {{ ref('int_revenue__monthly_kpis') }}
),

final as (
    select
        month,
        active_accounts_start,
        active_accounts_end,
        new_accounts,
        churned_accounts,
        reactivated_accounts,
        logo_churn_rate,
        mrr_start,
        mrr_end,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        gross_mrr_churn_rate,
        net_mrr_retention,
        upsell_mrr,
        cross_sell_mrr,
        expansion_account_rate,
        arpa,
        gross_margin,
        churn_rate_t3m,
        avg_lifetime_months,
        ltv,
        nps,
        nps_responses,
        csat,
        csat_responses
    from monthly_kpis
    where kpi_scope = 'company'
)

select * from final

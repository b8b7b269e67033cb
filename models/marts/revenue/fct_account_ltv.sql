{#- Realised and predicted lifetime value of every non-deleted account created by the end of
    as_of_date (docs/metrics.md "LTV per account"). -#}
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

months as (
    select * from {{ ref('int_revenue__months') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

account_product_monthly_mrr as (
    select * from {{ ref('int_revenue__account_product_monthly_mrr') }}
),

paid_invoices as (
    select * from {{ ref('int_revenue__paid_invoices') }}
),

monthly_kpis as (
    select * from {{ ref('int_revenue__monthly_kpis') }}
),

as_of_month as (
    select max(month) as month_start
    from months
),

current_states as (
    select
        account_monthly_mrr.account_id,
        account_monthly_mrr.mrr,
        account_monthly_mrr.segment
    from account_monthly_mrr
    inner join as_of_month
        on account_monthly_mrr.month = as_of_month.month_start
),

current_margins as (
    select
        account_product_monthly_mrr.account_id,
        {{ ratio(
            'sum(account_product_monthly_mrr.margin_weighted_mrr)',
            'sum(account_product_monthly_mrr.mrr)'
        ) }} as gross_margin
    from account_product_monthly_mrr
    inner join as_of_month
        on account_product_monthly_mrr.month = as_of_month.month_start
    group by account_product_monthly_mrr.account_id
),

segment_churn as (
    select
        monthly_kpis.kpi_scope as segment,
        monthly_kpis.churn_rate_t3m,
        monthly_kpis.avg_lifetime_months
    from monthly_kpis
    inner join as_of_month
        on monthly_kpis.month = as_of_month.month_start
),

realized as (
    select
        account_id,
        sum(amount_paid_reporting) as realized_revenue,
        -- in decimals: a sum of floats lands on either side of a half cent depending on the order of
        -- its terms, which differs between engines and runs; precisions whose product fits 38
        -- digits, so no engine rounds the product
        sum(cast(amount_paid_reporting as decimal(24, 8)) * cast(gross_margin as decimal(13, 12)))
            as realized_gross_profit
    from paid_invoices
    group by account_id
),

account_values as (
    select
        accounts.account_id,
        round(coalesce(realized.realized_revenue, 0), 2) as realized_revenue,
        round(coalesce(realized.realized_gross_profit, 0), 2) as realized_gross_profit,
        coalesce(current_states.mrr, 0) as current_mrr,
        current_states.segment as current_segment,
        current_margins.gross_margin as current_gross_margin,
        segment_churn.churn_rate_t3m as segment_churn_rate_t3m,
        -- 1 / churn_rate_t3m, null when it is 0 or null.
        segment_churn.avg_lifetime_months as segment_avg_lifetime_months
    from accounts
    left join realized
        on accounts.account_id = realized.account_id
    left join current_states
        on accounts.account_id = current_states.account_id
    left join current_margins
        on accounts.account_id = current_margins.account_id
    left join segment_churn
        on current_states.segment = segment_churn.segment
),

final as (
    select
        account_id,
        cast(realized_revenue as decimal(18, 2)) as realized_revenue,
        cast(realized_gross_profit as decimal(18, 2)) as realized_gross_profit,
        cast(current_mrr as decimal(18, 2)) as current_mrr,
        current_segment,
        current_gross_margin,
        segment_churn_rate_t3m,
        cast(
            case
                -- A non-paying account expects no further revenue: its value is what it earned.
                when current_mrr = 0 then realized_gross_profit
                else realized_gross_profit + current_mrr * current_gross_margin * segment_avg_lifetime_months
            end as decimal(18, 2)
        ) as predicted_ltv
    from account_values
)

select * from final

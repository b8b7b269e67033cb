{#- Company KPIs per month of the series (docs/metrics.md "Company month M"). -#}
with

monthly_kpis as (
    select * from {{ ref('int_revenue__monthly_kpis') }}
),

final as (
    select
        month,
        {{ kpi_measure_columns() }}
    from monthly_kpis
    where kpi_scope = 'company'
)

select * from final

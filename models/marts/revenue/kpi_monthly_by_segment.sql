{#- The KPIs of kpi_monthly per month and touch segment, every segment every month. -#}
with

monthly_kpis as (
    select * from {{ ref('int_revenue__monthly_kpis') }}
),

final as (
    select
        month,
        kpi_scope as segment,
        {{ kpi_measure_columns() }},
        segment_transfer_in_mrr,
        segment_transfer_out_mrr
    from monthly_kpis
    where kpi_scope <> 'company'
)

select * from final

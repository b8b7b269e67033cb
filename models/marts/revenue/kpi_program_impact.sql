{#- Before/after table of a CS programme starting in var cs_program_start_month: the 12 months
    before it against the 12 months from it (months of the series only). Empty while the var is null. -#}
{%- set program_start_month = var('cs_program_start_month') %}
with

monthly_kpis as (
    select * from {{ ref('int_revenue__monthly_kpis') }}
),

program as (
    select
        {%- if program_start_month %}
            -- Any day of the month names the month.
            cast({{ dbt.date_trunc('month', "cast('" ~ program_start_month ~ "' as date)") }} as date)
        {%- else %}
            cast(null as date)
        {%- endif %} as program_start_month
),

windowed_months as (
    select
        monthly_kpis.*,
        case
            when monthly_kpis.month < program.program_start_month then 'before'
            else 'after'
        end as program_window
    from monthly_kpis
    inner join program
        on
            monthly_kpis.month >= cast({{ dbt.dateadd('month', -12, 'program.program_start_month') }} as date)
            and monthly_kpis.month < cast({{ dbt.dateadd('month', 12, 'program.program_start_month') }} as date)
    where monthly_kpis.kpi_scope = 'company'
),

window_measures as (
    select
        program_window,
        {{ ratio('sum(churned_accounts)', 'sum(active_accounts_start)') }} as logo_churn_rate,
        100 * {{ ratio('sum(nps_promoters) - sum(nps_detractors)', 'sum(nps_responses)') }} as nps,
        cast(sum(upsell_mrr + cross_sell_mrr) as double) as expansion_mrr,
        -- The ltv of the window's last kept month.
        cast(max_by(ltv, month) as double) as ltv
    from windowed_months
    group by program_window
),

measure_names as (
    select {{ rows_of_values(['logo_churn_rate', 'ltv', 'expansion_mrr', 'nps']) }} as measure_name
),

measure_values as (
    select
        program.program_start_month,
        measure_names.measure_name,
        case measure_names.measure_name
            when 'logo_churn_rate' then before_window.logo_churn_rate
            when 'ltv' then before_window.ltv
            when 'expansion_mrr' then before_window.expansion_mrr
            when 'nps' then before_window.nps
        end as before_value,
        case measure_names.measure_name
            when 'logo_churn_rate' then after_window.logo_churn_rate
            when 'ltv' then after_window.ltv
            when 'expansion_mrr' then after_window.expansion_mrr
            when 'nps' then after_window.nps
        end as after_value
    from program
    cross join measure_names
    -- An empty window has no row: its values stay null.
    left join window_measures as before_window
        on before_window.program_window = 'before'
    left join window_measures as after_window
        on after_window.program_window = 'after'
    where program.program_start_month is not null
),

final as (
    select
        measure_name as measure,
        before_value,
        after_value,
        after_value - before_value as abs_change,
        case
            -- NPS is not a ratio scale, so a relative change means nothing.
            when measure_name = 'nps' then null
            else {{ ratio('after_value', 'before_value') }} - 1
        end as rel_change,
        program_start_month
    from measure_values
)

select * from final

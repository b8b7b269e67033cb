{#- One row per calendar day: the time spine MetricFlow joins metrics to (cumulative windows, months
    without rows). Fixed bounds well around any data the warehouse holds, so it never depends on the run. -#}
with

days as (
    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2041-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final

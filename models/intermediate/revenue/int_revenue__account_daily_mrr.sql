{#- Account MRR at the end of each local day while it is > 0, up to as_of_date: the MRR ranges expanded
    to their days. -#}
with

mrr_ranges as (
    select * from {{ ref('int_revenue__account_mrr_ranges') }}
),

final as (
    select
        mrr_ranges.account_id,
        cast(range_days.day_start as date) as date,  -- noqa: RF04
        mrr_ranges.mrr
    from mrr_ranges
    cross join {{ date_series('mrr_ranges.range_start_on', 'mrr_ranges.range_end_on', 'day') }}
        as range_days (day_start)
)

select * from final

{#- Account MRR at the end of each local day while it is > 0, up to as_of_date. Built from the item
    intervals: each interval adds its MRR on its first live day and removes it the day after its
    last, the running total gives ranges of constant MRR, and only those ranges are expanded. -#}
with

item_intervals as (
    select * from {{ ref('int_revenue__subscription_item_intervals') }}
    -- An account whose MRR history lost a row is left out rather than shown with a false movement.
    where mrr_exclusion_reason is null
),

interval_edges as (
    select
        account_id,
        first_live_on as changed_on,
        mrr_x1200 as mrr_x1200_change
    from item_intervals
    union all
    select
        account_id,
        cast({{ dbt.dateadd('day', 1, 'last_live_on') }} as date) as changed_on,
        -mrr_x1200 as mrr_x1200_change
    from item_intervals
),

net_changes as (
    select
        account_id,
        changed_on,
        sum(mrr_x1200_change) as mrr_x1200_change
    from interval_edges
    group by
        account_id,
        changed_on
),

constant_mrr_ranges as (
    select
        account_id,
        changed_on as range_start_on,
        lead(changed_on) over account_changes as next_changed_on,
        sum(mrr_x1200_change) over (
            partition by account_id order by changed_on rows between unbounded preceding and current row
        ) as mrr_x1200
    from net_changes
    window account_changes as (partition by account_id order by changed_on)
),

rounded_ranges as (
    select
        account_id,
        range_start_on,
        -- Every interval closes by as_of_date + 1, so the last range of an account has MRR 0 and
        -- every range with MRR > 0 has a next change.
        cast({{ dbt.dateadd('day', -1, 'next_changed_on') }} as date) as range_end_on,
        {{ divide_and_round('mrr_x1200', 1200) }} as mrr
    from constant_mrr_ranges
),

-- Changes after as_of_date only close intervals, so every range with MRR > 0 ends by as_of_date.
paying_ranges as (
    select * from rounded_ranges
    where mrr > 0
),

final as (
    select
        paying_ranges.account_id,
        cast(range_days.day_start as date) as date,  -- noqa: RF04
        paying_ranges.mrr
    from paying_ranges
    cross join {{ date_series('paying_ranges.range_start_on', 'paying_ranges.range_end_on', 'day') }}
        as range_days (day_start)
)

select * from final

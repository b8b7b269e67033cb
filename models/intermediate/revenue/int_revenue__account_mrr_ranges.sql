{#- Account MRR as ranges of consecutive local days with one MRR > 0, up to as_of_date: the compact form
    of the daily MRR, a few rows per account where the daily form has one per paying day. Built from
    the item intervals: each interval adds its MRR on its first live day and removes it the day after
    its last, and the running total gives the MRR between two changes. -#}
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

-- The ranges follow each other without a gap, from the account's first change to its last.
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

-- Two ranges in a row can round to the same MRR (or their changes cancel out): they are one range.
ranges_with_previous_mrr as (
    select
        account_id,
        range_start_on,
        range_end_on,
        mrr,
        lag(mrr) over (partition by account_id order by range_start_on) as previous_range_mrr
    from rounded_ranges
),

numbered_ranges as (
    select
        account_id,
        range_start_on,
        range_end_on,
        mrr,
        sum(case when mrr = previous_range_mrr then 0 else 1 end) over (
            partition by account_id order by range_start_on rows between unbounded preceding and current row
        ) as range_number
    from ranges_with_previous_mrr
),

merged_ranges as (
    select
        account_id,
        min(range_start_on) as range_start_on,
        max(range_end_on) as range_end_on,
        min(mrr) as mrr
    from numbered_ranges
    group by
        account_id,
        range_number
),

-- The ranges are adjacent, so the one before holds the MRR of the day before (none: 0).
ranges_with_previous_day as (
    select
        account_id,
        range_start_on,
        range_end_on,
        mrr,
        coalesce(lag(mrr) over (partition by account_id order by range_start_on), 0) as previous_day_mrr
    from merged_ranges
),

-- Changes after as_of_date only close intervals, so every range with MRR > 0 ends by as_of_date.
final as (
    select * from ranges_with_previous_day
    where mrr > 0
)

select * from final

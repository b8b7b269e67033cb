{#- MRR per account and product line at each month end: the exact sum of the product's live items,
    rounded once, with the product's gross margin. Only products with MRR > 0 (a 100%-discounted
    product is not held). The one place MRR meets margins: every MRR-weighted margin sums
    margin_weighted_mrr over sum(mrr). -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

item_intervals as (
    select * from {{ ref('int_revenue__subscription_item_intervals') }}
    -- An account whose MRR history lost a row is left out rather than shown with a false movement.
    where mrr_exclusion_reason is null
),

product_margins as (
    select * from {{ ref('product_margins') }}
),

product_month_sums as (
    select
        item_intervals.account_id,
        item_intervals.product_id,
        months.month,
        sum(item_intervals.mrr_x1200) as mrr_x1200
    from months
    inner join item_intervals
        on months.snapshot_on between item_intervals.first_live_on and item_intervals.last_live_on
    group by
        item_intervals.account_id,
        item_intervals.product_id,
        months.month
),

-- Only the products whose MRR rounds above zero, found on the exact sum: the rounding then runs for
-- the rows kept alone (filtered after it, DuckDB computed it twice for every row).
rounded as (
    select
        account_id,
        product_id,
        month,
        {{ divide_and_round('mrr_x1200', 1200) }} as mrr
    from product_month_sums
    where {{ divide_and_round_is_positive('mrr_x1200', 1200) }}
),

final as (
    select
        rounded.account_id,
        rounded.product_id,
        rounded.month,
        rounded.mrr,
        {{ margin_or_default('product_margins.gross_margin') }} as gross_margin,
        rounded.mrr * {{ margin_or_default('product_margins.gross_margin') }} as margin_weighted_mrr
    from rounded
    left join product_margins
        on rounded.product_id = product_margins.product_id
)

select * from final

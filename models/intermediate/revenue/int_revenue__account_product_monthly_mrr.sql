{#- MRR per account and product line at each month end: the exact sum of the product's live items,
    rounded once. Only products with MRR > 0 (a 100%-discounted product is not held). -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

item_intervals as (
    select * from {{ ref('int_revenue__subscription_item_intervals') }}
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

rounded as (
    select
        account_id,
        product_id,
        month,
        {{ divide_and_round('mrr_x1200', 1200) }} as mrr
    from product_month_sums
),

final as (
    select
        account_id,
        product_id,
        month,
        mrr
    from rounded
    where mrr > 0
)

select * from final

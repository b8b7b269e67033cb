{#- Account x month MRR movements: the rows of the movement model with mrr > 0 or previous_mrr > 0. -#}
with

account_monthly_movements as (
    select * from {{ ref('int_revenue__account_monthly_movements') }}
),

final as (
    select
        account_id,
        month,
        cast(mrr as decimal(18, 2)) as mrr,
        cast(previous_mrr as decimal(18, 2)) as previous_mrr,
        movement,
        cast(new_mrr as decimal(18, 2)) as new_mrr,
        cast(expansion_mrr as decimal(18, 2)) as expansion_mrr,
        cast(contraction_mrr as decimal(18, 2)) as contraction_mrr,
        cast(churned_mrr as decimal(18, 2)) as churned_mrr,
        cast(reactivation_mrr as decimal(18, 2)) as reactivation_mrr,
        cast(upsell_mrr as decimal(18, 2)) as upsell_mrr,
        cast(cross_sell_mrr as decimal(18, 2)) as cross_sell_mrr,
        segment,
        previous_segment
    from account_monthly_movements
)

select * from final

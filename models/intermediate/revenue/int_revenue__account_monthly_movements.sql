{#- The MRR movement of every account-month with mrr > 0 or previous_mrr > 0 (docs/metrics.md), with the
    product-level upsell and cross-sell and the segments at both month ends. -#}
with

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

account_product_monthly_mrr as (
    select * from {{ ref('int_revenue__account_product_monthly_mrr') }}
),

account_history as (
    select
        account_id,
        month,
        mrr,
        segment,
        -- The series of an account has no gaps, so the previous row is the previous month; before
        -- the first row the account had no live item, hence 0.
        coalesce(lag(mrr) over account_months, 0) as previous_mrr,
        lag(segment) over account_months as previous_segment,
        coalesce(
            max(case when mrr > 0 then 1 else 0 end) over (
                partition by account_id order by month rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as has_paid_before
    from account_monthly_mrr
    window account_months as (partition by account_id order by month)
),

classified as (
    select
        *,
        -- Reactivation is tested before any growth case and a drop to 0 is churn, never contraction.
        case
            when previous_mrr = 0 and not has_paid_before then 'new'
            when previous_mrr = 0 then 'reactivation'
            when mrr = 0 then 'churn'
            when mrr > previous_mrr then 'expansion'
            when mrr < previous_mrr then 'contraction'
            else 'retained'
        end as movement
    from account_history
    where mrr > 0 or previous_mrr > 0
),

product_changes as (
    select
        this_month.account_id,
        this_month.month,
        sum(case when last_month.product_id is null then this_month.mrr else 0 end) as cross_sell_mrr,
        sum(
            case when last_month.product_id is not null then greatest(this_month.mrr - last_month.mrr, 0) else 0 end
        ) as upsell_mrr
    from account_product_monthly_mrr as this_month
    left join account_product_monthly_mrr as last_month
        on
            this_month.account_id = last_month.account_id
            and this_month.product_id = last_month.product_id
            and last_month.month = cast({{ dbt.dateadd('month', -1, 'this_month.month') }} as date)
    group by
        this_month.account_id,
        this_month.month
),

final as (
    select
        classified.account_id,
        classified.month,
        classified.mrr,
        classified.previous_mrr,
        classified.movement,
        case when classified.movement = 'new' then classified.mrr else 0 end as new_mrr,
        case when classified.movement = 'expansion' then classified.mrr - classified.previous_mrr else 0 end
            as expansion_mrr,
        case when classified.movement = 'contraction' then classified.previous_mrr - classified.mrr else 0 end
            as contraction_mrr,
        case when classified.movement = 'churn' then classified.previous_mrr else 0 end as churned_mrr,
        case when classified.movement = 'reactivation' then classified.mrr else 0 end as reactivation_mrr,
        case when classified.previous_mrr > 0 then coalesce(product_changes.upsell_mrr, 0) else 0 end
            as upsell_mrr,
        case when classified.previous_mrr > 0 then coalesce(product_changes.cross_sell_mrr, 0) else 0 end
            as cross_sell_mrr,
        classified.segment,
        classified.previous_segment
    from classified
    left join product_changes
        on
            classified.account_id = product_changes.account_id
            and classified.month = product_changes.month
)

select * from final

{#- Account x month-end MRR and segment history: every non-deleted account from the first month at
    whose end one of its items is live to the as_of month, months with MRR 0 included. -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

item_intervals as (
    select * from {{ ref('int_revenue__subscription_item_intervals') }}
    -- An account whose MRR history lost a row is left out rather than shown with a false movement.
    where mrr_exclusion_reason is null
),

users as (
    select * from {{ ref('stg_product__users') }}
),

account_month_sums as (
    select
        item_intervals.account_id,
        months.month,
        sum(item_intervals.mrr_x1200) as mrr_x1200
    from months
    inner join item_intervals
        on months.snapshot_on between item_intervals.first_live_on and item_intervals.last_live_on
    group by
        item_intervals.account_id,
        months.month
),

account_first_months as (
    select
        account_id,
        min(month) as first_month
    from account_month_sums
    group by account_id
),

account_months as (
    select
        account_first_months.account_id,
        months.month,
        months.snapshot_at,
        coalesce({{ divide_and_round('account_month_sums.mrr_x1200', 1200) }}, 0) as mrr
    from account_first_months
    inner join months
        on account_first_months.first_month <= months.month
    left join account_month_sums
        on
            account_first_months.account_id = account_month_sums.account_id
            and months.month = account_month_sums.month
),

provisioned_user_counts as (
    select
        account_months.account_id,
        account_months.month,
        count(users.user_id) as provisioned_users
    from account_months
    left join users
        on
            account_months.account_id = users.account_id
            and account_months.snapshot_at > users.created_at
            and (users.deactivated_at is null or account_months.snapshot_at <= users.deactivated_at)
    group by
        account_months.account_id,
        account_months.month
),

final as (
    select
        account_months.account_id,
        account_months.month,
        account_months.snapshot_at,
        account_months.mrr,
        cast(provisioned_user_counts.provisioned_users as integer) as provisioned_users,
        {{ assign_segment('account_months.mrr', 'provisioned_user_counts.provisioned_users') }} as segment
    from account_months
    inner join provisioned_user_counts
        on
            account_months.account_id = provisioned_user_counts.account_id
            and account_months.month = provisioned_user_counts.month
)

select * from final

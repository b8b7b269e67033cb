{#- Logo and net revenue retention of each first-MRR cohort, for every month since its start up to
    the month of as_of_date. -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

account_cohorts as (
    select
        account_id,
        min(month) as cohort_month
    from account_monthly_mrr
    where mrr > 0
    group by account_id
),

cohort_sizes as (
    select
        account_cohorts.cohort_month,
        count(*) as cohort_accounts,
        sum(account_monthly_mrr.mrr) as cohort_start_mrr
    from account_cohorts
    inner join account_monthly_mrr
        on
            account_cohorts.account_id = account_monthly_mrr.account_id
            and account_cohorts.cohort_month = account_monthly_mrr.month
    group by account_cohorts.cohort_month
),

cohort_account_months as (
    select
        account_cohorts.cohort_month,
        months.month,
        account_cohorts.account_id,
        -- An account keeps a row every month after its first live item, 0 when not paying.
        coalesce(account_monthly_mrr.mrr, 0) as mrr
    from account_cohorts
    inner join months
        on account_cohorts.cohort_month <= months.month
    left join account_monthly_mrr
        on
            account_cohorts.account_id = account_monthly_mrr.account_id
            and months.month = account_monthly_mrr.month
),

cohort_months as (
    select
        cohort_month,
        month,
        -- The month series has no gaps, so the rank of a month within its cohort counts months.
        row_number() over (partition by cohort_month order by month) - 1 as months_since_start,
        count(case when mrr > 0 then 1 end) as retained_accounts,
        sum(mrr) as retained_mrr
    from cohort_account_months
    group by
        cohort_month,
        month
),

final as (
    select
        cohort_months.cohort_month,
        cast(cohort_months.months_since_start as integer) as months_since_start,
        cast(cohort_sizes.cohort_accounts as integer) as cohort_accounts,
        cast(cohort_months.retained_accounts as integer) as retained_accounts,
        {{ ratio('cohort_months.retained_accounts', 'cohort_sizes.cohort_accounts') }} as logo_retention,
        cast(cohort_sizes.cohort_start_mrr as decimal(18, 2)) as cohort_start_mrr,
        cast(cohort_months.retained_mrr as decimal(18, 2)) as retained_mrr,
        {{ ratio('cohort_months.retained_mrr', 'cohort_sizes.cohort_start_mrr') }} as net_revenue_retention
    from cohort_months
    inner join cohort_sizes
        on cohort_months.cohort_month = cohort_sizes.cohort_month
)

select * from final

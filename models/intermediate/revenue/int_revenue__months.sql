{#- The month series of the warehouse: from the local month of the earliest paid start to the month
    of as_of_date, with the instant each month's snapshot is taken. -#}
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

series_bounds as (
    select
        cast({{ dbt.date_trunc('month', to_local_date('min(subscriptions.started_at)')) }} as date) as first_month,
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as as_of_month
    from subscriptions
    inner join accounts
        on subscriptions.account_id = accounts.account_id
    where
        subscriptions.created_at < {{ as_of_end_utc() }}
        and subscriptions.started_at < {{ as_of_end_utc() }}
),

generated_months as (
    select {{ date_series('first_month', 'as_of_month', 'month') }} as month_start
    from series_bounds
),

month_series as (
    select cast(month_start as date) as month  -- noqa: RF04
    from generated_months
),

snapshot_days as (
    select
        month,
        -- The as_of month is observed at the end of as_of_date, every other month at its last day.
        least(cast({{ dbt.last_day('month', 'month') }} as date), {{ as_of_date() }}) as snapshot_on
    from month_series
),

final as (
    select
        month,
        snapshot_on,
        {{ end_of_local_day_utc('snapshot_on') }} as snapshot_at
    from snapshot_days
)

select * from final

-- One row: the out-of-time split of scored days (the rule is documented in doc block backtest_window).
with

windows as (
    select
        cast({{ dbt.dateadd('day', -90, as_of_date()) }} as date) as validation_end_on,
        cast({{ dbt.dateadd('day', -179, as_of_date()) }} as date) as validation_start_on,
        cast({{ dbt.dateadd('day', -270, as_of_date()) }} as date) as fitting_end_on
),

final as (
    select
        fitting_end_on,
        validation_start_on,
        validation_end_on
    from windows
)

select * from final

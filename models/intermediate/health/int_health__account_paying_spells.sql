with

mrr_ranges as (
    select * from {{ ref('int_revenue__account_mrr_ranges') }}
),

-- A range after a day without MRR starts a spell; the ranges up to the next such one continue it.
numbered_ranges as (
    select
        account_id,
        range_start_on,
        range_end_on,
        cast(sum(case when previous_day_mrr = 0 then 1 else 0 end) over (
            partition by account_id order by range_start_on rows between unbounded preceding and current row
        ) as bigint) as spell_number
    from mrr_ranges
    where range_start_on <= {{ as_of_date() }}
),

spells as (
    select
        account_id,
        spell_number,
        min(range_start_on) as spell_start_on,
        max(range_end_on) as spell_end_on
    from numbered_ranges
    group by account_id, spell_number
),

final as (
    select
        account_id,
        spell_start_on,
        spell_end_on,
        -- the first day without MRR; null while the spell is still paying at as_of_date
        case
            when spell_end_on < {{ as_of_date() }} then cast(spell_end_on + 1 as date)
        end as churned_on,
        spell_number
    from spells
)

select * from final

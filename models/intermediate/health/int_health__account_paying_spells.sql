with

account_daily_mrr as (
    select * from {{ ref('int_revenue__account_daily_mrr') }}
),

paying_days as (
    select
        account_id,
        date,
        {{ consecutive_days_anchor('account_id') }} as spell_anchor
    from account_daily_mrr
    where
        mrr > 0
        and date <= {{ as_of_date() }}
),

spells as (
    select
        account_id,
        min(date) as spell_start_on,
        max(date) as spell_end_on
    from paying_days
    group by account_id, spell_anchor
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
        row_number() over (partition by account_id order by spell_start_on) as spell_number
    from spells
)

select * from final

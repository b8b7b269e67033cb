with

tickets as (
    select * from {{ ref('stg_crm__tickets') }}
),

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

-- tickets as known at the end of as_of_date: later responses, solves and ratings have not happened yet
tickets_as_of as (
    select
        tickets.ticket_id,
        cast({{ dbt.date_trunc('month', 'tickets.created_on') }} as date) as month,  -- noqa: RF04
        tickets.priority,
        -- elapsed microseconds: a datediff in seconds counts crossed second boundaries, not time
        case
            when tickets.first_response_at < {{ as_of_end_utc() }}
                then {{ dbt.datediff('tickets.created_at', 'tickets.first_response_at', 'microsecond') }}
                    / 60000000.0
        end as first_response_minutes,
        coalesce(tickets.solved_at < {{ as_of_end_utc() }}, false) as is_solved,
        case
            when tickets.solved_at < {{ as_of_end_utc() }} then tickets.satisfaction_rating
        end as satisfaction_rating
    from tickets
    inner join accounts
        on tickets.account_id = accounts.account_id
    where
        tickets.created_at < {{ as_of_end_utc() }}
),

ticket_range as (
    select min(month) as first_month
    from tickets_as_of
),

month_series as (
    select {{ date_series('first_month', dbt.date_trunc('month', as_of_date()), 'month') }} as month_start
    from ticket_range
),

months as (
    select cast(month_start as date) as month  -- noqa: RF04
    from month_series
),

monthly_tickets as (
    select
        month,
        count(*) as tickets,
        count_if(priority = 'urgent') as urgent_tickets,
        median(first_response_minutes) as median_first_response_minutes,
        count_if(is_solved) as solved_tickets,
        count_if(satisfaction_rating = 'good') as good_ratings,
        count(satisfaction_rating) as rated_tickets
    from tickets_as_of
    group by month
),

final as (
    select
        months.month,
        cast(coalesce(monthly_tickets.tickets, 0) as integer) as tickets,
        cast(monthly_tickets.median_first_response_minutes as double) as median_first_response_minutes,
        {{ ratio('monthly_tickets.solved_tickets', 'monthly_tickets.tickets') }} as resolution_rate,
        {{ ratio('monthly_tickets.good_ratings', 'monthly_tickets.rated_tickets') }} as satisfaction_good_rate,
        cast(coalesce(monthly_tickets.urgent_tickets, 0) as integer) as urgent_tickets,
        cast(coalesce(monthly_tickets.solved_tickets, 0) as integer) as solved_tickets,
        cast(coalesce(monthly_tickets.rated_tickets, 0) as integer) as rated_tickets
    from months
    left join monthly_tickets
        on months.month = monthly_tickets.month
)

select * from final

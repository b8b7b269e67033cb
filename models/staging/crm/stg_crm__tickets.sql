with base_rows as (
    select * from {{ ref('base_crm__tickets') }}
),

valid_rows as (
    select
        ticket_id,
        account_id,
        requester_email,
        created_at,
        created_on,
        first_response_at,
        solved_at,
        status,
        priority,
        category,
        satisfaction_rating
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

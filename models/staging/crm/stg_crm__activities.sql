with base_rows as (
    select * from {{ ref('base_crm__activities') }}
),

valid_rows as (
    select
        activity_id,
        account_id,
        owner_id,
        activity_type,
        occurred_at,
        occurred_on,
        duration_minutes
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

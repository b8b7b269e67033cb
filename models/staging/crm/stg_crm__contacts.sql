with base_rows as (
    select * from {{ ref('base_crm__contacts') }}
),

valid_rows as (
    select
        contact_id,
        account_id,
        email,
        full_name,
        job_title,
        is_primary,
        created_at
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

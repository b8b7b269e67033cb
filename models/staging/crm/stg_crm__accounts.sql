with base_rows as (
    select * from {{ ref('base_crm__accounts') }}
),

valid_rows as (
    select
        account_id,
        account_name,
        industry,
        country,
        employee_count,
        csm_owner_id,
        acquisition_channel,
        raw_acquisition_channel,
        landing_page_variant,
        created_at,
        created_on,
        updated_at,
        is_deleted
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

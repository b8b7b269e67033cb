with base_rows as (
    select * from {{ ref('base_crm__survey_responses') }}
),

valid_rows as (
    select
        response_id,
        account_id,
        contact_id,
        survey_type,
        score,
        comment,
        responded_at,
        responded_on
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

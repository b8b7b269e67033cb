{#- The account population of a run: not deleted, and created before the end of as_of_date (an
    account created later does not exist yet on the report day). Every model that needs "the
    accounts" reads them from here, so the rule is written once. -#}
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

existing_accounts as (
    select
        account_id,
        account_name,
        industry,
        country,
        employee_count,
        csm_owner_id,
        acquisition_channel,
        landing_page_variant,
        created_at,
        created_on,
        updated_at
    from accounts
    where
        not is_deleted
        and created_at < {{ as_of_end_utc() }}
)

select * from existing_accounts

with base_rows as (
    select * from {{ ref('base_product__events') }}
),

valid_rows as (
    select
        event_id,
        event_id_hash,
        user_id,
        account_id,
        event_name,
        raw_event_name,
        occurred_at,
        occurred_on,
        received_at,
        platform,
        properties,
        loaded_at
    from base_rows
    where invalid_reason is null
)

select * from valid_rows

{#- The one table-materialized base model: the stg view, the audit models, the tests and the daily
    aggregate all read the deduplicated stream, which would otherwise be recomputed from the raw files
    by each of them. -#}
{{ config(materialized='table') }}

with source_rows as (
    select
        cast(event_id as string) as event_id,
        cast(user_id as string) as user_id,
        cast(account_id as string) as account_id,
        cast(event_name as string) as raw_event_name,
        cast(occurred_at as timestamp) as occurred_at,
        cast(received_at as timestamp) as received_at,
        cast(platform as string) as platform,
        cast(properties as string) as properties
    from {{ source('product', 'events') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

distinct_rows as (
    select
        *,
        count(*) as delivered_row_count
    from source_rows
    group by all
),

-- Names are matched case- and space-insensitively; anything the catalogue does not know is `other`.
normalised_rows as (
    select
        distinct_rows.*,
        coalesce(feature_catalog.event_name, 'other') as event_name
    from distinct_rows
    left join feature_catalog
        on lower(trim(distinct_rows.raw_event_name)) = feature_catalog.event_name
),

labelled_rows as (
    select
        *,
        case
            {{- reject_nulls(['event_id', 'user_id', 'account_id']) }}
            when raw_event_name is null then 'null_event_name'
            {{- reject_nulls(['occurred_at', 'received_at', 'platform']) }}
            {{ reject_unknown('platform', ['web', 'ios', 'android', 'api']) }}
            {{- reject_future(['occurred_at']) }}
            when occurred_at > {{ dbt.dateadd('minute', var('event_clock_skew_minutes'), 'received_at') }}
                then 'occurred_after_received_beyond_skew'
        end as invalid_reason
    from normalised_rows
),

final as (
    select
        event_id,
        user_id,
        account_id,
        event_name,
        raw_event_name,
        occurred_at,
        {{ to_local_date('occurred_at') }} as occurred_on,
        received_at,
        platform,
        properties,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

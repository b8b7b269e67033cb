{#- Whole local days are the unit of every rebuild: DuckDB deletes and re-inserts the days present in
    the new batch, Spark overwrites their activity_date partitions. -#}
{{
    config(
        on_schema_change='fail',
        **incremental_by_day('activity_date')
    )
}}

{%- set backfill_start = var('event_backfill_start_date', none) -%}
{%- set backfill_end = var('event_backfill_end_date', none) -%}
{%- set is_backfill = backfill_start is not none and backfill_end is not none -%}

with events as (
    select * from {{ ref('stg_product__events') }}
),

events_in_window as (
    select
        account_id,
        user_id,
        event_name,
        occurred_at,
        received_at,
        -- the local day staging derived once per row, not converted again on every run
        occurred_on as activity_date
    from events
    where occurred_at < {{ as_of_end_utc() }}
),

{% if is_incremental() %}

    {%- if is_backfill %}

        -- A backfill rebuilds exactly the local days of its window.
        days_to_rebuild as (
            select distinct activity_date
            from events_in_window
            where activity_date between cast('{{ backfill_start }}' as date) and cast('{{ backfill_end }}' as date)
        ),

    {%- else %}

        -- Days touched by events received after the table's watermark (late arrivals included), and every
        -- day after the table's last day (the report window moved forward since the last run). A
        -- received_at later than the run's clock is bad input and must not become the watermark.
        table_watermarks as (
            select
                max(case when max_received_at <= {{ current_timestamp_utc() }} then max_received_at end)
                    as max_received_at,
                max(activity_date) as max_activity_date
            from {{ this }}
        ),

        days_to_rebuild as (
            select distinct events_in_window.activity_date
            from events_in_window
            cross join table_watermarks
            where
                events_in_window.received_at > table_watermarks.max_received_at
                or events_in_window.activity_date > table_watermarks.max_activity_date
                or table_watermarks.max_received_at is null
        ),

    {%- endif %}

    events_to_aggregate as (
        select events_in_window.*
        from events_in_window
        inner join days_to_rebuild
            on events_in_window.activity_date = days_to_rebuild.activity_date
    ),

{% else %}

    events_to_aggregate as (
        select * from events_in_window
    ),

{% endif %}

daily_counts as (
    select
        activity_date,
        account_id,
        user_id,
        event_name,
        count(*) as event_count,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        max(received_at) as max_received_at
    from events_to_aggregate
    group by
        activity_date,
        account_id,
        user_id,
        event_name
)

select * from daily_counts

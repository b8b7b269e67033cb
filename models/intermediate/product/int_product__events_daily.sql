{%- set backfill_start = var('event_backfill_start_date', none) -%}
{%- set backfill_end = var('event_backfill_end_date', none) -%}
{%- set is_backfill = backfill_start is not none and backfill_end is not none -%}

{#- A run rebuilds the rows of each account and local day that received events since the last run:
    late events touch a few accounts of a past day, not all of them. DuckDB deletes and re-inserts
    those accounts' days; Spark overwrites whole activity_date partitions, so there the unit is the
    day. A backfill rebuilds whole days everywhere. -#}
{%- set rebuild_keys = ['activity_date'] if is_backfill else day_rebuild_keys('activity_date', ['account_id']) -%}

{{
    config(
        on_schema_change='fail',
        **incremental_by_day('activity_date', rebuild_keys)
    )
}}

{#- The watermarks are read when the model is compiled, so the batch filter compares the receipt time
    with a constant and the scan skips every block of events received before it. A received_at later
    than the run's clock is bad input and never becomes the watermark. -#}
{%- if not is_backfill -%}
    {%- set max_received_at = incremental_reload_start('max_received_at', 0) -%}
    {%- set max_activity_date = incremental_max_date('activity_date') -%}
{%- endif %}

with events as {{ not_materialized() }} (
    select * from {{ ref('stg_product__events') }}
),

events_in_window as {{ not_materialized() }} (
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
        keys_to_rebuild as (
            select distinct activity_date
            from events_in_window
            where activity_date between cast('{{ backfill_start }}' as date) and cast('{{ backfill_end }}' as date)
        ),

    {%- else %}

        -- Accounts' days touched by events received after the table's watermark (late arrivals
        -- included), and every day after the table's last day (the report window moved forward since
        -- the last run); an empty table (no watermark) rebuilds every day.
        keys_to_rebuild as (
            select distinct {{ rebuild_keys | join(', ') }}
            from events_in_window
            {%- if max_received_at is not none %}
                where
                    received_at > {{ max_received_at }}
                    or activity_date > {{ max_activity_date }}
            {%- endif %}
        ),

    {%- endif %}

    -- A semi join (exists), which lets the scan of the events skip what no key can match; as an inner
    -- join on two keys, DuckDB grouped every stored event before joining.
    events_to_aggregate as (
        select events_in_window.*
        from events_in_window
        where exists (
            select 1
            from keys_to_rebuild
            where
            {%- for key in rebuild_keys %}
                {{ 'and ' if not loop.first }}keys_to_rebuild.{{ key }} = events_in_window.{{ key }}
            {%- endfor %}
        )
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

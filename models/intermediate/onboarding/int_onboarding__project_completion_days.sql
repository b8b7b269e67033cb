{%- set backfill_start = var('event_backfill_start_date', none) -%}
{%- set backfill_end = var('event_backfill_end_date', none) -%}
{%- set is_backfill = backfill_start is not none and backfill_end is not none -%}

{#- The completed projects of each user-day, one row per instant, from the staged events, kept apart
    so that the onboarding reads a few rows instead of scanning every event on every run. A run
    replaces the user-days that changed since the last run, by key on DuckDB; Spark overwrites the
    whole days that hold them, and a backfill rebuilds the whole days of its window. -#}
{%- set user_day_keys = day_rebuild_keys('activity_date', ['account_id', 'user_id']) -%}
{%- set rebuild_keys = ['activity_date'] if is_backfill else user_day_keys -%}

{{
    config(
        on_schema_change='fail',
        **incremental_by_day('activity_date', rebuild_keys)
    )
}}

{#- A user-day changes only when a completed project of its own arrives, received after every
    completion this table held at its last run; the days after this table's last day come back when
    as_of_date moves forward again. Read when the model is compiled, so the filter compares with
    constants, and the scan of staging (stored in the order the events arrived) skips the blocks
    received before it. -#}
{%- if not is_backfill -%}
    {%- set max_received_at = incremental_reload_start('max_received_at', 0) -%}
    {%- set max_activity_date = incremental_max_date('activity_date') -%}
{%- endif %}

-- Inlined: each reader's filter reaches the scan.
with completed_projects as {{ not_materialized() }} (
    select
        account_id,
        user_id,
        occurred_at,
        received_at,
        -- the local day staging derived once per row, not converted again on every run
        occurred_on as activity_date
    from {{ ref('stg_product__events') }}
    where
        event_name = 'project_completed'
        and occurred_at < {{ as_of_end_utc() }}
),

{% if is_incremental() %}

    {%- if is_backfill %}

        -- A backfill rebuilds exactly the local days of its window.
        keys_to_rebuild as (
            select distinct activity_date
            from completed_projects
            where activity_date between cast('{{ backfill_start }}' as date) and cast('{{ backfill_end }}' as date)
        ),

    {%- else %}

        -- User-days with a completion received after the table's watermark (late arrivals included),
        -- and every day after the table's last day; an empty table (no watermark) rebuilds every day.
        keys_to_rebuild as (
            select distinct {{ rebuild_keys | join(', ') }}
            from completed_projects
            {%- if max_received_at is not none %}
                where
                    received_at > {{ max_received_at }}
                    or activity_date > {{ max_activity_date }}
            {%- endif %}
        ),

    {%- endif %}

    -- a semi join (exists), so the scan of the events skips what no key can match
    completions_to_aggregate as (
        select completed_projects.*
        from completed_projects
        where exists (
            select 1
            from keys_to_rebuild
            where
            {%- for key in rebuild_keys %}
                {{ 'and ' if not loop.first }}keys_to_rebuild.{{ key }} = completed_projects.{{ key }}
            {%- endfor %}
        )
    ),

{% else %}

    completions_to_aggregate as (
        select * from completed_projects
    ),

{% endif %}

-- One row per instant a user completed a project (copies sent at one instant are one completion), so
-- the onboarding finds the first completion at or after any start.
final as (
    select
        activity_date,
        account_id,
        user_id,
        occurred_at as completed_at,
        max(received_at) as max_received_at
    from completions_to_aggregate
    group by
        activity_date,
        account_id,
        user_id,
        occurred_at
)

select * from final

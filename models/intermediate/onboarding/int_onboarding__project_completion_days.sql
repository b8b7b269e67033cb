{%- set backfill_start = var('event_backfill_start_date', none) -%}
{%- set backfill_end = var('event_backfill_end_date', none) -%}
{%- set is_backfill = backfill_start is not none and backfill_end is not none -%}

{#- The user-days of `int_product__events_daily` with a completed project, kept apart so that the
    onboarding reads a few rows instead of scanning the whole event aggregate on every run. A run
    replaces the rows that changed since the last run, by key on DuckDB; Spark overwrites the whole
    days that hold them, and a backfill rebuilds the whole days of its window. -#}
{%- set user_day_keys = day_rebuild_keys('activity_date', ['account_id', 'user_id']) -%}
{%- set rebuild_keys = ['activity_date'] if is_backfill else user_day_keys -%}

{{
    config(
        on_schema_change='fail',
        **incremental_by_day('activity_date', rebuild_keys)
    )
}}

{#- A row of the aggregate changes only when an event of its own user-day and name arrives, which
    raises its max_received_at above every receipt this table held at its last run; the days after
    this table's last day come back when as_of_date moves forward again. Read when the model is
    compiled, so the filter compares with constants. -#}
{%- if not is_backfill -%}
    {%- set max_received_at = incremental_reload_start('max_received_at', 0) -%}
    {%- set max_activity_date = incremental_max_date('activity_date') -%}
{%- endif %}

with events_daily as {{ not_materialized() }} (
    select * from {{ ref('int_product__events_daily') }}
),

completed_projects as {{ not_materialized() }} (
    select
        activity_date,
        account_id,
        user_id,
        first_occurred_at,
        last_occurred_at,
        max_received_at
    from events_daily
    where event_name = 'project_completed'
),

{% if is_incremental() and is_backfill %}

    final as (
        select * from completed_projects
        where activity_date between cast('{{ backfill_start }}' as date) and cast('{{ backfill_end }}' as date)
    )

{% elif is_incremental() and max_received_at is not none %}

    changed_completions as (
        select * from completed_projects
        where
            max_received_at > {{ max_received_at }}
            or activity_date > {{ max_activity_date }}
    ),

    {% if rebuild_keys | length > 1 %}

        final as (
            select * from changed_completions
        )

    {% else %}

        final as (
            select * from completed_projects
            where activity_date in (select changed_completions.activity_date from changed_completions)
        )

    {% endif %}

{% else %}

    final as (
        select * from completed_projects
    )

{% endif %}

select * from final

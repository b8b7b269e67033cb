{#- The one incremental base model: the stg view, the audit models, the tests and the event models
    all read this table, so the raw files are read once per run, and only their newest deliveries.
    A row's identity is all its raw columns, received_at included, so every copy of a row shares its
    received_at. A batch holds every raw row received at its instants (all those from reload_start
    on, and every row with a null or unreadable received_at), so replacing the stored rows received
    at the batch's instants gives the rows and counts a full build gives, with no per-row key to
    compute: the unique key is the receipt instant, null as -infinity, which no Parquet timestamp
    holds (an expression, which dbt's delete+insert matches as written). Instants stored already
    exactly as the batch holds them leave it, so a run writes what changed. -#}
{%- set receipt_instant = "coalesce(received_at, cast('-infinity' as timestamp))" -%}
{{
    config(
        on_schema_change='fail',
        **incremental_by_key(receipt_instant)
    )
}}

{%- set reload_start = incremental_reload_start('received_at', var('event_redelivery_window_hours')) -%}
{#- The receipts of the stored rows labelled in the future before the batch's window, their first and
    last read when the model compiles: the scan fetching their instants' rows then skips every block
    outside that span (a join on the instants alone reads every stored row), and when there are none
    the batch holds the new rows alone. -#}
{%- set judged_again_where = labelled_in_future() ~ ' and received_at < ' ~ reload_start -%}
{%- set judged_again_from = incremental_stored_value('min(received_at)', judged_again_where)
    if reload_start is not none else none -%}
{%- set judged_again_to = incremental_stored_value('max(received_at)', judged_again_where)
    if judged_again_from is not none else none -%}
{#- The hours whose local date is looked up rather than converted row by row (macro
    hourly_local_dates): from the month before the batch's first receipt, or on a build from scratch the
    five years before the run, to the day after the run's clock. Rows outside, older history or times in
    the future, are converted one by one. -#}
{%- set local_date_hours_from = dbt.dateadd('day', -31, reload_start) if reload_start is not none
    else "cast('" ~ (run_started_at - modules.datetime.timedelta(days=hourly_local_dates_span_days())).strftime('%Y-%m-%d') ~ "' as timestamp)" -%}
{%- set local_date_hours_to = dbt.dateadd('day', 1, run_started_at_utc()) -%}
{#- Every column of a stored row but loaded_at: what tells two loads of an instant apart. -#}
{%- set row_columns = 'event_id, user_id, account_id, event_name, raw_event_name, occurred_at, received_at, '
    ~ 'platform, properties, delivered_row_count, invalid_reason' -%}

-- The times stay raw until the copies of a row are collapsed, so distinct bad values stay distinct rows.
-- Inlined: collapsing the copies reads it three times, each a scan of the Parquet files.
with source_rows as {{ not_materialized() }} (
    select
        cast(event_id as string) as event_id,
        cast(user_id as string) as user_id,
        cast(account_id as string) as account_id,
        cast(event_name as string) as raw_event_name,
        occurred_at,
        received_at,
        cast(platform as string) as platform,
        cast(properties as string) as properties
    from {{ source('product', 'events') }}
    {%- if reload_start is not none %}
        -- Filtered on the raw column against a constant, so Parquet row groups outside it are skipped
        -- (a cast to the column's own type is a no-op); a value that is not a time is read every run.
        where
            {{ dbt.safe_cast('received_at', 'timestamp') }} >= {{ reload_start }}
            or {{ dbt.safe_cast('received_at', 'timestamp') }} is null
    {%- endif %}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

{% if reload_start is not none %}

    -- Inlined, so each reader's filter reaches the scan of the stored rows: a materialised CTE reads all of them.
    loaded_rows as {{ not_materialized() }} (
        select * from {{ this }}
    ),

{% endif %}

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows', candidate_key=['event_id', 'received_at']) }}
),

typed_rows as (
    select
        event_id,
        user_id,
        account_id,
        raw_event_name,
        platform,
        properties,
        delivered_row_count,
        {{- safe_cast_columns({'occurred_at': 'timestamp', 'received_at': 'timestamp'}) }}
    from distinct_rows
),

{% if judged_again_from is not none %}

    -- A row rejected as in the future when it was loaded is judged again by this run's clock, as a
    -- full build would judge it; rows of the batch are already judged afresh. Every stored row
    -- received at the same instant comes with it, since the batch replaces its instants whole.
    rows_in_judged_span as {{ not_materialized() }} (
        select * from loaded_rows
        where
            received_at between cast('{{ judged_again_from }}' as timestamp)
            and cast('{{ judged_again_to }}' as timestamp)
    ),

    instants_to_judge_again as (
        select distinct received_at
        from rows_in_judged_span
        where
            {{ labelled_in_future() }}
            and received_at < {{ reload_start }}
    ),

    rows_to_label as (
        select * from typed_rows
        union all
        select
            rows_in_judged_span.event_id,
            rows_in_judged_span.user_id,
            rows_in_judged_span.account_id,
            rows_in_judged_span.raw_event_name,
            rows_in_judged_span.platform,
            rows_in_judged_span.properties,
            rows_in_judged_span.delivered_row_count,
            rows_in_judged_span.occurred_at,
            rows_in_judged_span.received_at,
            -- These rows were read with a valid received_at, so no cast of theirs failed.
            cast(null as string) as uncastable_reason
        from rows_in_judged_span
        inner join instants_to_judge_again
            on rows_in_judged_span.received_at = instants_to_judge_again.received_at
    ),

{% else %}

    rows_to_label as (
        select * from typed_rows
    ),

{% endif %}

-- Names are matched case- and space-insensitively; anything the catalogue does not know is `other`.
normalised_rows as (
    select
        rows_to_label.*,
        coalesce(feature_catalog.event_name, 'other') as event_name
    from rows_to_label
    left join feature_catalog
        on lower(trim(rows_to_label.raw_event_name)) = feature_catalog.event_name
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls(['event_id', 'user_id', 'account_id']) }}
            when raw_event_name is null then 'null_event_name'
            {{- reject_nulls(['occurred_at', 'received_at', 'platform']) }}
            {{ reject_unknown('platform', ['web', 'ios', 'android', 'api']) }}
            {{- reject_future(['occurred_at']) }}
            when occurred_at > {{ dbt.dateadd('minute', var('event_clock_skew_minutes'), 'received_at') }}
                then 'occurred_after_received_beyond_skew'
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
                {'column': 'user_id', 'model': 'base_product__users', 'key': 'user_id'},
            ]) }}
        end as invalid_reason
    from normalised_rows
),

hourly_local_dates as (
    {{ hourly_local_dates(local_date_hours_from, local_date_hours_to) }}
),

batch_rows as (
    select
        labelled_rows.event_id,
        {{ value_hash('labelled_rows.event_id') }} as event_id_hash,
        labelled_rows.user_id,
        labelled_rows.account_id,
        labelled_rows.event_name,
        labelled_rows.raw_event_name,
        labelled_rows.occurred_at,
        {{ looked_up_local_date('labelled_rows.occurred_at', 'occurred_hours') }} as occurred_on,
        labelled_rows.received_at,
        labelled_rows.platform,
        labelled_rows.properties,
        labelled_rows.delivered_row_count,
        labelled_rows.invalid_reason,
        {{ run_started_at_utc() }} as loaded_at
    from labelled_rows
    {{ join_hourly_local_dates('labelled_rows.occurred_at', 'occurred_hours') }}
),

{% if reload_start is not none %}

    {#- Every run reads the redelivery window again, and most of its instants are stored already, row
        for row: replacing them would delete and write the same rows again, and rewrite their blocks at
        the next checkpoint. An instant whose stored rows are the batch's (the same rows, copies and
        labels: one count and one hash of the rows, loaded_at aside, on each side) leaves the batch and
        keeps the load that wrote it; the others, new deliveries included, replace theirs. -#}
    {%- for side, relation, filter in [
        ('batch', 'batch_rows', 'true'),
        ('stored', 'loaded_rows', 'received_at >= ' ~ reload_start ~ ' or received_at is null'),
    ] %}

        {{ side }}_instants as (
            select
                {{ receipt_instant }} as receipt_instant,
                count(*) as row_count,
                {{ values_hash(receipt_instant, row_columns) }} as rows_hash
            from {{ relation }}
            where {{ filter }}
            group by {{ receipt_instant }}
        ),

    {%- endfor %}

    unchanged_instants as (
        select batch_instants.receipt_instant
        from batch_instants
        inner join stored_instants
            on
                batch_instants.receipt_instant = stored_instants.receipt_instant
                and batch_instants.row_count = stored_instants.row_count
                and batch_instants.rows_hash = stored_instants.rows_hash
    ),

    final as (
        select *
        from batch_rows
        where {{ receipt_instant }} not in (select unchanged_instants.receipt_instant from unchanged_instants)
    )

{% else %}

    final as (
        select * from batch_rows
    )

{% endif %}

select * from final

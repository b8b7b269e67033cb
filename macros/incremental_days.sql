{#- Pre-hook of the day-grained incremental models on DuckDB: when as_of_date moves back, days after
    it leave the table, as they would be absent from a full rebuild. -#}
{% macro delete_days_after_as_of_date(date_column='activity_date') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ date_column }} > {{ as_of_date() }}
    {%- endif -%}
{%- endmacro %}

{#- One value computed from this model's stored rows when the model is compiled, as text, or none
    outside incremental runs (first build, full refresh, parse time) and when the value is null. A
    batch filter on such a value is a constant, which lets a scan skip blocks by their min/max. -#}
{% macro incremental_stored_value(expression, where='true') -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value_query -%}
        select cast({{ expression }} as {{ dbt.type_string() }}) from {{ this }} where {{ where }}
    {%- endset -%}
    {{ return(run_query(value_query).columns[0].values()[0]) }}
{%- endmacro %}

{#- Where the next batch of an incremental model starts reading: the latest `column` value already
    loaded minus `lookback_hours`, as a timestamp literal, or none when the whole input must be read.
    Values later than the run's clock are ignored, so one bad timestamp far in the future cannot stop
    every later batch. -#}
{% macro incremental_reload_start(column, lookback_hours) -%}
    {%- set reload_start = incremental_stored_value(
        dbt.dateadd('hour', -lookback_hours, 'max(' ~ column ~ ')'),
        column ~ ' <= ' ~ current_timestamp_utc()
    ) -%}
    {{ return(none if reload_start is none else "cast('" ~ reload_start ~ "' as timestamp)") }}
{%- endmacro %}

{#- The latest `column` date already loaded, as a date literal, or none when there is none. -#}
{% macro incremental_max_date(column) -%}
    {%- set max_date = incremental_stored_value('max(' ~ column ~ ')') -%}
    {{ return(none if max_date is none else "cast('" ~ max_date ~ "' as date)") }}
{%- endmacro %}

{#- Config of a day-grained incremental model whose runs rebuild whole days of `date_column`, or the
    rows of `rebuild_keys` (from `day_rebuild_keys`) within a day: DuckDB deletes the keys present in
    the new batch and inserts them again (and drops days after as_of_date first); Spark overwrites
    their day partitions of a Parquet table (insert_overwrite with dynamic partition overwrite), since
    merge and delete+insert need Delta tables. Spark keeps days after a moved-back as_of_date until a
    full refresh. Use as `config(**incremental_by_day('date'))`. -#}
{% macro incremental_by_day(date_column, rebuild_keys=none) -%}
    {{ return(adapter.dispatch('incremental_by_day', 'cs_warehouse')(date_column, rebuild_keys)) }}
{%- endmacro %}

{% macro default__incremental_by_day(date_column, rebuild_keys) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': date_column if rebuild_keys is none or rebuild_keys | length == 1 else rebuild_keys,
        'pre_hook': "{{ delete_days_after_as_of_date('" ~ date_column ~ "') }}",
    }) }}
{%- endmacro %}

{#- Post-hook of a day-grained incremental model whose batch replaces rows by account and day: the
    batch carries a row of nulls for each stored account-day its inputs no longer produce, so the
    replace removes the stored row; this deletes those rows of nulls (`marker_column` null, which no
    real row is). Nothing on a full build, or where whole days are replaced (Spark). -#}
{% macro delete_dropped_account_days(marker_column) -%}
    {%- if is_incremental() and day_rebuild_keys('date', ['account_id']) | length > 1 -%}
        delete from {{ this }} where {{ marker_column }} is null
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of a day-grained incremental model holding one row per account-day of `source_relation`
    (both with `account_id` and `date`), whose batch replaces rows by account and day: deletes the
    stored account-days the source no longer holds. Every source row has its row here, so a day holds
    such rows only when it has more rows here than in the source: only those days are searched.
    Nothing on a full build, or where whole days are replaced (Spark). -#}
{% macro delete_account_days_missing_from(source_relation) -%}
    {%- if is_incremental() and day_rebuild_keys('date', ['account_id']) | length > 1 -%}
        delete from {{ this }} as stored_rows
        where
            stored_rows.date in (
                select stored_days.date
                from (select date, count(*) as row_count from {{ this }} group by date) as stored_days
                left join (select date, count(*) as row_count from {{ source_relation }} group by date) as source_days
                    on stored_days.date = source_days.date
                where source_days.row_count is null or stored_days.row_count > source_days.row_count
            )
            and not exists (
                select 1
                from {{ source_relation }} as source_rows
                where source_rows.account_id = stored_rows.account_id and source_rows.date = stored_rows.date
            )
    {%- endif -%}
{%- endmacro %}

{#- The columns whose rows a batch of a day-grained incremental model replaces: each day's rows of
    `finer_keys` (e.g. an account's day) where rows are replaced by key, whole days on Spark, which
    overwrites day partitions. -#}
{% macro day_rebuild_keys(date_column, finer_keys) -%}
    {{ return(adapter.dispatch('day_rebuild_keys', 'cs_warehouse')(date_column, finer_keys)) }}
{%- endmacro %}

{% macro default__day_rebuild_keys(date_column, finer_keys) -%}
    {{ return([date_column] + finer_keys) }}
{%- endmacro %}

{% macro spark__day_rebuild_keys(date_column, finer_keys) -%}
    {{ return([date_column]) }}
{%- endmacro %}

{% macro spark__incremental_by_day(date_column, rebuild_keys) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [date_column],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}

{#- Config of an incremental model whose runs replace rows by `unique_key`: delete+insert on DuckDB.
    Spark can replace rows by key only in Delta tables (merge), so there the model is a table rebuilt
    from all its input every run. -#}
{% macro incremental_by_key(unique_key) -%}
    {{ return(adapter.dispatch('incremental_by_key', 'cs_warehouse')(unique_key)) }}
{%- endmacro %}

{% macro default__incremental_by_key(unique_key) -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert', 'unique_key': unique_key}) }}
{%- endmacro %}

{% macro spark__incremental_by_key(unique_key) -%}
    {{ return({'materialized': 'table', 'file_format': 'parquet'}) }}
{%- endmacro %}

{#- The runs of one fingerprint in `relation`'s account-days: per account and `fingerprint_column`
    value, its first day, last day and how many days hold it. A fingerprint that folds an account's
    facts up to the day changes only on days with facts, so its days form such runs. -#}
{% macro fingerprint_runs(relation, fingerprint_column) -%}
    select
        account_id,
        {{ fingerprint_column }},
        min(date) as first_date,
        max(date) as last_date,
        count(*) as days
    from {{ relation }}
    group by account_id, {{ fingerprint_column }}
{%- endmacro %}

{#- Per account, the first day up to the table's last one whose stored row differs from the one
    computed now, from the runs of `fingerprint_column` (see `fingerprint_runs`) of `stored_rows` (this
    table's rows, or those of the accounts to compare) and of `compared_runs` (the same columns, days up
    to the table's last one): a run present on one side
    only starts on it; a run of the same fingerprint starts earlier on one side, or ends earlier (the
    day after), or misses days. A query of (account_id, first_changed_date), one row per account
    with a change; comparing runs costs as many rows as there are fingerprints, not days. Call only
    in incremental runs. -#}
{% macro accounts_with_changed_fingerprint(stored_rows, compared_runs, fingerprint_column) -%}
    with stored_runs as (
        {{ fingerprint_runs(stored_rows, fingerprint_column) }}
    ),

    changed_runs as (
        select
            coalesce(stored_runs.account_id, compared_runs.account_id) as account_id,
            case
                when stored_runs.account_id is null then compared_runs.first_date
                when compared_runs.account_id is null then stored_runs.first_date
                when stored_runs.first_date <> compared_runs.first_date
                    then least(stored_runs.first_date, compared_runs.first_date)
                when stored_runs.last_date <> compared_runs.last_date
                    then cast(least(stored_runs.last_date, compared_runs.last_date) + 1 as date)
                when stored_runs.days <> compared_runs.days then stored_runs.first_date
            end as first_changed_date
        from stored_runs
        full outer join {{ compared_runs }} as compared_runs
            on
                stored_runs.account_id = compared_runs.account_id
                and stored_runs.{{ fingerprint_column }} = compared_runs.{{ fingerprint_column }}
    )

    select
        account_id,
        min(first_changed_date) as first_changed_date
    from changed_runs
    where first_changed_date is not null
    group by account_id
{%- endmacro %}

{#- The first day of any account whose row changed (see `accounts_with_changed_fingerprint`), as a
    scalar subquery: null when every stored day still holds, and outside incremental runs. -#}
{% macro first_day_with_changed_fingerprint(stored_rows, compared_runs, fingerprint_column) -%}
    {%- if is_incremental() -%}
        (
            select min(first_changed_date)
            from ({{ accounts_with_changed_fingerprint(stored_rows, compared_runs, fingerprint_column) }}) as changed_accounts
        )
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}

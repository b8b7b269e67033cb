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

{#- The first day, up to the table's last one, whose row of `current_rows` (account_id, date and
    `fingerprint_column`) differs from the row stored in this table: a changed fingerprint, or a row
    present on one side only. Null when every stored day still holds, and outside incremental runs.
    Each account's rows are first reduced to one digest per side (the xor of the rows' hashes, which
    any changed, added or removed row changes); only accounts whose digests differ, usually a few, are
    compared day by day, instead of joining every stored row. -#}
{% macro first_day_with_changed_fingerprint(current_rows, fingerprint_column) -%}
    {%- if is_incremental() -%}
        {%- set row_hash = keyed_hash('date', fingerprint_column) -%}
        (
            with stored_rows as {{ not_materialized() }} (
                select account_id, date, {{ fingerprint_column }} from {{ this }}
            ),

            compared_rows as (
                select account_id, date, {{ fingerprint_column }}
                from {{ current_rows }}
                where date <= (select max(date) from {{ this }})
            ),

            stored_digests as (
                select account_id, bit_xor({{ row_hash }}) as digest
                from stored_rows
                group by account_id
            ),

            compared_digests as (
                select account_id, bit_xor({{ row_hash }}) as digest
                from compared_rows
                group by account_id
            ),

            changed_accounts as (
                select coalesce(stored_digests.account_id, compared_digests.account_id) as account_id
                from stored_digests
                full outer join compared_digests
                    on stored_digests.account_id = compared_digests.account_id
                where stored_digests.digest is distinct from compared_digests.digest
            )

            select min(coalesce(changed_stored_rows.date, changed_compared_rows.date))
            from (
                select stored_rows.*
                from stored_rows
                inner join changed_accounts
                    on stored_rows.account_id = changed_accounts.account_id
            ) as changed_stored_rows
            full outer join (
                select compared_rows.*
                from compared_rows
                inner join changed_accounts
                    on compared_rows.account_id = changed_accounts.account_id
            ) as changed_compared_rows
                on
                    changed_stored_rows.account_id = changed_compared_rows.account_id
                    and changed_stored_rows.date = changed_compared_rows.date
            where
                changed_stored_rows.account_id is null
                or changed_compared_rows.account_id is null
                or changed_stored_rows.{{ fingerprint_column }}
                is distinct from changed_compared_rows.{{ fingerprint_column }}
        )
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}

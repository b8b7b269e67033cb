{#- Helpers of the staging layer: how a base model collapses exact duplicate rows and labels a
    rejected row, and how the audit models find every base model. -#}

{#- The clock rows are checked against: "now" as a naive UTC timestamp, evaluated when the row is
    read, so an occurrence time later than this is in the future of the run. -#}
{% macro current_timestamp_utc() -%}
    {{ return(adapter.dispatch('current_timestamp_utc', 'cs_warehouse')()) }}
{%- endmacro %}

{% macro default__current_timestamp_utc() -%}
    to_utc_timestamp(current_timestamp(), current_timezone())
{%- endmacro %}

{% macro duckdb__current_timestamp_utc() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- The typed columns of a base model, cast from the raw columns of the same names, followed by
    `uncastable_reason`: `uncastable_<column>` for the first column whose raw value is not null but
    does not cast. A bad value thus becomes a quarantine reason instead of aborting the run, and is
    never mistaken for a missing one. `typed_columns` maps each column to its type, in select order.
    Whole-number types reject a fractional value, which a cast would round. -#}
{% macro safe_cast_columns(typed_columns) -%}
    {%- set whole_number_types = ['tinyint', 'smallint', 'integer', 'int', 'bigint'] -%}
    {%- set typed_values = {} -%}
    {%- for column, data_type in typed_columns.items() -%}
        {%- set typed_value = dbt.safe_cast(column, data_type) -%}
        {%- if data_type | lower in whole_number_types -%}
            {%- set typed_value = 'case when ' ~ dbt.safe_cast(column, 'double') ~ ' = ' ~ typed_value
                ~ ' then ' ~ typed_value ~ ' end' -%}
        {%- endif -%}
        {%- do typed_values.update({column: typed_value}) -%}
    {%- endfor -%}
    {%- for column, typed_value in typed_values.items() %}
        {{ typed_value }} as {{ column }},
    {%- endfor %}
        case
        {%- for column, typed_value in typed_values.items() %}
            when {{ column }} is not null and {{ typed_value }} is null then 'uncastable_{{ column }}'
        {%- endfor %}
        end as uncastable_reason
{%- endmacro %}

{#- The select collapsing exact duplicate rows of a relation into one, counting in
    `delivered_row_count` how many copies were delivered; every column is part of the row's identity.
    `candidate_key` (optional, a list of columns every copy of a row shares, such as the event id and
    receipt time) lets a large relation skip most of that grouping on DuckDB: see the duckdb variant. -#}
{% macro collapse_exact_duplicates(relation, candidate_key=none) -%}
    {{ return(adapter.dispatch('collapse_exact_duplicates', 'cs_warehouse')(relation, candidate_key)) }}
{%- endmacro %}

{% macro default__collapse_exact_duplicates(relation, candidate_key) -%}
    select
        *,
        count(*) as delivered_row_count
    from {{ relation }}
    group by all
{%- endmacro %}

{#- Grouping tens of millions of rows by every column holds them all in a hash table (past the memory
    limit, spilled), though almost every row is its own group. Copies of a row share its
    `candidate_key`, so a row whose key hash occurs once has no copy: it passes through counted once,
    and only the rows of repeated key hashes (the copies, plus any rows sharing a key or a hash by
    chance) are grouped by every column. The result is the same rows and counts; the relation is read
    twice more, so it must be an unmaterialized CTE (`not_materialized()`) or a table. -#}
{% macro duckdb__collapse_exact_duplicates(relation, candidate_key) -%}
    {%- if candidate_key is none -%}
        {{ return(default__collapse_exact_duplicates(relation, candidate_key)) }}
    {%- endif -%}
    {%- set key_hash = 'hash(' ~ candidate_key | join(', ') ~ ')' -%}
    with repeated_key_hashes as materialized (
        select {{ key_hash }} as key_hash
        from {{ relation }}
        group by key_hash
        having count(*) > 1
    )

    select
        *,
        1 as delivered_row_count
    from {{ relation }}
    where {{ key_hash }} not in (select repeated_key_hashes.key_hash from repeated_key_hashes)
    union all
    select
        *,
        count(*) as delivered_row_count
    from {{ relation }}
    where {{ key_hash }} in (select repeated_key_hashes.key_hash from repeated_key_hashes)
    group by all
{%- endmacro %}

{#- How DuckDB is to evaluate a CTE read more than once, a keyword after its `as`; other engines
    decide alone, so it is empty there. -#}
{% macro cte_materialization(keyword) -%}
    {{ return(adapter.dispatch('cte_materialization', 'cs_warehouse')(keyword)) }}
{%- endmacro %}

{% macro default__cte_materialization(keyword) -%}
{%- endmacro %}

{% macro duckdb__cte_materialization(keyword) -%}
    {{ keyword }}
{%- endmacro %}

{#- Inline the CTE into each reader rather than store it (`as {{ not_materialized() }} (`): a scan of
    Parquet files costs less than holding every row. -#}
{% macro not_materialized() -%}
    {{ return(cte_materialization('not materialized')) }}
{%- endmacro %}

{#- Compute the CTE once for all its readers (`as {{ materialized_once() }} (`), where DuckDB may
    otherwise inline a small CTE into each of them and compute it again there (the hourly local dates,
    joined once per converted column). -#}
{% macro materialized_once() -%}
    {{ return(cte_materialization('materialized')) }}
{%- endmacro %}

{#- `when` branch: the failed cast of `safe_cast_columns`, checked before every other rule. -#}
{% macro reject_uncastable() %}
            when uncastable_reason is not null then uncastable_reason
{%- endmacro %}

{#- `when` branches of an invalid_reason case expression: `null_<column>` for each required column. -#}
{% macro reject_nulls(columns) -%}
    {%- for column in columns %}
            when {{ column }} is null then 'null_{{ column }}'
    {%- endfor %}
{%- endmacro %}

{#- `when` branch: `unknown_<column>` for a value outside the contract's enum (a null passes here;
    required columns are checked by reject_nulls first). -#}
{% macro reject_unknown(column, accepted_values) -%}
            when {{ column }} not in ('{{ accepted_values | join("', '") }}') then 'unknown_{{ column }}'
{%- endmacro %}

{#- `when` branches: `<column>_in_future` for occurrence times later than the run's clock. -#}
{% macro reject_future(columns) -%}
    {%- for column in columns %}
            when {{ column }} > {{ current_timestamp_utc() }} then '{{ column }}{{ in_future_suffix() }}'
    {%- endfor %}
{%- endmacro %}

{#- The suffix of the reasons `reject_future` gives, and the rows of a base table labelled with one:
    which rows those are depends on when the table was built, not only on what it was built from. -#}
{% macro in_future_suffix() -%}
    {{- return('_in_future') -}}
{%- endmacro %}

{% macro labelled_in_future(reason_column='invalid_reason') -%}
    {{ dbt.right(reason_column, in_future_suffix() | length) }} = '{{ in_future_suffix() }}'
{%- endmacro %}

{#- Every base model with its source table and primary key: the audit models read them all. -#}
{% macro staged_source_tables() -%}
    {{ return([
        {'model': 'base_crm__accounts', 'source_table': 'crm.accounts', 'key': 'account_id'},
        {'model': 'base_crm__contacts', 'source_table': 'crm.contacts', 'key': 'contact_id'},
        {'model': 'base_crm__owners', 'source_table': 'crm.owners', 'key': 'owner_id'},
        {'model': 'base_crm__activities', 'source_table': 'crm.activities', 'key': 'activity_id'},
        {'model': 'base_crm__tickets', 'source_table': 'crm.tickets', 'key': 'ticket_id'},
        {'model': 'base_crm__survey_responses', 'source_table': 'crm.survey_responses', 'key': 'response_id'},
        {'model': 'base_billing__plans', 'source_table': 'billing.plans', 'key': 'plan_id'},
        {'model': 'base_billing__subscriptions', 'source_table': 'billing.subscriptions', 'key': 'subscription_id'},
        {'model': 'base_billing__subscription_items', 'source_table': 'billing.subscription_items',
            'key': 'subscription_item_id'},
        {'model': 'base_billing__invoices', 'source_table': 'billing.invoices', 'key': 'invoice_id'},
        {'model': 'base_billing__invoice_lines', 'source_table': 'billing.invoice_lines', 'key': 'invoice_line_id'},
        {'model': 'base_product__users', 'source_table': 'product.users', 'key': 'user_id'},
        {'model': 'base_product__events', 'source_table': 'product.events', 'key': 'event_id'},
    ]) }}
{%- endmacro %}

{#- A whole row of a relation alias (every column, as typed) as one JSON text value. -#}
{% macro row_as_json_text(row_alias) -%}
    {{ return(adapter.dispatch('row_as_json_text', 'cs_warehouse')(row_alias)) }}
{%- endmacro %}

{% macro default__row_as_json_text(row_alias) -%}
    to_json(struct({{ row_alias }}.*))
{%- endmacro %}

{% macro duckdb__row_as_json_text(row_alias) -%}
    cast(to_json({{ row_alias }}) as varchar)
{%- endmacro %}

{#- `when` branches for a row whose parent row is not used: `parent_quarantined: <parent key>` when
    the parent was rejected by its own base model (so its children follow it into quarantine and the
    rest of the warehouse still builds), `orphan_<column>` when no such parent was delivered at all.
    `parents` lists {'column', 'model', 'key'}; a null column (an optional parent) passes. -#}
{% macro reject_missing_parents(parents) -%}
    {%- for parent in parents %}
            when {{ parent.column }} is not null
                and not {{ is_parent_key(parent.column, parent, among_valid_rows=true) }}
                then case
                    when {{ is_parent_key(parent.column, parent, among_valid_rows=false) }}
                        then 'parent_quarantined: ' || {{ parent.column }}
                    else 'orphan_{{ parent.column }}'
                end
    {%- endfor %}
{%- endmacro %}

{#- Whether `column` (never null here) is the key of a valid row of `parent` ({'model', 'key'}), or
    of a rejected one. Asked of rejected rows only where no valid row has the key, which is when the
    two differ from "of any row"; the rejected rows are few, so that lookup costs little even on the
    largest table. Spark plans `not in (subquery)` inside an expression as a null-aware nested-loop
    join, every row against every parent row (hours on the demo's events), so there it is a
    correlated `exists`, planned as a hash join. The two mean the same because a valid row's key is
    never null. -#}
{% macro is_parent_key(column, parent, among_valid_rows) -%}
    {{ return(adapter.dispatch('is_parent_key', 'cs_warehouse')(column, parent, among_valid_rows)) }}
{%- endmacro %}

{% macro default__is_parent_key(column, parent, among_valid_rows) -%}
    {{ column }} in (
                    select {{ parent.key }} from {{ ref(parent.model) }}
                    where invalid_reason is {{ 'null' if among_valid_rows else 'not null' }}
                )
{%- endmacro %}

{% macro spark__is_parent_key(column, parent, among_valid_rows) -%}
    {#- The key is renamed so that `column` can only mean the outer row's column. -#}
    exists (
                    select 1
                    from (
                        select {{ parent.key }} as parent_key from {{ ref(parent.model) }}
                        where invalid_reason is {{ 'null' if among_valid_rows else 'not null' }}
                    ) as parent_keys
                    where parent_keys.parent_key = {{ column }}
                )
{%- endmacro %}

{#- A descriptive attribute (one no metric branches on) outside its known values, or missing, is kept
    as `unknown` rather than rejected: it costs a label, not the account. The raw value stays in
    `raw_<column>`, and a warning test on the stg model names the rows. -#}
{% macro normalise_unknown(column, known_values) -%}
    case when {{ column }} in ('{{ known_values | join("', '") }}') then {{ column }} else 'unknown' end
{%- endmacro %}

{#- The `where` config of data tests, with two placeholders, so a test on a large incremental table
    checks what the run wrote, and on a full build every row:
    - `__latest_load__`: the rows of the tested model's latest load (`loaded_at` at its maximum);
    - `__days_of_latest_run__`: every row dated on or after the first day the latest run derived
      (`derived_at` at its maximum) in a model whose runs replace whole days from a first one, so that
      no row on those days is older than the run. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace(
            '__latest_load__', 'loaded_at = (select max(loaded_at) from ' ~ relation ~ ')'
        ) | replace(
            '__days_of_latest_run__',
            'date >= (select min(date) from ' ~ relation ~ ' where derived_at = (select max(derived_at) from '
            ~ relation ~ '))'
        ) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- The columns of `relation` but `excluded` (lower-case names), comma-separated, for a select list:
    read from the built relation, so at parse time (nothing built yet) it is `*`. -#}
{% macro columns_except(relation, excluded) -%}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set kept = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower not in excluded -%}
            {%- do kept.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(kept | join(', ')) }}
{%- endmacro %}

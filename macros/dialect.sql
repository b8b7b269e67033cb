{#- SQL that DuckDB and Spark spell differently, one macro per construct, so a model reads the same
    on both engines. The DuckDB versions render the SQL the models had before they were shared. -#}

{#- The first row of each `partition_by` group of a relation in `order_by` order. Spark has no
    qualify, so there the rows carry an extra column `first_row_rank`; select named columns after it.
    Null order differs between engines (DuckDB sorts nulls last): spell it out for nullable columns. -#}
{% macro first_row_per(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('first_row_per', 'cs_warehouse')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__first_row_per(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro spark__first_row_per(relation, partition_by, order_by) -%}
    select *
    from (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as first_row_rank
        from {{ relation }}
    ) as ranked_rows
    where first_row_rank = 1
{%- endmacro %}

{#- Set-returning expression yielding one row per string of `values` (a list), for `select ... as column`. -#}
{% macro rows_of_values(values) -%}
    {{ return(adapter.dispatch('rows_of_values', 'cs_warehouse')(values)) }}
{%- endmacro %}

{% macro default__rows_of_values(values) -%}
    unnest({{ values }})
{%- endmacro %}

{% macro spark__rows_of_values(values) -%}
    explode(array('{{ values | join("', '") }}'))
{%- endmacro %}

{#- Integer division of two integers, truncating (both are non-negative where it is used). -#}
{% macro integer_divide(numerator, divisor) -%}
    {{ return(adapter.dispatch('integer_divide', 'cs_warehouse')(numerator, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, divisor) -%}
    ({{ numerator }}) // {{ divisor }}
{%- endmacro %}

{% macro spark__integer_divide(numerator, divisor) -%}
    ({{ numerator }}) div {{ divisor }}
{%- endmacro %}

{#- A group's string values sorted and joined by `delimiter`, duplicates kept; null when there are none. -#}
{% macro sorted_string_agg(expression, delimiter) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'cs_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expression, delimiter) -%}
    string_agg({{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_string_agg(expression, delimiter) -%}
    nullif(array_join(array_sort(collect_list({{ expression }})), '{{ delimiter }}'), '')
{%- endmacro %}

{#- dbt-spark's dateadd and datediff go through whole seconds and abort on a null argument; these keep
    DuckDB's meaning: dateadd keeps the time of day to the microsecond (and clamps month ends), a
    day difference counts calendar-day boundaries, a microsecond difference is the elapsed time. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart in ['microsecond', 'millisecond'] -%}
        timestampdiff({{ datepart }}, {{ first_date }}, {{ second_date }})
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "datediff by '" ~ datepart ~ "' has no Spark version in macros/dialect.sql; add one that counts like DuckDB"
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- Window function: the last non-null value of `expression` in the frame (follow it with `over`). -#}
{% macro last_non_null(expression) -%}
    {{ return(adapter.dispatch('last_non_null', 'cs_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__last_non_null(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_non_null(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}

{#- dbt-spark's listagg ignores the order: here the values are sorted by the `order by` columns
    (ascending) before they are joined, as DuckDB's string_agg orders them. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set sort_columns = (order_by_clause or '') | replace('order by', '') | trim -%}
    {%- if ' desc' in sort_columns | lower -%}
        {{ exceptions.raise_compiler_error("listagg on Spark sorts ascending only: " ~ order_by_clause) }}
    {%- endif -%}
    {%- set entries -%}
        {%- if sort_columns -%}
            transform(
                array_sort(collect_list(struct({{ sort_columns }}, {{ measure }} as listagg_value))),
                entry -> entry.listagg_value
            )
        {%- else -%}
            collect_list({{ measure }})
        {%- endif -%}
    {%- endset -%}
    array_join({{ 'slice(' ~ entries ~ ', 1, ' ~ limit_num ~ ')' if limit_num else entries }}, {{ delimiter_text }})
{%- endmacro %}

{#- A 64-bit hash of one value (DuckDB's hash, Spark's xxhash64): cheap to store, compare and group. -#}
{% macro value_hash(expression) -%}
    {{ return(adapter.dispatch('value_hash', 'cs_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__value_hash(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{% macro spark__value_hash(expression) -%}
    xxhash64({{ expression }})
{%- endmacro %}

{#- One hash of a group's key and its values (an aggregate): the sum of the values' hashes, equal for
    equal contents whatever the row order, with repeated values counted (a xor would cancel them), and
    cheaper than sorting the values into a list. The hashes differ by engine, so they are compared
    only within one warehouse. -#}
{% macro values_hash(key, value) -%}
    {{ return(adapter.dispatch('values_hash', 'cs_warehouse')(key, value)) }}
{%- endmacro %}

{% macro default__values_hash(key, value) -%}
    hash({{ key }}, sum(hash({{ value }})))
{%- endmacro %}

{#- Spark's xxhash64 is a signed bigint, whose sum overflows: summed as a decimal. -#}
{% macro spark__values_hash(key, value) -%}
    xxhash64({{ key }}, sum(cast(xxhash64({{ value }}) as decimal(38, 0))))
{%- endmacro %}


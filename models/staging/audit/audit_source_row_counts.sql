{#- Rows in are counted on the raw source itself (a Parquet count reads only file footers), landed
    and quarantined rows on the base model, used rows on the stg model: three independent counts, so
    a row lost between the feed and staging (e.g. by an incremental load) fails the reconciliation. -#}
{%- set staged_tables = staged_source_tables() -%}

with
{% for table in staged_tables %}
    {%- set source_name, table_name = table.source_table.split('.') %}
    raw_{{ table.model }} as (
        select count(*) as raw_rows from {{ source(source_name, table_name) }}
    ),

    {{ table.model }} as (
        select * from {{ ref(table.model) }}
    ),

    {{ table.model | replace('base_', 'stg_', 1) }} as (
        select * from {{ ref(table.model | replace('base_', 'stg_', 1)) }}
    ),
{% endfor %}

{% for table in staged_tables %}
    counted_{{ table.model }} as (
        select
            '{{ table.source_table }}' as source_table,
            cast(
                (select raw_{{ table.model }}.raw_rows from raw_{{ table.model }}) as {{ dbt.type_bigint() }}
            ) as raw_rows,
            cast(coalesce(sum(delivered_row_count - 1), 0) as {{ dbt.type_bigint() }}) as duplicate_rows_dropped,
            cast(count(case when invalid_reason is not null then 1 end) as {{ dbt.type_bigint() }}) as quarantined_rows,
            cast(
                (select count(*) from {{ table.model | replace('base_', 'stg_', 1) }}) as {{ dbt.type_bigint() }}
            ) as used_rows
        from {{ table.model }}
    ),
{% endfor %}

final as (
    {% for table in staged_tables %}
        select * from counted_{{ table.model }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final

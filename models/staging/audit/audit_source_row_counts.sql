{%- set staged_tables = staged_source_tables() -%}

with
{% for table in staged_tables %}
    {{ table.model }} as (
        select * from {{ ref(table.model) }}
    ),
{% endfor %}

{% for table in staged_tables %}
    counted_{{ table.model }} as (
        select
            '{{ table.source_table }}' as source_table,
            cast(coalesce(sum(delivered_row_count), 0) as {{ dbt.type_bigint() }}) as raw_rows,
            cast(coalesce(sum(delivered_row_count - 1), 0) as {{ dbt.type_bigint() }}) as duplicate_rows_dropped,
            cast(count(case when invalid_reason is not null then 1 end) as {{ dbt.type_bigint() }}) as quarantined_rows,
            cast(count(case when invalid_reason is null then 1 end) as {{ dbt.type_bigint() }}) as used_rows
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

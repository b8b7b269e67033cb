{%- set staged_tables = staged_source_tables() -%}

with
{% for table in staged_tables %}
    {{ table.model }} as (
        -- the row as delivered and judged; the load stamp changes with every run that reloads it
        select {{ columns_except(ref(table.model), ['loaded_at']) }} from {{ ref(table.model) }}
    ),
{% endfor %}

{% for table in staged_tables %}
    rejected_{{ table.model }} as (
        select
            '{{ table.source_table }}' as source_table,
            cast({{ table.key }} as {{ dbt.type_string() }}) as primary_key_value,
            invalid_reason as reason,
            delivered_row_count,
            {{ row_as_json_text(table.model) }} as row_json
        from {{ table.model }}
        where invalid_reason is not null
    ),
{% endfor %}

final as (
    {% for table in staged_tables %}
        select * from rejected_{{ table.model }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final

{#- Files of a directory table (the event stream) the structural pre-flight set aside as unreadable
    (macros/raw_preflight.sql): the table loads from its other files, and each one set aside is listed
    here with its path, so it can be re-landed. Read when the model runs, like the pre-flight. -#}
{%- set quarantined_files = quarantined_raw_files() -%}

with

quarantined_files as (
    {%- for file in quarantined_files %}
        select
            '{{ file.source_table }}' as source_table,
            '{{ file.file }}' as file_path,
            '{{ file.problem }}' as reason
        {{ 'union all' if not loop.last }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as source_table,
            cast(null as {{ dbt.type_string() }}) as file_path,
            cast(null as {{ dbt.type_string() }}) as reason
        where false
    {%- endfor %}
),

final as (
    select
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(file_path as {{ dbt.type_string() }}) as file_path,
        cast(reason as {{ dbt.type_string() }}) as reason
    from quarantined_files
)

select * from final

{#- Every raw file found by the run, with what the structural pre-flight saw of it
    (macros/raw_preflight.sql). The next run's pre-flight reads this table to open only the files
    that are new or changed since, instead of every byte of the raw history. -#}
{%- set checked_files = checked_raw_files() -%}

with

checked_files as (
    {%- for file in checked_files %}
        select
            '{{ file.source_table }}' as source_table,
            '{{ file.file }}' as file_path,
            {{ file.size }} as size,
            '{{ file.last_modified.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as last_modified,
            {{ "'" ~ file.problem ~ "'" if file.problem else 'null' }} as problem
        {{ 'union all' if not loop.last }}
    {%- else %}
        select
            null as source_table,
            null as file_path,
            null as size,
            null as last_modified,
            null as problem
        where false
    {%- endfor %}
),

final as (
    select
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(file_path as {{ dbt.type_string() }}) as file_path,
        cast(size as {{ dbt.type_bigint() }}) as size,
        cast(last_modified as {{ dbt.type_timestamp() }}) as last_modified,
        cast(problem as {{ dbt.type_string() }}) as problem
    from checked_files
)

select * from final

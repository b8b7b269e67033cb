{#- Time handling used everywhere. Raw timestamps are naive UTC instants; days and months are
    calendar days/months in var('reporting_timezone'). -#}

{#- The last complete day the run reports on: var('as_of_date'), else the environment variable
    CS_AS_OF_DATE, else yesterday in the reporting zone. Returns the ISO string.
    A changed --vars makes dbt re-parse the whole project; a changed environment variable does not,
    as long as it is read only when executing (read while parsing, dbt would record it and re-parse
    every model that calls this). The parsed SQL never depends on the day, only the compiled SQL does. -#}
{% macro as_of_date_str() -%}
    {%- set configured = var('as_of_date', none) -%}
    {%- if (configured is none or configured | string | trim == '') and execute -%}
        {%- set configured = env_var('CS_AS_OF_DATE', '') -%}
    {%- endif -%}
    {%- if configured is not none and configured | string | trim != '' -%}
        {{ return(configured | string | trim) }}
    {%- endif -%}
    {%- set zone = modules.pytz.timezone(var('reporting_timezone')) -%}
    {%- set local_now = modules.datetime.datetime.now(zone) -%}
    {{ return((local_now.date() - modules.datetime.timedelta(days=1)).isoformat()) }}
{%- endmacro %}

{#- as_of_date as a SQL date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_date_str() }}' as date)
{%- endmacro %}

{#- Local wall-clock timestamp of a UTC instant. -#}
{% macro to_local_timestamp(utc_timestamp) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'cs_warehouse')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_timestamp) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ var("reporting_timezone") }}')
{%- endmacro %}

{% macro duckdb__to_local_timestamp(utc_timestamp) -%}
    timezone('{{ var("reporting_timezone") }}', ({{ utc_timestamp }}) at time zone 'UTC')
{%- endmacro %}

{#- Local calendar date of a UTC instant: the one way a timestamp becomes a reporting day. -#}
{% macro to_local_date(utc_timestamp) -%}
    cast({{ to_local_timestamp(utc_timestamp) }} as date)
{%- endmacro %}

{#- UTC instant (naive timestamp) of local midnight at the start of a local date. -#}
{% macro local_midnight_utc(local_date) -%}
    {{ return(adapter.dispatch('local_midnight_utc', 'cs_warehouse')(local_date)) }}
{%- endmacro %}

{% macro default__local_midnight_utc(local_date) -%}
    to_utc_timestamp(cast({{ local_date }} as timestamp), '{{ var("reporting_timezone") }}')
{%- endmacro %}

{% macro duckdb__local_midnight_utc(local_date) -%}
    cast(timezone('UTC', timezone('{{ var("reporting_timezone") }}', cast({{ local_date }} as timestamp))) as timestamp)
{%- endmacro %}

{#- "End of day D": the UTC instant of local midnight starting D + 1 (exclusive bound). -#}
{% macro end_of_local_day_utc(local_date) -%}
    {{ local_midnight_utc(dbt.dateadd('day', 1, local_date)) }}
{%- endmacro %}

{#- End of as_of_date as a UTC instant: data occurring at or after it is outside the run. -#}
{% macro as_of_end_utc() -%}
    {{ end_of_local_day_utc(as_of_date()) }}
{%- endmacro %}

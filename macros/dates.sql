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

{#- The local date of every UTC hour, from the one holding `first_instant` to `last_instant`, whose
    instants all fall on one local date: rows (hour_start, local_date). A table of many instants joins
    them on its instants' hour (`dbt.date_trunc('hour', ...)`) and converts only the rows left over
    with `to_local_date`: on DuckDB each conversion is a lookup in the zone's calendar (28M events:
    3.6-4.2 s converted one by one, 0.55 s joined to their hours). An hour is left out when the local
    clock does not advance by exactly one hour across it (the UTC offset changes in it or at its end:
    America/St_Johns fell back from 00:01 to 23:01 in 2010, so an hour started and ended on one date
    and passed through the next), or when it crosses local midnight (an offset that is not a whole
    number of hours). Other engines convert every row quickly: no rows there. -#}
{% macro hourly_local_dates(first_instant, last_instant) -%}
    {{ return(adapter.dispatch('hourly_local_dates', 'cs_warehouse')(first_instant, last_instant)) }}
{%- endmacro %}

{% macro default__hourly_local_dates(first_instant, last_instant) -%}
    select
        cast(null as timestamp) as hour_start,
        cast(null as date) as local_date
    where false
{%- endmacro %}

{% macro duckdb__hourly_local_dates(first_instant, last_instant) -%}
    select
        hour_start,
        cast(local_start as date) as local_date
    from (
        select
            hour_start,
            {{ to_local_timestamp('hour_start') }} as local_start,
            {{ to_local_timestamp(dbt.dateadd('hour', 1, 'hour_start')) }} as local_end
        from (
            select cast(unnest(generate_series(
                {{ dbt.date_trunc('hour', first_instant) }}, {{ last_instant }}, interval 1 hour
            )) as timestamp)
                as hour_start
        ) as hours
    ) as local_hours
    where
        {{ dbt.dateadd('hour', 1, 'local_start') }} = local_end
        and (
            cast(local_start as date) = cast(local_end as date)
            or local_end = cast(cast(local_end as date) as timestamp)
        )
{%- endmacro %}

{#- How far back a full span of looked-up hours reaches: five years (43,800 hours, 25 ms to compute).
    Older instants are converted one by one, correct, only slower. -#}
{% macro hourly_local_dates_span_days() -%}
    {{ return(1827) }}
{%- endmacro %}

{#- Joins the CTE `hourly_local_dates` (rows of macro `hourly_local_dates`) as `hours_alias` to the
    hour of `utc_timestamp`: a left join, so every row stays; `looked_up_local_date` then reads the
    date. -#}
{% macro join_hourly_local_dates(utc_timestamp, hours_alias) -%}
    left join hourly_local_dates as {{ hours_alias }}
        on {{ dbt.date_trunc('hour', utc_timestamp) }} = {{ hours_alias }}.hour_start
{%- endmacro %}

{#- The local date of `utc_timestamp`: its hour's, joined as `hours_alias`, or for an instant outside
    the looked-up hours its own conversion (DuckDB evaluates `coalesce` lazily: only those rows pay it). -#}
{% macro looked_up_local_date(utc_timestamp, hours_alias) -%}
    coalesce({{ hours_alias }}.local_date, {{ to_local_date(utc_timestamp) }})
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

{#- Customer-health building blocks shared by the satisfaction, alert and worklist models. -#}

{#- NPS bucket of a 0-10 score (docs/metrics.md): promoter 9-10, passive 7-8, detractor 0-6; null for csat. -#}
{% macro nps_category(score, survey_type) -%}
    case
        when {{ survey_type }} <> 'nps' then null
        when {{ score }} >= 9 then 'promoter'
        when {{ score }} >= 7 then 'passive'
        else 'detractor'
    end
{%- endmacro %}

{#- First local date an incremental health model (re)computes: every day from it to as_of_date is
    rebuilt. A full build computes every day; an incremental run starts at the earliest of the day after
    the table's last day, var `event_backfill_start_date` when set, and (unless `late_events` is false,
    where the model finds late events per account itself) the earliest day of `upstream` (an import CTE
    of the model, with the named day and receipt-time columns) received after the table's watermark
    max(latest_event_received_at): a late event changes its day and every rolling window covering it. -#}
{% macro daily_recompute_start_date(upstream, upstream_date_column, upstream_received_at_column, late_events=true) -%}
    {%- if is_incremental() -%}
        {%- set backfill_start = var('event_backfill_start_date', none) -%}
        least(
            (select coalesce(max(date) + 1, cast('1900-01-01' as date)) from {{ this }})
            {%- if late_events -%},
            (
                select min({{ upstream_date_column }})
                from {{ upstream }}
                where {{ upstream_received_at_column }} > (select max(latest_event_received_at) from {{ this }})
            )
            {%- endif -%}
            {%- if backfill_start is not none and backfill_start | string | trim != '' -%},
            cast('{{ backfill_start }}' as date)
            {%- endif %}
        )
    {%- else -%}
        cast('1900-01-01' as date)
    {%- endif -%}
{%- endmacro %}

{#- The whole days from 1970-01-01 to `date_column`: the order of the health inputs' windows. A range
    of integers is cheaper than one of intervals, which DuckDB measures on the date cast to a
    timestamp (about 10% of the health inputs' query), and windows with one order share one sort. -#}
{% macro day_number(date_column='date') -%}
    {{ return(adapter.dispatch('day_number', 'cs_warehouse')(date_column)) }}
{%- endmacro %}

{% macro default__day_number(date_column) -%}
    {{ date_column }} - cast('1970-01-01' as date)
{%- endmacro %}

{#- Spark subtracts dates into an interval, not a number: unix_date gives the same count of days. -#}
{% macro spark__day_number(date_column) -%}
    unix_date({{ date_column }})
{%- endmacro %}

{#- Window over an account's rows of the `days` local days ending on the current row's day. -#}
{% macro trailing_days(days) -%}
    over (partition by account_id order by {{ day_number() }} range between {{ days - 1 }} preceding and current row)
{%- endmacro %}

{#- One rolling input of an account's signal rows (a `window` of the health inputs: `name`, `aggregate`
    sum, max, bit_xor or last (the latest non-null value), the `column` it reads (the column named after
    its `signal` unless given), `days` ending on the row's day or none for a running total, optional
    `keeps_null` and `type`, integer unless given): a window function over the account's rows, each row
    seeing its whole day, or, given `last_day` (a column holding the one day computed), an aggregate
    over the account's rows (by their `date`) up to it, grouped by account (DuckDB: `arg_max`). -#}
{% macro rolling_window(window, last_day=none) -%}
    {%- set type = window.get('type', 'integer') -%}
    {%- set input = window.get('column', window.signal) -%}
    {%- if last_day is none -%}
        {%- set frame = running_total() if window.days is none else trailing_days(window.days) -%}
        {%- if window.aggregate == 'last' -%}
            {%- set value = last_non_null(input) ~ ' ' ~ frame -%}
        {%- else -%}
            {%- set value = window.aggregate ~ '(' ~ input ~ ') ' ~ frame -%}
        {%- endif -%}
    {%- else -%}
        {%- set in_window = 'true' if window.days is none else 'date >= ' ~ last_day ~ ' - ' ~ (window.days - 1) -%}
        {%- if window.aggregate == 'last' -%}
            {%- set value = 'arg_max(' ~ input ~ ', date) filter (where ' ~ input
                ~ ' is not null and ' ~ in_window ~ ')' -%}
        {%- else -%}
            {%- set value = window.aggregate ~ '(case when ' ~ in_window ~ ' then ' ~ input ~ ' end)' -%}
        {%- endif -%}
    {%- endif -%}
    {%- set value = value if window.get('keeps_null') else 'coalesce(' ~ value ~ ', 0)' -%}
    {{- value if type is none else 'cast(' ~ value ~ ' as ' ~ type ~ ')' -}}
{%- endmacro %}

{#- The columns of `windows` (see `rolling_window`), as a select list. -#}
{% macro rolling_window_columns(windows, last_day=none) -%}
    {%- for window in windows -%}
        {{ rolling_window(window, last_day) }} as {{ window.name }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- The signals of `windows` (see `rolling_window`) that are running totals, quoted, comma-separated. -#}
{% macro running_total_signals(windows) -%}
    {%- for window in windows if window.days is none -%}
        '{{ window.signal }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- The union of the signal rows of `sources` (each a `relation` with account_id and signal_date, an
    optional `signal_name` expression and the `columns` it fills as a mapping of column to expression):
    account_id, signal_date, signal_name when the sources name one and then `columns` (each a `name` and
    a `type` to cast to, none to keep the source's), null where a source does not fill one. -#}
{% macro signal_rows(sources, columns) -%}
    {%- for source in sources %}
        select
            account_id,
            signal_date,
            {%- if source.signal_name is defined %}
            {{ source.signal_name }}{{ ' as signal_name' if source.signal_name != 'signal_name' }},
            {%- endif %}
            {%- for column in columns %}
                {%- set value = source.columns.get(column.name, 'null') %}
                {%- if column.type is not none %}
                    {%- set value = 'cast(' ~ value ~ ' as ' ~ column.type ~ ')' %}
                {%- endif %}
            {{ value }}{{ ' as ' ~ column.name if value != column.name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ source.relation }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- `columns` (mappings with a `name`, and optionally the `relation` holding it) as a select list: each
    qualified by `relation` (default: the column's own; '' for none), and given an `aggregate`, that
    aggregate of it named as the column. -#}
{% macro column_list(columns, relation=none, aggregate=none) -%}
    {%- for column in columns -%}
        {%- set qualifier = column.get('relation', '') if relation is none else relation -%}
        {%- set reference = (qualifier ~ '.' if qualifier else '') ~ column.name -%}
        {{ aggregate ~ '(' ~ reference ~ ') as ' ~ column.name if aggregate else reference }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- Gaps and islands: the date minus its rank in the partition, equal for consecutive days and
    different across a gap, so grouping by it yields each run of consecutive days. -#}
{% macro consecutive_days_anchor(partition_by, date_column='date') -%}
    {{ date_column }} - cast(row_number() over (partition by {{ partition_by }} order by {{ date_column }}) as integer)
{%- endmacro %}

{#- Window over an account's rows from its first day to the current row's day, that whole day included
    (a day may hold several rows), ordered like `trailing_days` so that both kinds of window share one
    sort. -#}
{% macro running_total() -%}
    over (partition by account_id order by {{ day_number() }} range between unbounded preceding and current row)
{%- endmacro %}

{#- The CS playbook (docs/marts.md) for a health colour: green -> upsell / cross-sell, yellow -> training or
    a one-to-one session, red -> a manager calls. Tech-touch accounts get the automated version,
    except red ones whose MRR reaches var('tech_touch_high_value_mrr'). -#}
{% macro playbook_action(health_color, segment, mrr) -%}
    case
        when
            {{ segment }} = 'tech_touch'
            and not ({{ health_color }} = 'red' and {{ mrr }} >= {{ var('tech_touch_high_value_mrr') }})
            then
                case {{ health_color }}
                    when 'red' then 'automated_reengagement_email'
                    when 'yellow' then 'automated_training_content'
                    else 'automated_upsell_content'
                end
        else
            case {{ health_color }}
                when 'red' then 'manager_call_improvement_plan'
                when 'yellow' then 'invite_training_or_one_to_one'
                else 'propose_upsell_cross_sell'
            end
    end
{%- endmacro %}

{#- Who acts on an account: its CSM, or the CSM's manager (when there is one) for a red high-touch
    account, whose relationship a manager owns. For other red accounts the CSM owns the task and
    arranges the manager's call the playbook recommends (DECISIONLOG.md, "Alert owner"). -#}
{% macro acting_owner(csm_owner_id, csm_manager_id, health_color, segment) -%}
    case
        when {{ health_color }} = 'red' and {{ segment }} = 'high_touch'
            then coalesce({{ csm_manager_id }}, {{ csm_owner_id }})
        else {{ csm_owner_id }}
    end
{%- endmacro %}

{#- Onboarding status at a snapshot instant (docs/metrics.md): activated; in_progress (under 90 days, not
    activated); stalled (90 days or more, not activated). -#}
{% macro onboarding_status(onboarding_started_at, activated_at, snapshot_at) -%}
    case
        when {{ activated_at }} < {{ snapshot_at }} then 'activated'
        when {{ onboarding_started_at }} > {{ dbt.dateadd('day', -90, snapshot_at) }} then 'in_progress'
        else 'stalled'
    end
{%- endmacro %}

{#- When the running dbt invocation started, as a UTC timestamp: stamped on rows a run recomputes. -#}
{% macro run_started_at_utc() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The first local day whose alert conditions may differ from what int_health__alert_episodes holds:
    the earliest day of the health inputs recomputed since the episodes last read them (rows derived
    after the table's `inputs_derived_at`); the opening day of the earliest stored episode that no
    longer lies within a paying spell (a cancellation recorded late removes input days and derives
    none); and at the latest the day after as_of_date (a moved-back as_of_date cuts the episodes back
    to it). A date literal, queried when the model compiles and again when its pre-hook renders, both
    before anything changes the table. -#}
{% macro alert_episodes_recompute_start_date() -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return("cast('1900-01-01' as date)") }}
    {%- endif -%}
    {%- set day_after_as_of_date = 'cast(' ~ dbt.dateadd('day', 1, as_of_date()) ~ ' as date)' -%}
    {%- set start_query -%}
        select cast(least(
            coalesce(
                (
                    select min(date)
                    from {{ ref('int_health__account_daily_inputs') }}
                    where derived_at > (
                        select coalesce(max(inputs_derived_at), cast('1900-01-01' as timestamp)) from {{ this }}
                    )
                ),
                {{ day_after_as_of_date }}
            ),
            coalesce(
                (
                    select min(stored_episodes.opened_on)
                    from {{ this }} as stored_episodes
                    where not exists (
                        select 1
                        from {{ ref('int_health__account_paying_spells') }} as paying_spells
                        where
                            paying_spells.account_id = stored_episodes.account_id
                            and stored_episodes.opened_on >= paying_spells.spell_start_on
                            and stored_episodes.last_alerted_on <= paying_spells.spell_end_on
                    )
                ),
                {{ day_after_as_of_date }}
            ),
            {{ day_after_as_of_date }}
        ) as {{ dbt.type_string() }})
    {%- endset -%}
    {{ return("cast('" ~ run_query(start_query).columns[0].values()[0] ~ "' as date)") }}
{%- endmacro %}

{#- Pre-hook of int_health__alert_episodes on an incremental run: episodes opened on or after the
    recompute start are dropped, and the ones still running on the day before it are cut back to
    that day (closed on the start day unless that is after as_of_date), which is what the days
    before the start alone make of them. The model then extends those that continue. One hook, so
    the start is queried once, before the delete can lower the table's `inputs_derived_at`. -#}
{% macro cut_alert_episodes_back_to_recompute_start() -%}
    {%- if is_incremental() -%}
        {%- set recompute_start = alert_episodes_recompute_start_date() -%}
        {%- set day_before = 'cast(' ~ dbt.dateadd('day', -1, recompute_start) ~ ' as date)' -%}
        delete from {{ this }} where opened_on >= {{ recompute_start }};
        update {{ this }}
        set
            last_alerted_on = {{ day_before }},
            alerted_days = cast({{ dbt.datediff('opened_on', day_before, 'day') }} + 1 as integer),
            closed_on = case when {{ day_before }} < {{ as_of_date() }} then {{ recompute_start }} end
        where last_alerted_on >= {{ day_before }}
    {%- endif -%}
{%- endmacro %}

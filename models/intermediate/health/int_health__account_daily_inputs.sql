{#- A run recomputes every account from the first new day, and an account with late events or changed
    non-event facts from its own first changed day: DuckDB replaces those account-days and drops the
    stored ones that are no longer paying (macro `delete_dropped_account_days`). Spark overwrites whole
    day partitions, so there every account is recomputed from the earliest changed day. -#}
{%- set rebuild_keys = day_rebuild_keys('date', ['account_id']) -%}
{%- set recomputes_by_account = is_incremental() and rebuild_keys | length > 1 -%}
{#- The latest event receipt the stored rows counted, read when the model compiles: the filter on it then
    skips every block of events received before it. -#}
{%- set events_watermark = incremental_reload_start('latest_event_received_at', 0) if recomputes_by_account -%}

{{
    config(
        on_schema_change='fail',
        post_hook="{{ delete_dropped_account_days('mrr') }}",
        **incremental_by_day('date', rebuild_keys)
    )
}}

{#- Rolling windows reach back at most this many days before the first day computed; those over
    product events (logins, core features, active users) at most the second figure. A run reads the
    events of that shorter span only, so a daily run's cost follows the days it computes. -#}
{%- set longest_window_days = [180, var('health_no_login_red_days'), var('alert_no_login_days')] | max -%}
{%- set longest_event_window_days = [30, var('health_no_login_red_days'), var('alert_no_login_days')] | max -%}
{#- An account of an incremental run computed from one of this many last days takes its rolling inputs
    as one aggregate per computed day, its rows repeated for each: cheaper than the window functions
    over all its rows while the days are few (late events arrive within a day or two; at 28.3M events a
    week's run takes 2.9 s of query this way against 5.2 s). -#}
{%- set days_computed_by_aggregate = 7 -%}

{#- The rolling inputs, each an aggregate of one signal's values over the `days` local days ending on the
    row's day (none: every day up to it, a running total), zero when no day has the signal unless
    `keeps_null`, cast to `type` (macro `rolling_window`). The fingerprint is the running fold of the
    non-event day hashes. -#}
{%- set rolling_windows = [
    {'name': 'provisioned_users', 'aggregate': 'sum', 'signal': 'provisioned_user_change', 'days': none},
    {'name': 'active_users_30d', 'aggregate': 'sum', 'signal': 'active_user_change', 'days': none},
    {'name': 'login_days_alert_window', 'aggregate': 'sum', 'signal': 'login_day', 'days': var('alert_no_login_days')},
    {'name': 'login_days_30d', 'aggregate': 'sum', 'signal': 'login_day', 'days': 30},
    {'name': 'login_days_red_window', 'aggregate': 'sum', 'signal': 'login_day', 'days': var('health_no_login_red_days')},
    {'name': 'core_feature_days_30d', 'aggregate': 'sum', 'signal': 'core_feature_day', 'days': 30},
    {'name': 'engagement_activities_90d', 'aggregate': 'sum', 'signal': 'engagement_activities', 'days': 90},
    {'name': 'open_tickets', 'aggregate': 'sum', 'signal': 'open_ticket_change', 'days': none},
    {'name': 'urgent_tickets_90d', 'aggregate': 'sum', 'signal': 'urgent_tickets', 'days': 90},
    {'name': 'bad_ratings_90d', 'aggregate': 'sum', 'signal': 'bad_ratings', 'days': 90},
    {'name': 'latest_nps_score_180d', 'aggregate': 'last', 'signal': 'latest_nps_score', 'days': 180, 'keeps_null': true},
    {'name': 'csat_responses_180d', 'aggregate': 'sum', 'signal': 'csat_responses', 'days': 180},
    {'name': 'csat_score_sum_180d', 'aggregate': 'sum', 'signal': 'csat_score_sum', 'days': 180, 'keeps_null': true, 'type': 'decimal(18, 2)'},
    {'name': 'detractor_responses_30d', 'aggregate': 'sum', 'signal': 'detractor_responses', 'days': 30},
    {'name': 'failed_invoices', 'aggregate': 'sum', 'signal': 'failed_invoice_change', 'days': none},
    {'name': 'latest_event_received_at', 'aggregate': 'max', 'column': 'received_at', 'days': longest_event_window_days, 'keeps_null': true, 'type': none},
    {'name': 'non_event_inputs_fingerprint', 'aggregate': 'bit_xor', 'signal': 'non_event_day_hash', 'column': 'day_hash', 'days': none, 'keeps_null': true, 'type': none},
] -%}

{#- The account's facts that a row derives from its day (onboarding, first expansion): the paying days'
    rows carry them through the windows, read from `relation`. -#}
{%- set carried_facts = [
    {'name': 'onboarding_started_at', 'type': 'timestamp', 'relation': 'onboarding'},
    {'name': 'activated_at', 'type': 'timestamp', 'relation': 'onboarding'},
    {'name': 'kickoff_at', 'type': 'timestamp', 'relation': 'onboarding'},
    {'name': 'first_expanded_on', 'type': 'date', 'relation': 'first_expansions'},
] -%}

{#- The signals the windows read, each in a column of its own. -#}
{%- set signal_names = [] -%}
{%- for window in rolling_windows if window.column is not defined -%}
    {%- if window.signal not in signal_names -%}
        {%- do signal_names.append(window.signal) -%}
    {%- endif -%}
{%- endfor -%}

{#- The columns of the signal rows after account and day, with their type (none: the source's): MRR, the
    signals (summed as doubles), the receipts, the day hashes and the carried facts. -#}
{%- set signal_columns = [{'name': 'mrr', 'type': 'decimal(18, 2)'}] -%}
{%- for signal in signal_names -%}
    {%- do signal_columns.append({'name': signal, 'type': 'double'}) -%}
{%- endfor -%}
{%- do signal_columns.extend([{'name': 'received_at', 'type': 'timestamp'}, {'name': 'day_hash', 'type': none}]) -%}
{%- do signal_columns.extend(carried_facts) -%}

{#- The non-event signals come one per row (signal_name, signal_value): each fills its signal's column. -#}
{%- set named_signal_values = {} -%}
{%- for signal in signal_names -%}
    {%- do named_signal_values.update({signal: "case when signal_name = '" ~ signal ~ "' then signal_value end"}) -%}
{%- endfor -%}

{#- The sources of the signal rows, each with the columns it fills (the others are null). -#}
{%- set account_day_columns = {
    'mrr': 'mrr',
    'login_day': 'case when has_login then 1 end',
    'core_feature_day': 'case when has_core_feature_use then 1 end',
    'received_at': 'max_received_at',
} -%}
{%- for fact in carried_facts -%}
    {%- do account_day_columns.update({fact.name: fact.name}) -%}
{%- endfor -%}
{%- set signal_sources = [
    {'relation': 'non_event_signals', 'columns': named_signal_values},
    {'relation': 'non_event_day_hashes', 'columns': {'day_hash': 'day_hash'}},
    {'relation': 'prior_running_totals', 'columns': dict(named_signal_values, day_hash='day_hash')},
    {'relation': 'paying_and_active_days', 'columns': account_day_columns},
    {'relation': 'active_user_changes', 'columns': {'active_user_change': 'active_user_change'}},
] -%}

with

mrr_ranges as (
    select * from {{ ref('int_revenue__account_mrr_ranges') }}
    where range_start_on <= {{ as_of_date() }}
),

-- The events of each account, user, local day and name, with their receipt. Staging stores them in the
-- order they arrived, so an incremental run's filters on a month of days and on the receipt skip most
-- blocks; a full build reads every one. Inlined: each reader's filter reaches the scan.
events as {{ not_materialized() }} (
    select
        account_id,
        user_id,
        event_name,
        occurred_on as activity_date,
        received_at
    from {{ ref('stg_product__events') }}
    where occurred_at < {{ as_of_end_utc() }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

-- inlined: a scan of the table for each reader, rather than a copy of it held in memory
non_event_signals as {{ not_materialized() }} (
    select * from {{ ref('int_health__account_non_event_signals') }}
),

onboarding as (
    select * from {{ ref('int_onboarding__accounts') }}
),

calendar_days as (
    select * from {{ ref('int_semantic__days') }}
),

-- Tickets, surveys, activities, invoices, subscriptions and users carry no arrival time, so late ones
-- are found by content. Each account-day's non-event facts hash to one value; a row's fingerprint
-- folds (xor) the hashes of every day of the account up to its own, so a fact added, changed or
-- removed on day D changes the fingerprint of every row from D on, the rows it can change.
-- MRR enters as its changes, the first days of its ranges (a day whose MRR differs from the day
-- before's), so the facts stay as few as the subscription changes; a paying day added or removed at the
-- end of a range shows as a row present on one side only. Onboarding start enters every row (tenure),
-- activation and kickoff from their day.
non_event_facts as (
    select
        account_id,
        signal_date,
        signal_name || '=' || cast(signal_value as {{ dbt.type_string() }}) as fact
    from non_event_signals
    union all
    select
        account_id,
        range_start_on as signal_date,
        'mrr=' || cast(mrr as {{ dbt.type_string() }}) as fact
    from mrr_ranges
    union all
    select
        account_id,
        cast('1900-01-01' as date) as signal_date,
        'onboarding_started_at=' || cast(onboarding_started_at as {{ dbt.type_string() }}) as fact
    from onboarding
    union all
    select
        account_id,
        {{ to_local_date('activated_at') }} as signal_date,
        'activated_at=' || cast(activated_at as {{ dbt.type_string() }}) as fact
    from onboarding
    where activated_at is not null
    union all
    select
        account_id,
        {{ to_local_date('kickoff_at') }} as signal_date,
        'kickoff_at=' || cast(kickoff_at as {{ dbt.type_string() }}) as fact
    from onboarding
    where kickoff_at is not null
),

non_event_day_hashes as (
    select
        account_id,
        signal_date,
        {{ values_hash('signal_date', 'fact') }} as day_hash
    from non_event_facts
    group by account_id, signal_date
),

{% if is_incremental() %}

    stored_days as (
        select max(date) as last_date
        from {{ this }}
    ),

    -- Each account's stored rows in brief: how many, the last, and that last day's fingerprint.
    stored_account_summaries as (
        select
            account_id,
            count(*) as days,  -- noqa: RF04
            max(date) as last_date,
            max_by(non_event_inputs_fingerprint, date) as last_fingerprint
        from {{ this }}
        group by account_id
    ),

    -- The paying days computed now up to the table's last day (those after it are new and computed
    -- anyway): how many, and the last.
    computed_account_summaries as (
        select
            mrr_ranges.account_id,
            sum(
                {{ dbt.datediff(
                    'mrr_ranges.range_start_on',
                    'least(mrr_ranges.range_end_on, stored_days.last_date)',
                    'day'
                ) }}
                + 1
            ) as days,  -- noqa: RF04
            max(least(mrr_ranges.range_end_on, stored_days.last_date)) as last_date
        from mrr_ranges
        cross join stored_days
        where mrr_ranges.range_start_on <= stored_days.last_date
        group by mrr_ranges.account_id
    ),

    -- The fold of each account's facts up to its stored last day, computed now.
    stored_last_day_folds as (
        select
            non_event_day_hashes.account_id,
            bit_xor(non_event_day_hashes.day_hash) as non_event_inputs_fingerprint
        from non_event_day_hashes
        inner join stored_account_summaries
            on non_event_day_hashes.account_id = stored_account_summaries.account_id
        where non_event_day_hashes.signal_date <= stored_account_summaries.last_date
        group by non_event_day_hashes.account_id
    ),

    -- An account's stored rows all hold when it has as many paying days, ending on the same day, and
    -- the fold of its facts up to that day is the stored one: a fact added, changed or removed on or
    -- before it changes the fold, and a paying day added or removed changes the count or the last day.
    -- Only the others are searched for their first changed day, below.
    accounts_to_compare as (
        select coalesce(stored_account_summaries.account_id, computed_account_summaries.account_id) as account_id
        from stored_account_summaries
        full outer join computed_account_summaries
            on stored_account_summaries.account_id = computed_account_summaries.account_id
        left join stored_last_day_folds
            on stored_account_summaries.account_id = stored_last_day_folds.account_id
        where
            stored_account_summaries.account_id is null
            or computed_account_summaries.account_id is null
            or stored_account_summaries.days <> computed_account_summaries.days
            or stored_account_summaries.last_date <> computed_account_summaries.last_date
            or stored_last_day_folds.non_event_inputs_fingerprint is null
            or stored_account_summaries.last_fingerprint <> stored_last_day_folds.non_event_inputs_fingerprint
    ),

    stored_rows_to_compare as (
        select
            account_id,
            date,
            non_event_inputs_fingerprint
        from {{ this }}
        where account_id in (select accounts_to_compare.account_id from accounts_to_compare)
    ),

    -- A paying day's fingerprint is the fold of its account's day hashes up to it, its own day's included.
    -- It changes only on days with facts, and every MRR range starts with one (its MRR change), so the
    -- paying days fall into runs of one fingerprint: from a day with facts to the day before the next one,
    -- within one MRR range. The runs compare with the stored ones (macro
    -- accounts_with_changed_fingerprint), so finding a change costs as many rows as there are facts,
    -- not paying days.
    fact_day_folds as (
        select
            account_id,
            signal_date,
            bit_xor(day_hash) over (
                partition by account_id order by signal_date rows between unbounded preceding and current row
            ) as non_event_inputs_fingerprint,
            lead(signal_date) over (partition by account_id order by signal_date) as next_fact_date
        from non_event_day_hashes
        where account_id in (select accounts_to_compare.account_id from accounts_to_compare)
    ),

    -- only the days the table holds: the days after its last one are new and computed anyway
    clipped_fingerprint_runs as (
        select
            fact_day_folds.account_id,
            fact_day_folds.non_event_inputs_fingerprint,
            fact_day_folds.signal_date as first_date,
            least(
                coalesce(cast(fact_day_folds.next_fact_date - 1 as date), mrr_ranges.range_end_on),
                mrr_ranges.range_end_on,
                stored_days.last_date
            ) as last_date
        from fact_day_folds
        inner join mrr_ranges
            on
                fact_day_folds.account_id = mrr_ranges.account_id
                and fact_day_folds.signal_date between mrr_ranges.range_start_on and mrr_ranges.range_end_on
        cross join stored_days
        where fact_day_folds.signal_date <= stored_days.last_date
    ),

    compared_fingerprint_runs as (
        select
            *,
            {{ dbt.datediff('first_date', 'last_date', 'day') }}
            + 1 as days  -- noqa: RF04
        from clipped_fingerprint_runs
    ),

{% endif %}

{% if recomputes_by_account %}

    -- Every account from the first new day (or var `event_backfill_start_date`)...
    recompute_window as (
        select
            {{ daily_recompute_start_date('events', 'activity_date', 'received_at', late_events=false) }}
                as start_date,
            {{ as_of_date() }} as end_date
    ),

    -- ...and an account from an earlier day with an event received after the table's watermark, or
    -- with a changed fingerprint.
    changed_account_days as (
        select
            account_id,
            activity_date as first_changed_date
        from events
        {%- if events_watermark is not none %}
            where received_at > {{ events_watermark }}
        {%- endif %}
        union all
        select
            account_id,
            first_changed_date
        from (
            {{ accounts_with_changed_fingerprint(
                'stored_rows_to_compare', 'compared_fingerprint_runs', 'non_event_inputs_fingerprint'
            ) }}
        ) as changed_fingerprints
    ),

    account_recompute_starts as (
        select
            changed_account_days.account_id,
            min(changed_account_days.first_changed_date) as first_computed_date
        from changed_account_days
        cross join recompute_window
        group by changed_account_days.account_id
        having min(changed_account_days.first_changed_date) < min(recompute_window.start_date)
    ),

{% else %}

    recompute_window as (
        select
            least(
                {{ daily_recompute_start_date('events', 'activity_date', 'received_at') }},
                {{ first_day_with_changed_fingerprint(
                    'stored_rows_to_compare', 'compared_fingerprint_runs', 'non_event_inputs_fingerprint'
                ) }}
            ) as start_date,
            {{ as_of_date() }} as end_date
    ),

    -- every account is recomputed from the same day
    account_recompute_starts as (
        select
            cast(null as {{ dbt.type_string() }}) as account_id,
            cast(null as date) as first_computed_date
        where false
    ),

{% endif %}

-- Each account's first computed day, and where its windows start reading: every account with an MRR
-- range, and those recomputed from an earlier day, which may have none left.
account_windows as (
    select
        windowed_accounts.account_id,
        coalesce(account_recompute_starts.first_computed_date, recompute_window.start_date) as first_computed_date,
        cast(
            coalesce(account_recompute_starts.first_computed_date, recompute_window.start_date)
            - {{ longest_window_days - 1 }} as date
        ) as signal_start_date
    from (
        select mrr_ranges.account_id from mrr_ranges
        union
        select recomputed_accounts.account_id from account_recompute_starts as recomputed_accounts
    ) as windowed_accounts
    cross join recompute_window
    left join account_recompute_starts
        on windowed_accounts.account_id = account_recompute_starts.account_id
),

-- The whole span read, over every account: its scans skip the days before it.
signal_window as (
    select
        min(account_windows.first_computed_date) as first_computed_date,
        cast(min(account_windows.first_computed_date) - {{ longest_event_window_days - 1 }} as date)
            as event_start_date,
        max(recompute_window.end_date) as end_date
    from account_windows
    cross join recompute_window
),

{% if recomputes_by_account %}

    -- The accounts computed from one of the last few days, as_of_date alone for almost every one (see
    -- the rolling inputs below).
    recent_day_accounts as (
        select account_windows.account_id
        from account_windows
        cross join recompute_window
        where
            account_windows.first_computed_date
            > cast(recompute_window.end_date - {{ days_computed_by_aggregate }} as date)
    ),

{% endif %}

-- the first day whose MRR rose over the day before while paying: an upsell or cross-sell
first_expansions as (
    select
        account_id,
        min(range_start_on) as first_expanded_on
    from mrr_ranges
    where
        previous_day_mrr > 0
        and mrr > previous_day_mrr
    group by account_id
),

-- The paying days computed, each MRR range expanded to its days from the account's first computed day,
-- with the account's facts that the rows derive from their day (onboarding, first expansion): they ride
-- on the paying days' rows through the windows, so no join follows the windows (DuckDB would hash the
-- windows' output there, misjudging its size).
paying_day_series as (
    select
        mrr_ranges.account_id,
        mrr_ranges.mrr,
        {{ date_series(
            'greatest(mrr_ranges.range_start_on, account_windows.first_computed_date)',
            'least(mrr_ranges.range_end_on, signal_window.end_date)',
            'day'
        ) }} as day_start
    from mrr_ranges
    inner join account_windows
        on mrr_ranges.account_id = account_windows.account_id
    cross join signal_window
    where mrr_ranges.range_end_on >= account_windows.first_computed_date
),

paying_days as (
    select
        paying_day_series.account_id,
        cast(paying_day_series.day_start as date) as signal_date,
        paying_day_series.mrr,
        {{ column_list(carried_facts) }}
    from paying_day_series
    left join onboarding
        on paying_day_series.account_id = onboarding.account_id
    left join first_expansions
        on paying_day_series.account_id = first_expansions.account_id
),

-- The days of the event window, joined by equality: the scan of the events then skips the other days.
event_window_days as (
    select calendar_days.date_day
    from calendar_days
    cross join signal_window
    where calendar_days.date_day between signal_window.event_start_date and signal_window.end_date
),

-- The events each account's windows read, and whether the account is computed on as_of_date alone.
-- Inlined: each reader scans only its columns.
windowed_events as {{ not_materialized() }} (
    select
        events.*,
        {%- if recomputes_by_account %}
            -- no earlier day of its own, in a run that computes one day
            account_recompute_starts.account_id is null
            and recompute_window.start_date = recompute_window.end_date as is_computed_on_last_day_only
        {%- else %}
            false as is_computed_on_last_day_only
        {%- endif %}
    from events
    inner join event_window_days
        on events.activity_date = event_window_days.date_day
    cross join recompute_window
    left join account_recompute_starts
        on events.account_id = account_recompute_starts.account_id
    where
        events.activity_date >= cast(
            coalesce(account_recompute_starts.first_computed_date, recompute_window.start_date)
            - {{ longest_event_window_days - 1 }} as date
        )
),

account_event_days as (
    select
        windowed_events.account_id,
        windowed_events.activity_date as signal_date,
        max(windowed_events.event_name = 'login') as has_login,
        max(coalesce(feature_catalog.is_core, false)) as has_core_feature_use,
        max(windowed_events.received_at) as max_received_at
    from windowed_events
    left join feature_catalog
        on windowed_events.event_name = feature_catalog.event_name
    group by windowed_events.account_id, windowed_events.activity_date
),

user_active_days as (
    select distinct
        account_id,
        user_id,
        activity_date,
        is_computed_on_last_day_only
    from windowed_events
),

-- A user counts as active on day D when active on some day of D-29..D: each active day covers
-- 30 days, and covers that touch or overlap merge into one spell (gaps and islands). A spell starts on
-- an active day with none in the 30 days before it, and ends 30 days after one with none in the 30
-- days after it.
user_active_day_neighbours as (
    select
        account_id,
        user_id,
        activity_date,
        lag(activity_date) over (partition by account_id, user_id order by activity_date) as previous_active_date,
        lead(activity_date) over (partition by account_id, user_id order by activity_date) as next_active_date
    from user_active_days
    where not is_computed_on_last_day_only
),

active_user_changes as (
    select
        account_id,
        activity_date as signal_date,
        1 as active_user_change
    from user_active_day_neighbours
    where previous_active_date is null or previous_active_date < activity_date - 30
    union all
    select
        account_id,
        cast(activity_date + 30 as date) as signal_date,
        -1 as active_user_change
    from user_active_day_neighbours
    where next_active_date is null or next_active_date > activity_date + 30
    {%- if recomputes_by_account %}
        -- An account computed on as_of_date alone: its users active on D-29..D, counted once on D. Only
        -- here, where the user-days are a month's: a second reader makes DuckDB hold them all in memory.
        union all
        select
            user_active_days.account_id,
            signal_window.end_date as signal_date,
            count(distinct user_active_days.user_id) as active_user_change
        from user_active_days
        cross join signal_window
        where
            user_active_days.is_computed_on_last_day_only
            and user_active_days.activity_date >= cast(signal_window.end_date - 29 as date)
        group by user_active_days.account_id, signal_window.end_date
    {%- endif %}
),

-- The running totals and the fingerprint also need every change before the signal window: folded into
-- one row per account and signal on its first day. Only the non-event facts and their day hashes reach
-- back that far: the events are read from 29 days before the first computed day, well inside it.
prior_running_totals as (
    select
        non_event_signals.account_id,
        account_windows.signal_start_date as signal_date,
        non_event_signals.signal_name,
        sum(non_event_signals.signal_value) as signal_value,
        null as day_hash
    from non_event_signals
    inner join account_windows
        on non_event_signals.account_id = account_windows.account_id
    where
        non_event_signals.signal_date < account_windows.signal_start_date
        and non_event_signals.signal_name in ({{ running_total_signals(rolling_windows) }})
    group by non_event_signals.account_id, account_windows.signal_start_date, non_event_signals.signal_name
    union all
    select
        non_event_day_hashes.account_id,
        account_windows.signal_start_date as signal_date,
        'non_event_day_hash' as signal_name,
        null as signal_value,
        bit_xor(non_event_day_hashes.day_hash) as day_hash
    from non_event_day_hashes
    inner join account_windows
        on non_event_day_hashes.account_id = account_windows.account_id
    where non_event_day_hashes.signal_date < account_windows.signal_start_date
    group by non_event_day_hashes.account_id, account_windows.signal_start_date
),

-- One row per account and day for the paying days and the days with events, the bulk of the rows:
-- the windows below cost per row and per rolling input, so the fewer rows the cheaper. A join of two
-- sets unique by account and day, whose hash table DuckDB spills when it must.
paying_and_active_days as (
    select
        coalesce(paying_days.account_id, account_event_days.account_id) as account_id,
        coalesce(paying_days.signal_date, account_event_days.signal_date) as signal_date,
        paying_days.mrr,
        {{ column_list(carried_facts, 'paying_days') }},
        account_event_days.has_login,
        account_event_days.has_core_feature_use,
        account_event_days.max_received_at
    from paying_days
    full outer join account_event_days
        on
            paying_days.account_id = account_event_days.account_id
            and paying_days.signal_date = account_event_days.signal_date
),

-- The signal rows, a column for each signal, each source's values in the columns it fills (the others
-- null): the windows read them as they are. The other sources stay rows of their own rather than
-- being aggregated into one row per account-day: an aggregate holding a state per signal and group
-- does not spill reliably in DuckDB and ran out of memory at 96M events, while the windows' one sort
-- is all the memory these rows hold.
daily_signals as (
    {{ signal_rows(signal_sources, signal_columns) }}
),

-- The rolling windows read the signal window, where the rows from before it are folded (above). MRR is
-- a value of its own day, only on the days computed (the paying days start there): the rows before them
-- hold only the sparse signals and the events of the event window. The windows sum doubles, several
-- times faster than decimals and exact here: every summed signal is a whole number.
windowed_signals as (
    select
        daily_signals.account_id,
        daily_signals.signal_date as date,  -- noqa: RF04
        {{ column_list(signal_columns, 'daily_signals') }}
    from daily_signals
    inner join account_windows
        on daily_signals.account_id = account_windows.account_id
    where daily_signals.signal_date >= account_windows.signal_start_date
),

-- An account recomputed from one of the last few days needs each window on those days only: an
-- aggregate of its rows per computed day (the rolling inputs) instead of window functions over every
-- row, and its active users counted at once when computed on as_of_date alone. The others, and every
-- account on a full build, take the window functions over all their rows; the rows that are paying
-- days (those with MRR) are kept below.

rolling_inputs_over_days as (
    select
        account_id,
        date,
        mrr,
        {{ column_list(carried_facts, '') }},
        {{ rolling_window_columns(rolling_windows) }}
    from windowed_signals
    {%- if recomputes_by_account %}
        where
            not exists (
                select 1
                from recent_day_accounts
                where recent_day_accounts.account_id = windowed_signals.account_id
            )
    {%- endif %}
),

{% if recomputes_by_account %}

    -- the days computed: the paying days' rows start on the first one
    recent_computed_days as (
        select
            windowed_signals.account_id,
            windowed_signals.date as computed_date
        from windowed_signals
        inner join recent_day_accounts
            on windowed_signals.account_id = recent_day_accounts.account_id
        where windowed_signals.mrr is not null
    ),

    -- Each computed day with the account's rows up to it: later days hold changes already known (a
    -- ticket's 90th day), not yet counted.
    recent_account_signals as (
        select
            windowed_signals.*,
            recent_computed_days.computed_date as last_day
        from windowed_signals
        inner join recent_computed_days
            on
                windowed_signals.account_id = recent_computed_days.account_id
                and windowed_signals.date <= recent_computed_days.computed_date
    ),

    -- the account's facts are on each of its paying days' rows
    rolling_inputs_on_recent_days as (
        select
            account_id,
            last_day as date,  -- noqa: RF04
            max(case when date = last_day then mrr end) as mrr,
            {{ column_list(carried_facts, '', 'max') }},
            {{ rolling_window_columns(rolling_windows, 'last_day') }}
        from recent_account_signals
        group by account_id, last_day
    ),

    rolling_inputs as (
        select * from rolling_inputs_over_days
        union all
        select * from rolling_inputs_on_recent_days
    ),

{% else %}

    rolling_inputs as (
        select * from rolling_inputs_over_days
    ),

{% endif %}

computed_rows as (
    select
        rolling_inputs.account_id,
        rolling_inputs.date,
        cast(rolling_inputs.mrr as decimal(18, 2)) as mrr,
        {{ assign_segment('rolling_inputs.mrr', 'rolling_inputs.provisioned_users') }} as segment,
        rolling_inputs.provisioned_users,
        rolling_inputs.active_users_30d,
        rolling_inputs.login_days_alert_window,
        rolling_inputs.login_days_30d,
        rolling_inputs.login_days_red_window,
        rolling_inputs.core_feature_days_30d,
        cast(
            {{ dbt.datediff(to_local_date('rolling_inputs.onboarding_started_at'), 'rolling_inputs.date', 'day') }}
            as integer
        ) as tenure_days,
        rolling_inputs.onboarding_started_at,
        -- only an activation that has happened by the end of the day, so the row never changes later
        case
            when rolling_inputs.activated_at < {{ end_of_local_day_utc('rolling_inputs.date') }}
                then rolling_inputs.activated_at
        end as activated_at,
        coalesce(rolling_inputs.kickoff_at < {{ end_of_local_day_utc('rolling_inputs.date') }}, false) as kickoff_held,
        coalesce(
            rolling_inputs.activated_at < {{ end_of_local_day_utc('rolling_inputs.date') }}, false
        ) as is_activated,
        rolling_inputs.engagement_activities_90d,
        coalesce(rolling_inputs.first_expanded_on <= rolling_inputs.date, false) as has_expanded,
        rolling_inputs.latest_nps_score_180d,
        rolling_inputs.csat_responses_180d,
        cast(
            rolling_inputs.csat_score_sum_180d / nullif(rolling_inputs.csat_responses_180d, 0) as decimal(4, 2)
        ) as avg_csat_score_180d,
        rolling_inputs.open_tickets,
        rolling_inputs.urgent_tickets_90d,
        rolling_inputs.bad_ratings_90d,
        rolling_inputs.detractor_responses_30d,
        rolling_inputs.failed_invoices,
        rolling_inputs.latest_event_received_at,
        rolling_inputs.non_event_inputs_fingerprint,
        {{ run_started_at_utc() }} as derived_at
    from rolling_inputs
    -- the paying days computed: only their rows carry MRR
    where rolling_inputs.mrr > 0
),

{% if recomputes_by_account %}

    -- Stored days of the recomputed accounts that are no longer paying: the batch replaces each with a
    -- row of nulls, which the post-hook deletes (macro delete_dropped_account_days).
    dropped_account_days as (
        select
            stored_rows.account_id,
            stored_rows.date
        from {{ this }} as stored_rows
        inner join account_windows
            on
                stored_rows.account_id = account_windows.account_id
                and stored_rows.date >= account_windows.first_computed_date
        where
            stored_rows.date >= (select signal_window.first_computed_date from signal_window)
            and not exists (
                select 1
                from computed_rows
                where
                    computed_rows.account_id = stored_rows.account_id
                    and computed_rows.date = stored_rows.date
            )
    ),

    final as (
        select * from computed_rows
        union all by name
        select
            account_id,
            date
        from dropped_account_days
    )

{% else %}

    final as (
        select * from computed_rows
    )

{% endif %}

select * from final

{#- A run scores the inputs' rows derived since it last ran: DuckDB replaces those account-days and
    then drops the stored ones the inputs no longer hold (macro `delete_account_days_missing_from`).
    Spark overwrites whole day partitions, so there it scores every row from the first such day. -#}
{%- set rebuild_keys = day_rebuild_keys('date', ['account_id']) -%}
{%- set scored_until = incremental_stored_value('max(derived_at)') -%}

{{
    config(
        on_schema_change='fail',
        post_hook="{{ delete_account_days_missing_from(ref('int_health__account_daily_inputs')) }}",
        **incremental_by_day('date', rebuild_keys)
    )
}}

with

-- Inlined: each reader then scans only the columns and days it needs.
daily_inputs as {{ not_materialized() }} (
    select * from {{ ref('int_health__account_daily_inputs') }}
),

health_score_weights as (
    select * from {{ ref('health_score_weights') }}
),

health_formula_parameters as (
    select * from {{ ref('health_formula_parameters') }}
),

component_weights as (
    -- a component missing from the seed leaves the weight null, so the score is null and fails its test
    select
        max(case when component = 'usage' then weight end) as usage_weight,
        max(case when component = 'relationship' then weight end) as relationship_weight,
        max(case when component = 'satisfaction' then weight end) as satisfaction_weight,
        max(case when component = 'support' then weight end) as support_weight
    from health_score_weights
),

formula_parameters as (
    -- a parameter missing from the seed is null, so are the components using it, which fails their tests
    select
        cast(max(case when parameter = 'usage_login_days_cap' then value end) as bigint) as login_days_cap,
        cast(max(case when parameter = 'usage_core_feature_days_cap' then value end) as bigint)
            as core_feature_days_cap,
        cast(max(case when parameter = 'relationship_tenure_days_cap' then value end) as bigint) as tenure_days_cap,
        cast(max(case when parameter = 'relationship_engagement_activities_cap' then value end) as bigint)
            as engagement_activities_cap,
        max(case when parameter = 'support_open_ticket_penalty' then value end) as open_ticket_penalty,
        max(case when parameter = 'support_urgent_ticket_penalty' then value end) as urgent_ticket_penalty,
        max(case when parameter = 'support_bad_rating_penalty' then value end) as bad_rating_penalty
    from health_formula_parameters
),

-- Each run stamps the inputs' rows it derives (`derived_at`), so the rows derived after this table's
-- latest stamp are those changed since it scored them (every row on a full build).
inputs_to_score as (
    select daily_inputs.*
    from daily_inputs
    {%- if scored_until is not none %}
        {%- if rebuild_keys | length > 1 %}
            where daily_inputs.derived_at > cast('{{ scored_until }}' as timestamp)
        {%- else %}
            where daily_inputs.date >= (
                select min(derived_rows.date)
                from daily_inputs as derived_rows
                where derived_rows.derived_at > cast('{{ scored_until }}' as timestamp)
            )
        {%- endif %}
    {%- endif %}
),

days_to_score as (
    select
        inputs_to_score.*,
        greatest(inputs_to_score.provisioned_users, inputs_to_score.active_users_30d, 1) as seat_base,
        least(greatest(inputs_to_score.tenure_days, 0), formula_parameters.tenure_days_cap) as counted_tenure_days,
        formula_parameters.*
    from inputs_to_score
    cross join formula_parameters
),

component_scores as (
    select
        account_id,
        date,
        mrr,
        segment,
        latest_event_received_at,
        non_event_inputs_fingerprint,
        -- 100 x (0.4 x logins / L + 0.3 x active / seats + 0.3 x core days / C), taken over the common
        -- denominator L x C x seats so that it is rounded exactly (half up) on every engine
        cast({{ divide_and_round(
            '40 * core_feature_days_cap * least(login_days_30d, login_days_cap) * seat_base
            + 30 * login_days_cap * core_feature_days_cap * active_users_30d
            + 30 * login_days_cap * least(core_feature_days_30d, core_feature_days_cap) * seat_base',
            '(login_days_cap * core_feature_days_cap * seat_base)'
        ) }} as decimal(5, 2)) as usage_score,
        -- 100 x (0.3 x tenure / T + 0.15 x kickoff + 0.25 x activated + 0.15 x engagement / E + 0.15 x
        -- expanded), over the common denominator T x E, rounded exactly like usage
        cast({{ divide_and_round(
            '30 * engagement_activities_cap * counted_tenure_days
            + 15 * tenure_days_cap * least(engagement_activities_90d, engagement_activities_cap)
            + (
                15 * cast(kickoff_held as bigint)
                + 25 * cast(is_activated as bigint)
                + 15 * cast(has_expanded as bigint)
            ) * tenure_days_cap * engagement_activities_cap',
            '(tenure_days_cap * engagement_activities_cap)'
        ) }} as decimal(5, 2)) as relationship_score,
        -- no answer in the window scores as a neutral passive 7 and a CSAT of 4
        cast(round(100 * (
            0.7 * coalesce(latest_nps_score_180d, 7) / 10
            + 0.3 * (coalesce(avg_csat_score_180d, 4) - 1) / 4
        ), 2) as decimal(5, 2)) as satisfaction_score,
        -- exact: the penalties are decimals of at most 4 places
        cast(round(100 * (
            1 - least(
                1,
                open_ticket_penalty * open_tickets
                + urgent_ticket_penalty * urgent_tickets_90d
                + bad_rating_penalty * bad_ratings_90d
            )
        ), 2) as decimal(5, 2)) as support_score,
        coalesce(
            login_days_red_window = 0
            and onboarding_started_at
            <= {{ dbt.dateadd('day', -var('health_no_login_red_days'), end_of_local_day_utc('date')) }},
            false
        ) as is_no_login_override
    from days_to_score
),

weighted_scores as (
    select
        component_scores.*,
        -- the weighted mean rounded exactly (half up): weights have 4 decimals, so 10000 x their sum
        -- is a whole number
        cast({{ divide_and_round(
            '(
                component_scores.usage_score * component_weights.usage_weight
                + component_scores.relationship_score * component_weights.relationship_weight
                + component_scores.satisfaction_score * component_weights.satisfaction_weight
                + component_scores.support_score * component_weights.support_weight
            ) * 10000',
            'cast((
                component_weights.usage_weight
                + component_weights.relationship_weight
                + component_weights.satisfaction_weight
                + component_weights.support_weight
            ) * 10000 as integer)'
        ) }} as decimal(5, 2)) as health_score
    from component_scores
    cross join component_weights
),

final as (
    select
        account_id,
        date,
        usage_score,
        relationship_score,
        satisfaction_score,
        support_score,
        health_score,
        case
            when is_no_login_override then 'red'
            when health_score < {{ var('health_red_below') }} then 'red'
            when health_score >= {{ var('health_green_min') }} then 'green'
            else 'yellow'
        end as health_color,
        is_no_login_override,
        mrr,
        segment,
        latest_event_received_at,
        non_event_inputs_fingerprint,
        {{ run_started_at_utc() }} as derived_at
    from weighted_scores
)

select * from final

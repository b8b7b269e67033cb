{#- The daily facts of each account other than product events, MRR and onboarding, one row per
    account, local day and signal: the changes of the running totals (provisioned users, open tickets,
    failed invoices) and the day's counts of the windowed ones. Their sources carry no arrival time and
    are small, so the table is rebuilt whole on every run, beside the event models. The health inputs
    read it, and hash each day's facts into the fingerprint that finds late ones by content. -#}
{%- set signal_sources = [] -%}
{%- for relation, signal in [
    ('provisioned_user_changes', 'provisioned_user_change'),
    ('engagement_activity_days', 'engagement_activities'),
    ('open_ticket_changes', 'open_ticket_change'),
    ('urgent_ticket_days', 'urgent_tickets'),
    ('bad_rating_days', 'bad_ratings'),
    ('survey_days', 'latest_nps_score'),
    ('survey_days', 'csat_score_sum'),
    ('survey_days', 'csat_responses'),
    ('survey_days', 'detractor_responses'),
    ('failed_invoice_changes', 'failed_invoice_change'),
] -%}
    {%- do signal_sources.append(
        {'relation': relation, 'signal_name': "'" ~ signal ~ "'", 'columns': {'signal_value': signal}}
    ) -%}
{%- endfor -%}

with

users as (
    select * from {{ ref('stg_product__users') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

tickets as (
    select * from {{ ref('stg_crm__tickets') }}
),

survey_responses as (
    select * from {{ ref('int_satisfaction__deduplicated_responses') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

-- The local date of each UTC hour of the five years to the end of as_of_date (macro
-- hourly_local_dates): the facts' times are joined to their hour, and only older ones are converted
-- one by one (converting every one was 40% of this model's query).
hourly_local_dates as {{ materialized_once() }} (
    {{ hourly_local_dates(dbt.dateadd('day', -hourly_local_dates_span_days(), as_of_end_utc()), as_of_end_utc()) }}
),

-- A user is provisioned from its creation until its deactivation. A user deactivated no later than
-- created is never provisioned: it makes no change, where a -1 before its +1 would count it below zero
-- on the days between.
provisioned_users as (
    select
        account_id,
        created_at,
        deactivated_at
    from users
    where
        created_at < {{ as_of_end_utc() }}
        and (deactivated_at is null or deactivated_at > created_at)
),

provisioned_user_changes as (
    select
        provisioned_users.account_id,
        {{ looked_up_local_date('provisioned_users.created_at', 'created_hours') }} as signal_date,
        1 as provisioned_user_change
    from provisioned_users
    {{ join_hourly_local_dates('provisioned_users.created_at', 'created_hours') }}
    union all
    select
        provisioned_users.account_id,
        {{ looked_up_local_date('provisioned_users.deactivated_at', 'deactivated_hours') }} as signal_date,
        -1 as provisioned_user_change
    from provisioned_users
    {{ join_hourly_local_dates('provisioned_users.deactivated_at', 'deactivated_hours') }}
    where provisioned_users.deactivated_at < {{ as_of_end_utc() }}
),

engagement_activity_days as (
    select
        activities.account_id,
        activities.occurred_on as signal_date,
        count(*) as engagement_activities
    from activities
    where activities.activity_type in ('webinar', 'user_event', 'training')
    group by activities.account_id, activities.occurred_on
),

ticket_spans as (
    select
        tickets.account_id,
        tickets.created_on,
        tickets.priority,
        -- a solve after the end of as_of_date has not happened yet for this run
        case
            when tickets.solved_at < {{ as_of_end_utc() }}
                then {{ looked_up_local_date('tickets.solved_at', 'solved_hours') }}
        end as solved_on,
        case
            when tickets.solved_at < {{ as_of_end_utc() }} then tickets.satisfaction_rating
        end as satisfaction_rating
    from tickets
    {{ join_hourly_local_dates('tickets.solved_at', 'solved_hours') }}
),

-- a ticket counts as open from its creation day until it is solved or 90 days old
open_ticket_changes as (
    select
        account_id,
        created_on as signal_date,
        1 as open_ticket_change
    from ticket_spans
    union all
    select
        account_id,
        least(coalesce(solved_on, cast(created_on + 90 as date)), cast(created_on + 90 as date)) as signal_date,
        -1 as open_ticket_change
    from ticket_spans
),

urgent_ticket_days as (
    select
        account_id,
        created_on as signal_date,
        1 as urgent_tickets
    from ticket_spans
    where priority = 'urgent'
),

bad_rating_days as (
    select
        account_id,
        solved_on as signal_date,
        1 as bad_ratings
    from ticket_spans
    where satisfaction_rating = 'bad'
),

survey_days as (
    select
        survey_responses.account_id,
        {{ looked_up_local_date('survey_responses.responded_at', 'responded_hours') }} as signal_date,
        max_by(
            case when survey_responses.survey_type = 'nps' then survey_responses.score end,
            case when survey_responses.survey_type = 'nps' then survey_responses.responded_at end
        ) as latest_nps_score,
        sum(case when survey_responses.survey_type = 'csat' then survey_responses.score else 0 end) as csat_score_sum,
        count(case when survey_responses.survey_type = 'csat' then 1 end) as csat_responses,
        count(case when survey_responses.category = 'detractor' then 1 end) as detractor_responses
    from survey_responses
    {{ join_hourly_local_dates('survey_responses.responded_at', 'responded_hours') }}
    group by
        survey_responses.account_id,
        {{ looked_up_local_date('survey_responses.responded_at', 'responded_hours') }}
),

-- An invoice fails on its due day unless paid by the end of that day, and stays failed until the day
-- it is paid (a payment after the end of as_of_date has not happened yet for this run). The feed keeps
-- only the current status, so an open or uncollectible invoice counts from its due day and never
-- recovers, whatever paid_at a partial payment left on it.
failed_invoice_spans as (
    select
        invoices.account_id,
        {{ looked_up_local_date('invoices.due_at', 'due_hours') }} as failed_from,
        case
            when invoices.status = 'paid' and invoices.paid_at < {{ as_of_end_utc() }}
                then {{ looked_up_local_date('invoices.paid_at', 'paid_hours') }}
        end as paid_on
    from invoices
    {{ join_hourly_local_dates('invoices.due_at', 'due_hours') }}
    {{ join_hourly_local_dates('invoices.paid_at', 'paid_hours') }}
    where
        invoices.status in ('open', 'paid', 'uncollectible')
        and invoices.created_at < {{ as_of_end_utc() }}
        and invoices.due_at < {{ as_of_end_utc() }}
        -- Paid by the due instant: never failed, and no local day to compute (most invoices).
        and not coalesce(invoices.status = 'paid' and invoices.paid_at <= invoices.due_at, false)
),

failed_invoice_changes as (
    select
        account_id,
        failed_from as signal_date,
        1 as failed_invoice_change
    from failed_invoice_spans
    where paid_on is null or paid_on > failed_from
    union all
    select
        account_id,
        paid_on as signal_date,
        -1 as failed_invoice_change
    from failed_invoice_spans
    where paid_on > failed_from
),

-- every fact above as (signal_name, signal_value): each signal is the column of its name
signal_facts as (
    {{ signal_rows(signal_sources, [{'name': 'signal_value', 'type': 'decimal(18, 2)'}]) }}
),

-- One row per account, day and signal: what the windows read (a sum, or the day's one latest NPS
-- score). A zero adds nothing to a window and a null is never the latest score, so neither is kept.
final as (
    select
        account_id,
        signal_date,
        signal_name,
        -- the facts' own type: a sum widens it to 38 digits
        cast(sum(signal_value) as decimal(18, 2)) as signal_value
    from signal_facts
    group by account_id, signal_date, signal_name
    having sum(signal_value) <> 0 or (signal_name = 'latest_nps_score' and sum(signal_value) is not null)
)

select * from final

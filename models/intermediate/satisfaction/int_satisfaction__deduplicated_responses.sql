with

survey_responses as (
    select * from {{ ref('stg_crm__survey_responses') }}
),

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

responses_in_window as (
    select
        survey_responses.response_id,
        survey_responses.account_id,
        survey_responses.survey_type,
        survey_responses.responded_at,
        survey_responses.score,
        cast({{ dbt.date_trunc('month', 'survey_responses.responded_on') }} as date) as month  -- noqa: RF04
    from survey_responses
    inner join accounts
        on survey_responses.account_id = accounts.account_id
    where
        survey_responses.responded_at < {{ as_of_end_utc() }}
),

-- staging drops exact duplicates; a re-sent answer with the same id keeps its first delivery
deduplicated_responses as (
    {{ first_row_per('responses_in_window', 'response_id', 'responded_at, score nulls last') }}
),

final as (
    select
        response_id,
        account_id,
        survey_type,
        responded_at,
        month,
        score,
        {{ nps_category('score', 'survey_type') }} as category
    from deduplicated_responses
)

select * from final

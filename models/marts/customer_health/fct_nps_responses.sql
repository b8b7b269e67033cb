with

survey_responses as (
    select * from {{ ref('int_satisfaction__survey_responses') }}
),

final as (
    select
        response_id,
        account_id,
        survey_type,
        responded_at,
        month,
        score,
        category,
        segment
    from survey_responses
)

select * from final

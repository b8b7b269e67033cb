with

responses as (
    select * from {{ ref('int_satisfaction__deduplicated_responses') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

final as (
    select
        responses.response_id,
        responses.account_id,
        responses.survey_type,
        responses.responded_at,
        responses.month,
        responses.score,
        responses.category,
        account_monthly_mrr.segment
    from responses
    left join account_monthly_mrr
        on
            responses.account_id = account_monthly_mrr.account_id
            and responses.month = account_monthly_mrr.month
)

select * from final

with source_rows as (
    select
        cast(response_id as string) as response_id,
        cast(account_id as string) as account_id,
        cast(contact_id as string) as contact_id,
        cast(survey_type as string) as survey_type,
        -- The contract names this column with an SQL keyword.
        cast(comment as string) as comment,  -- noqa: RF04
        {{- safe_cast_columns({'score': 'integer', 'responded_at': 'timestamp'}) }}
    from {{ source('crm', 'survey_responses') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls(['response_id', 'account_id', 'survey_type', 'score', 'responded_at']) }}
            {{ reject_unknown('survey_type', ['nps', 'csat']) }}
            when survey_type = 'nps' and score not between 0 and 10 then 'score_out_of_range'
            when survey_type = 'csat' and score not between 1 and 5 then 'score_out_of_range'
            {{- reject_future(['responded_at']) }}
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        response_id,
        account_id,
        contact_id,
        survey_type,
        score,
        comment,
        responded_at,
        {{ to_local_date('responded_at') }} as responded_on,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

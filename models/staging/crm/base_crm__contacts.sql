with source_rows as (
    select
        cast(contact_id as string) as contact_id,
        cast(account_id as string) as account_id,
        cast(email as string) as email,
        cast(full_name as string) as full_name,
        cast(job_title as string) as job_title,
        {{- safe_cast_columns({'is_primary': 'boolean', 'created_at': 'timestamp'}) }}
    from {{ source('crm', 'contacts') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls([
                'contact_id',
                'account_id',
                'email',
                'full_name',
                'is_primary',
                'created_at',
            ]) }}
            {{- reject_future(['created_at']) }}
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        contact_id,
        account_id,
        email,
        full_name,
        job_title,
        is_primary,
        created_at,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

with source_rows as (
    select
        cast(account_id as string) as account_id,
        cast(account_name as string) as account_name,
        cast(industry as string) as industry,
        cast(country as string) as country,
        cast(csm_owner_id as string) as csm_owner_id,
        cast(acquisition_channel as string) as acquisition_channel,
        cast(landing_page_variant as string) as landing_page_variant,
        {{- safe_cast_columns({
            'employee_count': 'integer',
            'created_at': 'timestamp',
            'updated_at': 'timestamp',
            'is_deleted': 'boolean',
        }) }}
    from {{ source('crm', 'accounts') }}
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
                'account_id',
                'account_name',
                'industry',
                'country',
                'created_at',
                'updated_at',
                'is_deleted',
            ]) }}
            when employee_count < 0 then 'negative_employee_count'
            {{- reject_future(['created_at']) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        account_id,
        account_name,
        industry,
        country,
        employee_count,
        csm_owner_id,
        {{ normalise_unknown('acquisition_channel', var('acquisition_channels')) }} as acquisition_channel,
        acquisition_channel as raw_acquisition_channel,
        landing_page_variant,
        created_at,
        {{ to_local_date('created_at') }} as created_on,
        updated_at,
        is_deleted,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

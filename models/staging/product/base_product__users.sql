with source_rows as (
    select
        cast(user_id as string) as user_id,
        cast(account_id as string) as account_id,
        cast(email as string) as email,
        -- The contract names this column with an SQL keyword.
        cast(role as string) as role,  -- noqa: RF04
        {{- safe_cast_columns({'created_at': 'timestamp', 'deactivated_at': 'timestamp'}) }}
    from {{ source('product', 'users') }}
),

distinct_rows as (
    {{ collapse_exact_duplicates('source_rows') }}
),

labelled_rows as (
    select
        *,
        case
            {{- reject_uncastable() }}
            {{- reject_nulls(['user_id', 'account_id', 'email', 'role', 'created_at']) }}
            {{ reject_unknown('role', ['admin', 'member']) }}
            {{- reject_future(['created_at']) }}
            {{- reject_missing_parents([
                {'column': 'account_id', 'model': 'base_crm__accounts', 'key': 'account_id'},
            ]) }}
        end as invalid_reason
    from distinct_rows
),

final as (
    select
        user_id,
        account_id,
        email,
        role,
        created_at,
        deactivated_at,
        delivered_row_count,
        invalid_reason
    from labelled_rows
)

select * from final

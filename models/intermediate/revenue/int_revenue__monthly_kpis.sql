{#- Every kpi_monthly measure per month and scope: the company as a whole (`company`) and each
    touch segment. In a segment an account counts in its segment at the end of M-1 for start-based
    measures and in its segment at the end of M for new, reactivation and end-based measures
    (docs/metrics.md); accounts that change segment while paying are carried by the transfer columns. -#}
with

months as (
    select * from {{ ref('int_revenue__months') }}
),

account_monthly_movements as (
    select * from {{ ref('int_revenue__account_monthly_movements') }}
),

account_monthly_mrr as (
    select * from {{ ref('int_revenue__account_monthly_mrr') }}
),

account_product_monthly_mrr as (
    select * from {{ ref('int_revenue__account_product_monthly_mrr') }}
),

survey_responses as (
    select * from {{ ref('int_satisfaction__survey_responses') }}
),

kpi_scopes as (
    select {{ rows_of_values(['company'] + segment_names()) }} as kpi_scope
),

movement_scopes as (
    select
        account_id,
        month,
        'company' as kpi_scope,
        true as is_start_scope,
        true as is_end_scope
    from account_monthly_movements
    union all
    select
        account_id,
        month,
        previous_segment as kpi_scope,
        true as is_start_scope,
        false as is_end_scope
    from account_monthly_movements
    where previous_segment is not null
    union all
    select
        account_id,
        month,
        segment as kpi_scope,
        false as is_start_scope,
        true as is_end_scope
    from account_monthly_movements
    where segment is not null
),

scoped_movements as (
    select
        movement_scopes.kpi_scope,
        movement_scopes.is_start_scope,
        movement_scopes.is_end_scope,
        movement_scopes.kpi_scope <> 'company'
        and account_monthly_movements.previous_mrr > 0
        and account_monthly_movements.mrr > 0
        and account_monthly_movements.segment <> account_monthly_movements.previous_segment as is_segment_transfer,
        account_monthly_movements.*
    from movement_scopes
    inner join account_monthly_movements
        on
            movement_scopes.account_id = account_monthly_movements.account_id
            and movement_scopes.month = account_monthly_movements.month
),

movement_measures as (
    select
        month,
        kpi_scope,
        count(case when is_start_scope and previous_mrr > 0 then 1 end) as active_accounts_start,
        count(case when is_end_scope and mrr > 0 then 1 end) as active_accounts_end,
        count(case when is_end_scope and movement = 'new' then 1 end) as new_accounts,
        count(case when is_start_scope and movement = 'churn' then 1 end) as churned_accounts,
        count(case when is_end_scope and movement = 'reactivation' then 1 end) as reactivated_accounts,
        count(case when is_start_scope and upsell_mrr + cross_sell_mrr > 0 then 1 end) as expanding_accounts,
        sum(case when is_start_scope then previous_mrr else 0 end) as mrr_start,
        sum(case when is_end_scope then mrr else 0 end) as mrr_end,
        sum(case when is_end_scope then new_mrr else 0 end) as new_mrr,
        sum(case when is_start_scope then expansion_mrr else 0 end) as expansion_mrr,
        sum(case when is_start_scope then contraction_mrr else 0 end) as contraction_mrr,
        sum(case when is_start_scope then churned_mrr else 0 end) as churned_mrr,
        sum(case when is_end_scope then reactivation_mrr else 0 end) as reactivation_mrr,
        sum(case when is_start_scope then upsell_mrr else 0 end) as upsell_mrr,
        sum(case when is_start_scope then cross_sell_mrr else 0 end) as cross_sell_mrr,
        sum(case when is_end_scope and is_segment_transfer then mrr else 0 end) as segment_transfer_in_mrr,
        sum(case when is_start_scope and is_segment_transfer then mrr else 0 end) as segment_transfer_out_mrr
    from scoped_movements
    group by
        month,
        kpi_scope
),

account_margin_weights as (
    select
        account_product_monthly_mrr.account_id,
        account_product_monthly_mrr.month,
        sum(account_product_monthly_mrr.mrr) as product_mrr,
        sum(account_product_monthly_mrr.margin_weighted_mrr) as margin_weighted_mrr
    from account_product_monthly_mrr
    group by
        account_product_monthly_mrr.account_id,
        account_product_monthly_mrr.month
),

scoped_margin_weights as (
    select
        account_margin_weights.month,
        'company' as kpi_scope,
        account_margin_weights.product_mrr,
        account_margin_weights.margin_weighted_mrr
    from account_margin_weights
    union all
    select
        account_margin_weights.month,
        account_monthly_mrr.segment as kpi_scope,
        account_margin_weights.product_mrr,
        account_margin_weights.margin_weighted_mrr
    from account_margin_weights
    inner join account_monthly_mrr
        on
            account_margin_weights.account_id = account_monthly_mrr.account_id
            and account_margin_weights.month = account_monthly_mrr.month
),

margin_measures as (
    select
        month,
        kpi_scope,
        {{ ratio('sum(margin_weighted_mrr)', 'sum(product_mrr)') }} as gross_margin
    from scoped_margin_weights
    group by
        month,
        kpi_scope
),

scoped_responses as (
    select
        month,
        'company' as kpi_scope,
        survey_type,
        score,
        category
    from survey_responses
    union all
    select
        month,
        segment as kpi_scope,
        survey_type,
        score,
        category
    from survey_responses
    where segment is not null
),

response_measures as (
    select
        month,
        kpi_scope,
        count(case when survey_type = 'nps' then 1 end) as nps_responses,
        count(case when category = 'promoter' then 1 end) as nps_promoters,
        count(case when category = 'detractor' then 1 end) as nps_detractors,
        count(case when survey_type = 'csat' then 1 end) as csat_responses,
        count(case when survey_type = 'csat' and score >= 4 then 1 end) as csat_satisfied_responses
    from scoped_responses
    group by
        month,
        kpi_scope
),

scope_months as (
    select
        months.month,
        kpi_scopes.kpi_scope,
        coalesce(movement_measures.active_accounts_start, 0) as active_accounts_start,
        coalesce(movement_measures.active_accounts_end, 0) as active_accounts_end,
        coalesce(movement_measures.new_accounts, 0) as new_accounts,
        coalesce(movement_measures.churned_accounts, 0) as churned_accounts,
        coalesce(movement_measures.reactivated_accounts, 0) as reactivated_accounts,
        coalesce(movement_measures.expanding_accounts, 0) as expanding_accounts,
        coalesce(movement_measures.mrr_start, 0) as mrr_start,
        coalesce(movement_measures.mrr_end, 0) as mrr_end,
        coalesce(movement_measures.new_mrr, 0) as new_mrr,
        coalesce(movement_measures.expansion_mrr, 0) as expansion_mrr,
        coalesce(movement_measures.contraction_mrr, 0) as contraction_mrr,
        coalesce(movement_measures.churned_mrr, 0) as churned_mrr,
        coalesce(movement_measures.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movement_measures.upsell_mrr, 0) as upsell_mrr,
        coalesce(movement_measures.cross_sell_mrr, 0) as cross_sell_mrr,
        coalesce(movement_measures.segment_transfer_in_mrr, 0) as segment_transfer_in_mrr,
        coalesce(movement_measures.segment_transfer_out_mrr, 0) as segment_transfer_out_mrr,
        margin_measures.gross_margin,
        coalesce(response_measures.nps_responses, 0) as nps_responses,
        coalesce(response_measures.nps_promoters, 0) as nps_promoters,
        coalesce(response_measures.nps_detractors, 0) as nps_detractors,
        coalesce(response_measures.csat_responses, 0) as csat_responses,
        coalesce(response_measures.csat_satisfied_responses, 0) as csat_satisfied_responses
    from months
    cross join kpi_scopes
    left join movement_measures
        on
            months.month = movement_measures.month
            and kpi_scopes.kpi_scope = movement_measures.kpi_scope
    left join margin_measures
        on
            months.month = margin_measures.month
            and kpi_scopes.kpi_scope = margin_measures.kpi_scope
    left join response_measures
        on
            months.month = response_measures.month
            and kpi_scopes.kpi_scope = response_measures.kpi_scope
),

trailing_churn as (
    select
        *,
        -- The month series has no gaps, so three rows are the months M-2..M (fewer at its start).
        sum(churned_accounts) over trailing_three_months as churned_accounts_t3m,
        sum(active_accounts_start) over trailing_three_months as active_accounts_start_t3m
    from scope_months
    window trailing_three_months as (
        partition by kpi_scope
        order by month
        rows between 2 preceding and current row
    )
),

final as (
    select
        month,
        kpi_scope,
        cast(active_accounts_start as integer) as active_accounts_start,
        cast(active_accounts_end as integer) as active_accounts_end,
        cast(new_accounts as integer) as new_accounts,
        cast(churned_accounts as integer) as churned_accounts,
        cast(reactivated_accounts as integer) as reactivated_accounts,
        {{ ratio('churned_accounts', 'active_accounts_start') }} as logo_churn_rate,
        cast(mrr_start as decimal(18, 2)) as mrr_start,
        cast(mrr_end as decimal(18, 2)) as mrr_end,
        cast(new_mrr as decimal(18, 2)) as new_mrr,
        cast(expansion_mrr as decimal(18, 2)) as expansion_mrr,
        cast(contraction_mrr as decimal(18, 2)) as contraction_mrr,
        cast(churned_mrr as decimal(18, 2)) as churned_mrr,
        cast(reactivation_mrr as decimal(18, 2)) as reactivation_mrr,
        {{ ratio('churned_mrr + contraction_mrr', 'mrr_start') }} as gross_mrr_churn_rate,
        {{ ratio('mrr_start + expansion_mrr - contraction_mrr - churned_mrr', 'mrr_start') }} as net_mrr_retention,
        cast(upsell_mrr as decimal(18, 2)) as upsell_mrr,
        cast(cross_sell_mrr as decimal(18, 2)) as cross_sell_mrr,
        cast(expanding_accounts as integer) as expanding_accounts,
        {{ ratio('expanding_accounts', 'active_accounts_start') }} as expansion_account_rate,
        -- Exact and half away from zero like MRR: a double quotient can round a half cent down.
        {{ divide_and_round('mrr_end', 'nullif(active_accounts_end, 0)') }} as arpa,
        gross_margin,
        cast(churned_accounts_t3m as integer) as churned_accounts_t3m,
        cast(active_accounts_start_t3m as integer) as active_accounts_start_t3m,
        {{ ratio('churned_accounts_t3m', 'active_accounts_start_t3m') }} as churn_rate_t3m,
        {{ ratio('active_accounts_start_t3m', 'churned_accounts_t3m') }} as avg_lifetime_months,
        cast(
            round(
                {{ ratio('mrr_end', 'active_accounts_end') }}
                * gross_margin
                * {{ ratio('active_accounts_start_t3m', 'churned_accounts_t3m') }},
                2
            ) as decimal(18, 2)
        ) as ltv,
        100 * {{ ratio('nps_promoters - nps_detractors', 'nps_responses') }} as nps,
        cast(nps_responses as integer) as nps_responses,
        cast(nps_promoters as integer) as nps_promoters,
        cast(nps_detractors as integer) as nps_detractors,
        100 * {{ ratio('csat_satisfied_responses', 'csat_responses') }} as csat,
        cast(csat_responses as integer) as csat_responses,
        cast(segment_transfer_in_mrr as decimal(18, 2)) as segment_transfer_in_mrr,
        cast(segment_transfer_out_mrr as decimal(18, 2)) as segment_transfer_out_mrr
    from trailing_churn
)

select * from final

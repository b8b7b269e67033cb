{#- The measure columns of int_revenue__monthly_kpis that every KPI mart publishes, in published
    order, comma separated: kpi_monthly and kpi_monthly_by_segment differ only in their keys and
    the segment-only columns around them. `relation`, when given, qualifies each column. -#}
{% macro kpi_measure_columns(relation=none) -%}
    {%- set measure_columns = [
        'active_accounts_start',
        'active_accounts_end',
        'new_accounts',
        'churned_accounts',
        'reactivated_accounts',
        'logo_churn_rate',
        'mrr_start',
        'mrr_end',
        'new_mrr',
        'expansion_mrr',
        'contraction_mrr',
        'churned_mrr',
        'reactivation_mrr',
        'gross_mrr_churn_rate',
        'net_mrr_retention',
        'upsell_mrr',
        'cross_sell_mrr',
        'expansion_account_rate',
        'arpa',
        'gross_margin',
        'churn_rate_t3m',
        'avg_lifetime_months',
        'ltv',
        'nps',
        'nps_responses',
        'csat',
        'csat_responses',
    ] -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set qualified_columns = [] -%}
    {%- for column in measure_columns -%}
        {%- do qualified_columns.append(prefix ~ column) -%}
    {%- endfor -%}
    {{ qualified_columns | join(',\n        ') }}
{%- endmacro %}

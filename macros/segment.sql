{#- The touch-model segment of an account from its MRR (reporting currency) and provisioned users,
    thresholds from the segment_* vars. Accounts without MRR have no segment. Used for every
    month-end and for the as_of_date snapshot so the rule exists once. -#}
{% macro assign_segment(mrr, provisioned_users) -%}
    case
        when {{ mrr }} is null or {{ mrr }} <= 0 then null
        when
            {{ mrr }} >= {{ var('segment_high_mrr') }}
            or {{ provisioned_users }} >= {{ var('segment_high_users') }}
            then 'high_touch'
        when
            {{ mrr }} >= {{ var('segment_low_mrr') }}
            or {{ provisioned_users }} >= {{ var('segment_low_users') }}
            then 'low_touch'
        else 'tech_touch'
    end
{%- endmacro %}

{#- The segment names, highest touch first: every segment gets a row in per-segment tables. -#}
{% macro segment_names() -%}
    {{ return(['high_touch', 'low_touch', 'tech_touch']) }}
{%- endmacro %}

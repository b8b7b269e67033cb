{#- One movement per row, consistent with the MRR: fails on every row whose movement does not
    follow from previous_mrr, mrr and whether the account paid in an earlier month of the model
    (docs/metrics.md), or whose amount columns are not exactly the movement's amount with every other
    amount 0. -#}
{% test mrr_movement_is_consistent(model, column_name, account_column='account_id', month_column='month') %}

with paid_history as (
    select
        *,
        coalesce(
            max(case when mrr > 0 then 1 else 0 end) over (
                partition by {{ account_column }}
                order by {{ month_column }}
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) = 1 as has_paid_before
    from {{ model }}
),

expected as (
    select
        *,
        case
            when previous_mrr = 0 and mrr > 0 and not has_paid_before then 'new'
            when previous_mrr = 0 and mrr > 0 then 'reactivation'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            when previous_mrr > 0 and mrr > previous_mrr then 'expansion'
            when previous_mrr > 0 and mrr < previous_mrr then 'contraction'
            when previous_mrr > 0 and mrr = previous_mrr then 'retained'
        end as expected_movement
    from paid_history
)

select *
from expected
where
    {{ column_name }} is distinct from expected_movement
    or new_mrr is distinct from (case when expected_movement = 'new' then mrr else 0 end)
    or reactivation_mrr is distinct from (case when expected_movement = 'reactivation' then mrr else 0 end)
    or expansion_mrr is distinct from (
        case when expected_movement = 'expansion' then mrr - previous_mrr else 0 end
    )
    or contraction_mrr is distinct from (
        case when expected_movement = 'contraction' then previous_mrr - mrr else 0 end
    )
    or churned_mrr is distinct from (case when expected_movement = 'churn' then previous_mrr else 0 end)

{% endtest %}

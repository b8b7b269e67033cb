{#- The MRR bridge: fails on every row where end_column is not start_column + the sum of
    `increases` - the sum of `decreases` (exactly: the amounts are rounded decimals). -#}
{% test mrr_bridge_balances(model, start_column, end_column, increases, decreases) %}

select
    *,
    {{ start_column }} + {{ increases | join(' + ') }} - {{ decreases | join(' - ') }} as bridged_end
from {{ model }}
where {{ end_column }} is distinct from (
    {{ start_column }} + {{ increases | join(' + ') }} - {{ decreases | join(' - ') }}
)

{% endtest %}

{#- Fails (usually configured to warn) on every row of a model that lists problems someone must act on,
    e.g. raw files set aside or accounts kept out of the revenue KPIs: the test output names them. -#}
{% test has_no_rows(model) %}

select *
from {{ model }}

{% endtest %}

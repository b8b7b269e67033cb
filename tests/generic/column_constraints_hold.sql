{#- Every `not_null` and `check` constraint declared on the tested model's columns (YAML
    `constraints:`), proved in one query: one test node per model rather than one per column, which
    keeps the fixed cost of a build down. Fails on every row that breaks one, with the constraints it
    breaks in `broken_constraints`; a check whose expression is null passes, as in SQL.
    Where a mart's contract is enforced (DuckDB, Postgres) the database already refuses such rows when
    the table is built; this test proves the same rules wherever nothing enforces them (views,
    intermediate tables, Spark), so it runs on every model that declares one.
    It takes no arguments: the constraints are read from the model's node in the graph (`model` here
    is this test's node, `kwargs.model` the relation under test). -#}
{% test column_constraints_hold() %}

{%- set relation = kwargs.model -%}
{%- set rules = [] -%}
{%- if execute -%}
    {%- set tested_node = graph.nodes[model.attached_node] -%}
    {%- for column in tested_node.columns.values() -%}
        {%- for constraint in column.constraints -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do rules.append({'broken': column.name ~ ' is null', 'name': column.name ~ ' not null'}) -%}
            {%- elif constraint.type == 'check' -%}
                {%- do rules.append({'broken': 'not (' ~ constraint.expression ~ ')', 'name': constraint.expression}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if rules | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "column_constraints_hold on " ~ tested_node.name ~ " (" ~ tested_node.original_file_path ~ "): no column "
            ~ "declares a not_null or check constraint. Declare them under the columns' `constraints:` or "
            ~ "remove the test."
        ) }}
    {%- endif -%}
{%- endif %}

select
    *,
    concat_ws(
        ', '
        {%- for rule in rules %},
        case when {{ rule.broken }} then '{{ rule.name | replace("'", "''") }}' end
        {%- endfor %}
    ) as broken_constraints
from {{ relation }}
where
    false
    {%- for rule in rules %}
    or {{ rule.broken }}
    {%- endfor %}

{% endtest %}

{#- A gross margin (fraction 0-1), or var default_gross_margin where it is unknown (null): a product
    missing from the seed product_margins, a charge without a product (docs/metrics.md). -#}
{% macro margin_or_default(margin) -%}
    coalesce({{ margin }}, {{ var('default_gross_margin') }})
{%- endmacro %}

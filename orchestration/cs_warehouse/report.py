"""The CS report: one static HTML file of the weekly customer-success charts, read from the serving database.

Charts are Vega-Lite specs built with Altair and drawn in the browser by vega-embed, whose JavaScript
bundle (from vl-convert, no network) is inlined once: the file opens offline, and each chart keeps its
tooltips. Every chart is a `<div class="chart">` so a test can check that each one drew.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import pandas as pd
import vl_convert

REPORT_FILE_NAME = "cs_report.html"
CHART_WIDTH = 640
CHART_HEIGHT = 260
HEALTH_COLORS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}
# The MRR bridge covers the last twelve months of the series (or all of it when shorter).
BRIDGE_MONTHS = 12


@dataclass(frozen=True)
class ReportSection:
    title: str
    caption: str
    chart: alt.TopLevelMixin | None = None
    table_html: str | None = None


def _query(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return connection.execute(sql).df()


def _month_axis() -> alt.X:
    return alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m"))


def churn_trend(kpis: pd.DataFrame) -> alt.Chart:
    long = kpis.melt(
        id_vars="month", value_vars=["logo_churn_rate", "churn_rate_t3m"], var_name="series", value_name="rate"
    )
    long["series"] = long["series"].map(
        {"logo_churn_rate": "Logo churn (month)", "churn_rate_t3m": "Trailing 3 months"}
    )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=_month_axis(),
            y=alt.Y("rate:Q", title="Logo churn rate", axis=alt.Axis(format="%")),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=[alt.Tooltip("month:T", format="%Y-%m"), "series:N", alt.Tooltip("rate:Q", format=".2%")],
        )
        .properties(width=CHART_WIDTH, height=CHART_HEIGHT)
    )


def mrr_bridge(kpis: pd.DataFrame) -> alt.Chart:
    """Waterfall from MRR at the start of the window to MRR at its end, movement by movement."""
    window = kpis.tail(BRIDGE_MONTHS)
    start_month = window["month"].iloc[0].strftime("%Y-%m")
    end_month = window["month"].iloc[-1].strftime("%Y-%m")
    steps = [
        (f"MRR at start of {start_month}", float(window["mrr_start"].iloc[0]), "total"),
        ("New", float(window["new_mrr"].sum()), "increase"),
        ("Expansion", float(window["expansion_mrr"].sum()), "increase"),
        ("Reactivation", float(window["reactivation_mrr"].sum()), "increase"),
        ("Contraction", -float(window["contraction_mrr"].sum()), "decrease"),
        ("Churn", -float(window["churned_mrr"].sum()), "decrease"),
    ]
    rows, level = [], 0.0
    for order, (label, amount, kind) in enumerate(steps):
        low, high = (0.0, amount) if kind == "total" else sorted((level, level + amount))
        level = amount if kind == "total" else level + amount
        rows.append({"order": order, "step": label, "amount": amount, "low": low, "high": high, "kind": kind})
    rows.append(
        {
            "order": len(rows),
            "step": f"MRR at end of {end_month}",
            "amount": float(window["mrr_end"].iloc[-1]),
            "low": 0.0,
            "high": float(window["mrr_end"].iloc[-1]),
            "kind": "total",
        }
    )
    labels = [row["step"] for row in rows]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("step:N", sort=labels, title=None, axis=alt.Axis(labelAngle=-20)),
            y=alt.Y("low:Q", title="MRR", axis=alt.Axis(format=",.0f")),
            y2="high:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["total", "increase", "decrease"], range=["#546e7a", "#2e7d32", "#c62828"]),
                legend=None,
            ),
            tooltip=["step:N", alt.Tooltip("amount:Q", format=",.0f")],
        )
        .properties(width=CHART_WIDTH, height=CHART_HEIGHT)
    )


def net_revenue_retention(kpis: pd.DataFrame) -> alt.Chart:
    line = (
        alt.Chart(kpis)
        .mark_line(point=True)
        .encode(
            x=_month_axis(),
            y=alt.Y(
                "net_mrr_retention:Q", title="Net MRR retention", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)
            ),
            tooltip=[alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("net_mrr_retention:Q", format=".2%")],
        )
    )
    parity = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 4], color="#888").encode(y="y:Q")
    return (line + parity).properties(width=CHART_WIDTH, height=CHART_HEIGHT)


def satisfaction_trend(kpis: pd.DataFrame) -> alt.HConcatChart:
    def panel(column: str, title: str) -> alt.Chart:
        return (
            alt.Chart(kpis)
            .mark_line(point=True)
            .encode(
                x=_month_axis(),
                y=alt.Y(f"{column}:Q", title=title),
                tooltip=[alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip(f"{column}:Q", format=".1f")],
            )
            .properties(width=CHART_WIDTH // 2 - 20, height=CHART_HEIGHT)
        )

    return alt.hconcat(panel("nps", "NPS (-100 to 100)"), panel("csat", "CSAT (% satisfied)"))


def health_mix(health: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(health)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None),
            x=alt.X("accounts:Q", stack="normalize", title="Share of scored accounts", axis=alt.Axis(format="%")),
            color=alt.Color(
                "health_color:N",
                title="Health",
                scale=alt.Scale(domain=list(HEALTH_COLORS), range=list(HEALTH_COLORS.values())),
            ),
            order=alt.Order("color_order:Q"),
            tooltip=["segment:N", "health_color:N", "accounts:Q"],
        )
        .properties(width=CHART_WIDTH, height=CHART_HEIGHT // 2)
    )


def onboarding_activation(cohorts: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(cohorts)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(cohort_month):O", title="Onboarding cohort", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("activation_rate_90d:Q", title="Activated within 90 days", axis=alt.Axis(format="%")),
            color=alt.Color(
                "complete:N",
                title=None,
                scale=alt.Scale(domain=["90 days observed", "still open"], range=["#1565c0", "#90caf9"]),
            ),
            tooltip=[
                alt.Tooltip("cohort_month:T", format="%Y-%m"),
                "accounts:Q",
                "activated_within_90d:Q",
                alt.Tooltip("activation_rate_90d:Q", format=".1%"),
            ],
        )
        .properties(width=CHART_WIDTH, height=CHART_HEIGHT)
    )


def revenue_concentration(accounts: pd.DataFrame) -> alt.Chart:
    """Pareto curve of the latest month: share of MRR held by the top x% of paying accounts."""
    curve = (
        alt.Chart(accounts)
        .mark_area(line=True, opacity=0.3)
        .encode(
            x=alt.X("account_share:Q", title="Share of paying accounts (largest first)", axis=alt.Axis(format="%")),
            y=alt.Y("mrr_share:Q", title="Cumulative share of MRR", axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("account_share:Q", format=".0%"), alt.Tooltip("mrr_share:Q", format=".1%")],
        )
    )
    top_fifth = alt.Chart(pd.DataFrame({"x": [0.2]})).mark_rule(strokeDash=[4, 4], color="#c62828").encode(x="x:Q")
    return (curve + top_fifth).properties(width=CHART_WIDTH, height=CHART_HEIGHT)


def program_table(impact: pd.DataFrame) -> str:
    if impact.empty:
        return (
            "<p class='note'>No CS programme start month is set (dbt var <code>cs_program_start_month</code>), "
            "so there is nothing to compare. Set it, e.g. <code>dbt build --vars "
            "'{cs_program_start_month: \"2026-01-01\"}'</code>, and rebuild.</p>"
        )
    impact = impact.copy()
    for column in ("before_value", "after_value", "abs_change"):
        impact[column] = impact[column].map(lambda value: "" if pd.isna(value) else f"{value:,.4g}")
    impact["rel_change"] = impact["rel_change"].map(lambda value: "" if pd.isna(value) else f"{value:+.1%}")
    return impact.to_html(index=False, classes="program", border=0, escape=True)


def load_sections(connection: duckdb.DuckDBPyConnection) -> list[ReportSection]:
    kpis = _query(connection, "select * from marts.kpi_monthly order by month")
    if kpis.empty:
        raise ValueError("marts.kpi_monthly is empty: build the warehouse with data before rendering the report.")
    health = _query(
        connection,
        """
        select segment, health_color, count(*) as accounts,
            case health_color when 'green' then 0 when 'yellow' then 1 else 2 end as color_order
        from marts.fct_health_score_daily
        where date = (select max(date) from marts.fct_health_score_daily)
        group by all
        order by segment, color_order
        """,
    )
    cohorts = _query(
        connection,
        """
        select cohort_month, accounts, activated_within_90d, activation_rate_90d,
            case when accounts_90d_complete = accounts then '90 days observed' else 'still open' end as complete
        from marts.mart_onboarding_cohorts
        order by cohort_month
        """,
    )
    pareto = _query(
        connection,
        """
        with latest as (
            select account_id, mrr from marts.fct_mrr_monthly
            where month = (select max(month) from marts.fct_mrr_monthly) and mrr > 0
        )
        select
            row_number() over (order by mrr desc, account_id) / count(*) over () as account_share,
            sum(mrr) over (order by mrr desc, account_id rows unbounded preceding) / sum(mrr) over () as mrr_share
        from latest
        order by account_share
        """,
    )
    concentration = connection.execute(
        "select month, top_20pct_mrr_share from marts.mart_revenue_concentration order by month desc limit 1"
    ).fetchone()
    impact = _query(connection, "select * from marts.kpi_program_impact order by measure")
    top_fifth = (
        f"In {concentration[0]:%Y-%m} the top 20% of paying accounts held {concentration[1]:.1%} of MRR."
        if concentration and concentration[1] is not None
        else "No paying account in the latest month."
    )
    return [
        ReportSection(
            "Logo churn",
            "Share of accounts active at the start of the month that churned in it, and its trailing "
            "three-month rate (the one to steer by: a single month is noisy).",
            churn_trend(kpis),
        ),
        ReportSection(
            "MRR bridge",
            f"How MRR moved over the last {min(BRIDGE_MONTHS, len(kpis))} months: gains in green, losses in red.",
            mrr_bridge(kpis),
        ),
        ReportSection(
            "Net revenue retention",
            "MRR kept from the accounts paying at the start of each month, expansion included "
            "(above 100% the base grows without new logos).",
            net_revenue_retention(kpis),
        ),
        ReportSection("NPS and CSAT", "Monthly NPS and CSAT of valid survey responses.", satisfaction_trend(kpis)),
        ReportSection(
            "Health colour mix by segment",
            "Scored accounts by health colour on the latest day, per touch segment.",
            health_mix(health),
        ),
        ReportSection(
            "Onboarding cohorts",
            "Share of each month's new accounts activated within 90 days (light: the 90 days are not over "
            "for every account yet).",
            onboarding_activation(cohorts),
        ),
        ReportSection("Revenue concentration", top_fifth, revenue_concentration(pareto)),
        ReportSection(
            "CS programme before and after",
            "The twelve months before the programme start against the twelve months from it.",
            table_html=program_table(impact),
        ),
    ]


TEMPLATE = jinja2.Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Customer success report - {{ latest_month }}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 760px; color: #222; }
  h1 { margin-bottom: 0; } .meta { color: #666; margin-top: .3rem; }
  .tiles { display: flex; gap: 1rem; margin: 1.5rem 0; }
  .tile { flex: 1; border: 1px solid #ddd; border-radius: 6px; padding: .6rem; }
  .tile .value { font-size: 1.4rem; font-weight: 600; } .tile .label { color: #666; font-size: .85rem; }
  section { margin: 2rem 0; } .caption, .note { color: #555; }
  table.program { border-collapse: collapse; } table.program td, table.program th { padding: .3rem .8rem;
    border-bottom: 1px solid #ddd; text-align: right; }
</style>
<script>{{ vega_embed_bundle }}</script>
</head>
<body>
<h1>Customer success report</h1>
<p class="meta">Latest month {{ latest_month }} &middot; generated {{ generated_at }} from {{ source }}</p>
<div class="tiles">
{% for label, value in tiles %}  <div class="tile">
    <div class="value">{{ value }}</div><div class="label">{{ label }}</div>
  </div>
{% endfor %}</div>
{% for section in sections %}<section>
<h2>{{ section.title }}</h2>
<p class="caption">{{ section.caption }}</p>
{% if section.chart_id %}<div class="chart" id="{{ section.chart_id }}"></div>
{% else %}{{ section.table_html }}{% endif %}
</section>
{% endfor %}<script>
const charts = {{ charts_json }};
for (const [id, spec] of Object.entries(charts)) {
  vegaEmbed("#" + id, spec, {renderer: "svg", actions: false}).catch((error) => {
    document.getElementById(id).textContent = "Chart failed to draw: " + error;
  });
}
</script>
</body>
</html>
"""
)


def _tiles(kpis_latest: tuple) -> list[tuple[str, str]]:
    mrr_end, churn_t3m, nrr, nps = kpis_latest

    def shown(value, pattern: str) -> str:
        return "n/a" if value is None else format(value, pattern)

    return [
        ("MRR at month end", shown(mrr_end, ",.0f")),
        ("Logo churn, trailing 3 months", shown(churn_t3m, ".2%")),
        ("Net MRR retention", shown(nrr, ".1%")),
        ("NPS", shown(nps, ".0f")),
    ]


def render_report(serving_path: Path, out_path: Path) -> Path:
    """Write the report of the serving database at `serving_path` to `out_path` (one HTML file)."""
    if not serving_path.exists():
        raise FileNotFoundError(
            f"No serving database at {serving_path}: run `make run` (or `cs-warehouse publish`) first."
        )
    with duckdb.connect(str(serving_path), read_only=True) as connection:
        sections = load_sections(connection)
        latest = connection.execute(
            "select month, mrr_end, churn_rate_t3m, net_mrr_retention, nps "
            "from marts.kpi_monthly order by month desc limit 1"
        ).fetchone()
    charts, rendered = {}, []
    for position, section in enumerate(sections):
        chart_id = f"chart-{position + 1}" if section.chart is not None else None
        if chart_id:
            charts[chart_id] = section.chart.to_dict()
        rendered.append({**section.__dict__, "chart_id": chart_id})
    page = TEMPLATE.render(
        latest_month=f"{latest[0]:%Y-%m}",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        source=html.escape(serving_path.name),
        tiles=_tiles(latest[1:]),
        sections=rendered,
        # "</" would end the script element early if a label contained it.
        charts_json=json.dumps(charts).replace("</", "<\\/"),
        vega_embed_bundle=vl_convert.javascript_bundle(vl_version=alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]),
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_name(f".{out_path.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(out_path)
    return out_path

"""The MetricFlow semantic layer: `mf query` gives the figures of the marts it is defined over."""

import csv
import math
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, VENV_BIN

MF_TIMEOUT_SECONDS = 300
# What dbt needs to load the project; mf runs in a private copy so it never touches the repository's target/.
PROJECT_ENTRIES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses")
# metric -> the kpi_monthly column it must equal, month by month.
KPI_COLUMNS = {
    "logo_churn_rate": "logo_churn_rate",
    "mrr": "mrr_end",
    "gross_mrr_churn_rate": "gross_mrr_churn_rate",
    "net_mrr_retention": "net_mrr_retention",
    "arpa": "arpa",
    "ltv": "ltv",
    "nps": "nps",
    "csat": "csat",
}


@pytest.fixture(scope="module")
def mf_project(test_build: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A directory mf can run in: the project linked, the test build's semantic manifest, and a copy of
    its warehouse (mf's dbt adapter opens the file for writing)."""
    project = tmp_path_factory.mktemp("mf_project")
    for entry in PROJECT_ENTRIES:
        (project / entry).symlink_to(REPO_ROOT / entry)
    (project / "target").mkdir()
    shutil.copy(test_build / "target" / "semantic_manifest.json", project / "target")
    # Same file name: the manifest names relations by the catalog DuckDB derives from it.
    warehouse = project / "warehouse.duckdb"
    shutil.copy(test_build / "warehouse.duckdb", warehouse)
    environment = {**os.environ, "WAREHOUSE_PATH": str(warehouse), "DBT_PROFILES_DIR": str(project)}
    return project, environment


def mf_query(mf_project: tuple[Path, dict[str, str]], metrics: list[str], group_by: list[str]) -> list[dict]:
    project, environment = mf_project
    out = project / f"{'_'.join(metrics)[:60]}.csv"
    completed = subprocess.run(
        [
            str(VENV_BIN / "mf"),
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            ",".join(group_by),
            "--csv",
            str(out),
            "--decimals",
            "12",
        ],
        check=False,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=MF_TIMEOUT_SECONDS,
    )
    assert completed.returncode == 0 and out.exists(), completed.stdout + completed.stderr
    with out.open() as rows:
        return list(csv.DictReader(rows))


def number(text: str | None) -> float | None:
    return None if text in (None, "", "None") else float(text)


def assert_close(actual: float | None, expected: float | Decimal | None, label: str) -> None:
    if expected is None:
        assert actual is None or actual == 0, f"{label}: mf gives {actual}, the mart null"
        return
    if isinstance(expected, Decimal):  # the mart rounds to its column's scale; so does the comparison
        actual = None if actual is None else round(actual, -expected.as_tuple().exponent)
        expected = float(expected)
    assert actual is not None and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9), (
        f"{label}: mf gives {actual}, the mart {expected}"
    )


def test_monthly_metrics_match_kpi_monthly(mf_project, test_build: Path):
    rows = mf_query(mf_project, list(KPI_COLUMNS), ["metric_time__month"])
    by_month = {row["metric_time__month"][:10]: row for row in rows}
    with duckdb.connect(str(test_build / "warehouse.duckdb"), read_only=True) as connection:
        kpis = connection.execute(
            f"select cast(month as varchar), {', '.join(KPI_COLUMNS.values())} from marts.kpi_monthly"
        ).fetchall()
    assert kpis, "kpi_monthly has months"
    for month, *values in kpis:
        row = by_month.get(month, {})
        for (metric, column), expected in zip(KPI_COLUMNS.items(), values, strict=True):
            assert_close(number(row.get(metric)), expected, f"{metric} in {month} (kpi_monthly.{column})")


def test_activation_rate_matches_the_onboarding_cohorts(mf_project, test_build: Path):
    rows = mf_query(mf_project, ["activation_rate"], ["metric_time__month"])
    by_month = {row["metric_time__month"][:10]: row for row in rows}
    with duckdb.connect(str(test_build / "warehouse.duckdb"), read_only=True) as connection:
        cohorts = connection.execute(
            "select cast(cohort_month as varchar), activation_rate_90d from marts.mart_onboarding_cohorts"
        ).fetchall()
    assert any(rate is not None for _, rate in cohorts), "some cohort has its 90 days complete"
    for month, rate in cohorts:
        assert_close(number(by_month.get(month, {}).get("activation_rate")), rate, f"activation_rate of {month}")


def test_metrics_slice_by_acquisition_channel(mf_project, test_build: Path):
    rows = mf_query(mf_project, ["mrr", "logo_churn_rate"], ["metric_time__month", "account__acquisition_channel"])
    with duckdb.connect(str(test_build / "warehouse.duckdb"), read_only=True) as connection:
        expected = connection.execute(
            """
            select cast(fct_mrr_monthly.month as varchar), dim_accounts.acquisition_channel,
                sum(fct_mrr_monthly.mrr),
                count(case when movement = 'churn' then 1 end)
                / nullif(count(case when fct_mrr_monthly.previous_mrr > 0 then 1 end), 0)
            from marts.fct_mrr_monthly
            left join marts.dim_accounts on fct_mrr_monthly.account_id = dim_accounts.account_id
            group by all
            """
        ).fetchall()
    by_key = {(row["metric_time__month"][:10], row["account__acquisition_channel"] or None): row for row in rows}
    assert len(by_key) == len(expected)
    for month, channel, mrr, churn_rate in expected:
        row = by_key[(month, channel)]
        assert_close(number(row["mrr"]), float(mrr), f"mrr in {month}, channel {channel}")
        assert_close(number(row["logo_churn_rate"]), churn_rate, f"logo_churn_rate in {month}, channel {channel}")

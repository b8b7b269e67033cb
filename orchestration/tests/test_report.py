"""The CS report renders offline in headless Chromium with every chart drawn."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import VENV_BIN

BROWSER_TIMEOUT_SECONDS = 90
# Virtual time the page gets to run vega-embed before the DOM is dumped.
RENDER_BUDGET_MILLISECONDS = 10000
# A chart drew when its SVG holds at least this many mark elements with geometry (lines, bars, areas).
MIN_DRAWN_MARKS = 2
EXPECTED_CHARTS = 7
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--window-size=1000,6000",
    f"--virtual-time-budget={RENDER_BUDGET_MILLISECONDS}",
)

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed and could not be (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def report(serving_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "cs_report.html"
    subprocess.run(
        [str(VENV_BIN / "cs-warehouse"), "report", "--database", str(serving_database), "--out", str(out)],
        check=True,
    )
    return out


def chromium(report: Path, profile_dir: Path, *action: str) -> str:
    # The report must not need the network: Chromium resolves every host to nowhere.
    completed = subprocess.run(
        [
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile_dir}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            *action,
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=True,
    )
    return completed.stdout


def test_report_is_one_self_contained_file(report: Path):
    page = report.read_text()
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", page), "no remote resource"
    assert page.count('class="chart"') == EXPECTED_CHARTS
    assert "CS programme before and after" in page


@needs_chromium
def test_every_chart_draws_offline(report: Path, tmp_path: Path):
    dom = chromium(report, tmp_path / "profile", "--dump-dom")
    charts = re.split(r'<div class="chart[^"]*" id="chart-\d+"', dom)[1:]
    assert len(charts) == EXPECTED_CHARTS, "every chart container is in the page"
    for position, chart in enumerate(charts, start=1):
        chart = chart.split("<section", 1)[0]
        assert "failed to draw" not in chart, f"chart {position}: {chart[:300]}"
        assert "<svg" in chart, f"chart {position} has no SVG"
        drawn = re.findall(r'<(?:path|rect)[^>]*\sd="M[^"]+"', chart) + re.findall(r'<rect[^>]*width="[1-9]', chart)
        assert len(drawn) >= MIN_DRAWN_MARKS, f"chart {position} drew {len(drawn)} marks"
        assert 'class="mark-' in chart, f"chart {position} has no Vega mark"


def test_programme_table_shows_both_windows_and_the_relative_change():
    import pandas as pd

    from cs_warehouse.report import program_table

    impact = pd.DataFrame(
        {
            "measure": ["logo_churn_rate", "nps"],
            "before_value": [0.04, 20.0],
            "after_value": [0.03, None],
            "abs_change": [-0.01, None],
            "rel_change": [-0.25, None],
            "program_start_month": [pd.Timestamp("2026-01-01")] * 2,
        }
    )
    table = program_table(impact)
    assert table.count("<tr") == 3, "a header and one row per measure"
    assert "-25.0%" in table and "0.04" in table and "logo_churn_rate" in table
    assert "cs_program_start_month" in program_table(impact.iloc[0:0]), "an empty table says which var to set"

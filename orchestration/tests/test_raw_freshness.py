"""Freshness of the raw tables is judged from the end of the reported day, with dbt's thresholds."""

from datetime import UTC, datetime

import pytest
from dagster import AssetCheckSeverity

from cs_warehouse.raw_freshness import end_of_reporting_day, judge

CRITERIA = {
    "warn_after": {"count": 1, "period": "day"},
    "error_after": {"count": 3, "period": "day"},
}
EVENTS = "source.cs_warehouse.product.events"


def test_the_reported_day_ends_at_local_midnight() -> None:
    # Asia/Tokyo is UTC+9: the local day 2026-10-31 ends at 15:00 UTC.
    assert end_of_reporting_day("2026-10-31") == datetime(2026, 10, 31, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("max_loaded_at", "block", "passed", "severity"),
    [
        ("2026-10-31T14:00:00+00:00", True, True, AssetCheckSeverity.WARN),
        ("2026-10-29T14:00:00+00:00", True, False, AssetCheckSeverity.WARN),
        ("2026-10-27T14:00:00+00:00", True, False, AssetCheckSeverity.ERROR),
        ("2026-10-27T14:00:00+00:00", False, False, AssetCheckSeverity.WARN),
    ],
    ids=["fresh", "stale-warns", "stale-blocks", "stale-blocking-off"],
)
def test_staleness_warns_then_blocks(
    max_loaded_at: str, block: bool, passed: bool, severity: AssetCheckSeverity
) -> None:
    result = judge(
        {"unique_id": EVENTS, "status": "pass", "max_loaded_at": max_loaded_at},
        CRITERIA,
        end_of_reporting_day("2026-10-31"),
        block,
    )
    assert (result.passed, result.severity) == (passed, severity)
    assert result.asset_key.path == ["raw", "product", "events"]


def test_an_unreadable_source_fails() -> None:
    result = judge(
        {"unique_id": EVENTS, "status": "runtime error", "error": "IO Error"},
        CRITERIA,
        datetime.now(UTC),
        True,
    )
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR

"""The daily schedule on demo data, day after day, the way a new user watches it.

Demo mode starts from an empty raw directory: the first scheduled run generates the demo feed
ending on its day, each later one grows it by a day (the same history continued). Three runs in a
row each pass every blocking check and publish, the warehouse after the third equals a full
build of the third day's data, and a backfill of three past days after that publishes too. A run
of a day the feed already holds leaves it as it is.
"""

import hashlib
import json
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import with_resources
from dagster import Definitions, build_schedule_context, materialize
from test_dagster_pipeline import (
    PARTITION_RANGE_START_TAG,
    differing_relations,
    failure_messages,
    published,
    run_job,
    table_models,
)

from cs_warehouse.generator import read_manifest
from cs_warehouse.jobs import BACKFILL_JOB, DAILY_REFRESH_JOB, daily_refresh_schedule
from cs_warehouse.raw_assets import RawTablesConfig, raw_tables
from cs_warehouse.reporting_days import PARTITION_RANGE_END_TAG, reporting_timezone
from cs_warehouse.resources import DEMO_MANIFEST_NAME, RawData

FIRST_DAY = date(2026, 11, 25)
DAYS = [FIRST_DAY + timedelta(days=offset) for offset in range(3)]
# A backfill of three days before the first scheduled one.
BACKFILL_RANGE = (FIRST_DAY - timedelta(days=3), FIRST_DAY - timedelta(days=1))
DEMO_SCALE = {"demo_accounts": 60, "demo_months": 6, "demo_seed": 11}


@pytest.fixture(scope="module")
def demo_definitions(dagster_definitions) -> Definitions:
    """The code location with a small demo feed."""
    return with_resources(dagster_definitions, raw_data=RawData(**DEMO_SCALE))


def scheduled_run(definitions: Definitions, raw_dir: Path, serving: Path, day: date):
    """What the schedule launches at 06:00 local time the morning after `day`."""
    tick = datetime.combine(day + timedelta(days=1), time(6), ZoneInfo(reporting_timezone()))
    request = daily_refresh_schedule(build_schedule_context(scheduled_execution_time=tick.astimezone(UTC)))
    assert request.partition_key == day.isoformat()
    return run_job(
        definitions,
        DAILY_REFRESH_JOB,
        raw_dir,
        serving,
        partition_key=request.partition_key,
        run_config=request.run_config,
    )


@pytest.fixture(scope="module")
def daily_runs(demo_definitions, tmp_path_factory: pytest.TempPathFactory):
    """Three scheduled days in a row on a demo feed that starts empty."""
    root = tmp_path_factory.mktemp("daily_schedule")
    raw_dir, serving = root / "raw", root / "serving" / "warehouse.duckdb"
    results = {}
    for day in DAYS:
        results[day] = scheduled_run(demo_definitions, raw_dir, serving, day)
        assert results[day].success, f"{day}: {failure_messages(results[day])}"
    return results, raw_dir, serving


def test_each_scheduled_day_passes_and_publishes(daily_runs):
    results, raw_dir, _ = daily_runs
    assert [published(results[day]) for day in DAYS] == [True] * len(DAYS)
    manifest = read_manifest(raw_dir)
    # One history, grown day by day from the first run's start.
    assert manifest["window"]["end_date"] == DAYS[-1].isoformat()
    assert manifest["window"]["start_date"] == "2026-06-01"


def test_the_warehouse_after_three_days_equals_a_full_build(daily_runs, demo_definitions, parsed_dbt_project, tmp_path):
    _, raw_dir, serving = daily_runs
    landed = tmp_path / "raw"
    shutil.copytree(raw_dir, landed)
    (landed / DEMO_MANIFEST_NAME).unlink()
    full_serving = tmp_path / "full" / "warehouse.duckdb"
    full = scheduled_run(demo_definitions, landed, full_serving, DAYS[-1])
    assert full.success, failure_messages(full)
    manifest = json.loads(parsed_dbt_project.manifest_path.read_text())
    assert differing_relations(serving, full_serving, table_models(manifest)) == []


def raw_file_digests(raw_dir: Path) -> dict[str, str]:
    return {
        str(path.relative_to(raw_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(raw_dir.rglob("*"))
        if path.is_file()
    }


def test_a_backfill_of_past_days_after_the_schedule_publishes(daily_runs, demo_definitions):
    _, raw_dir, serving = daily_runs
    backfill = run_job(
        demo_definitions,
        BACKFILL_JOB,
        raw_dir,
        serving,
        tags={
            PARTITION_RANGE_START_TAG: BACKFILL_RANGE[0].isoformat(),
            PARTITION_RANGE_END_TAG: BACKFILL_RANGE[1].isoformat(),
        },
    )
    assert backfill.success, failure_messages(backfill)
    assert published(backfill)


def materialize_raw_tables(raw_dir: Path, day: date):
    return materialize(
        [raw_tables],
        resources={"raw_data": RawData(directory=str(raw_dir), **DEMO_SCALE)},
        run_config={"ops": {"raw_tables": {"config": RawTablesConfig(as_of_date=day.isoformat()).model_dump()}}},
        raise_on_error=False,
    )


def test_a_run_of_a_past_day_keeps_the_demo_feed_as_it_is(daily_runs):
    """A day the feed already holds (the daily job launched by hand for a past partition) is
    reported on from the feed as it is: it is never cut back or rewritten."""
    _, raw_dir, _ = daily_runs
    files_before = raw_file_digests(raw_dir)
    assert materialize_raw_tables(raw_dir, DAYS[0]).success
    assert raw_file_digests(raw_dir) == files_before


def test_a_day_past_the_simulated_calendar_fails_and_says_what_to_do(daily_runs):
    _, raw_dir, _ = daily_runs
    files_before = raw_file_digests(raw_dir)
    horizon_end = date.fromisoformat(read_manifest(raw_dir)["window"]["horizon_end_date"])
    result = materialize_raw_tables(raw_dir, horizon_end + timedelta(days=1))
    assert not result.success
    assert "make run" in failure_messages(result)
    assert raw_file_digests(raw_dir) == files_before

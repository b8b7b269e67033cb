"""The daily event aggregate built incrementally equals the same table built in one go.

`int_product__events_daily` is incremental in whole local days: each run rebuilds the days touched
by events received after the table's watermark and the days after its last day, or exactly the days
of a backfill window. These tests build it in several sequences on the same raw data and compare
every row with a full build.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, SMALL_DATASET_END_DATE, VENV_BIN

MODEL = "int_product__events_daily"
TABLE = f"intermediate.{MODEL}"
EARLIER_AS_OF = "2026-10-12"


def build_events_daily(raw_dir: Path, warehouse: Path, target_dir: Path, as_of: str, **extra_vars: str) -> None:
    """Build the aggregate and its parents (seeds, staging models) into `warehouse`, without tests."""
    env = {**os.environ, "RAW_DATA_DIR": str(raw_dir), "WAREHOUSE_PATH": str(warehouse)}
    run_vars = json.dumps({"as_of_date": as_of, **extra_vars})
    subprocess.run(
        [
            str(VENV_BIN / "dbt"), "build", "--select", f"+{MODEL}",
            "--resource-type", "seed", "--resource-type", "model",
            "--target-path", str(target_dir), "--vars", run_vars, "--quiet",
        ],
        cwd=REPO_ROOT, env=env, check=True,
    )


def read_rows(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(f"select * from {TABLE} order by all").fetchall()


def assert_same_rows(built_incrementally: Path, built_fully: Path) -> None:
    incremental_rows = read_rows(built_incrementally)
    full_rows = read_rows(built_fully)
    assert full_rows, "the full build produced no rows, so the comparison would prove nothing"
    assert len(incremental_rows) == len(full_rows)
    assert incremental_rows == full_rows


def raw_events(raw_dir: Path) -> str:
    """Every event file under `raw_dir`, read the way the warehouse's source reads them."""
    return f"read_parquet('{raw_dir}/product/events/**/*.parquet', union_by_name = true, hive_partitioning = false)"


def received_at_quantile(raw_dir: Path, quantile: float) -> str:
    with duckdb.connect() as connection:
        return connection.execute(
            f"select strftime(quantile_disc(received_at, ?), '%Y-%m-%d %H:%M:%S') from {raw_events(raw_dir)}",
            [quantile],
        ).fetchone()[0]


def split_event_landing(full_raw: Path, first_landing: Path, cutoff: str) -> Path:
    """A copy of the raw data whose event stream holds only events received up to `cutoff`; returns the
    Parquet file of the later events, to be landed in a second step."""
    shutil.copytree(full_raw, first_landing)
    events_dir = first_landing / "product" / "events"
    shutil.rmtree(events_dir)
    events_dir.mkdir()
    source = raw_events(full_raw)
    later_file = first_landing.parent / "later_events.parquet"
    with duckdb.connect() as connection:
        connection.execute(f"copy (select * from {source} where received_at <= '{cutoff}') to "
                           f"'{events_dir}/part-0.parquet' (format parquet)")
        connection.execute(f"copy (select * from {source} where received_at > '{cutoff}') to "
                           f"'{later_file}' (format parquet)")
    return later_file


@pytest.fixture(scope="module")
def full_build(small_raw_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("events_full")
    warehouse = work / "warehouse.duckdb"
    build_events_daily(small_raw_dataset, warehouse, work / "target", SMALL_DATASET_END_DATE)
    return warehouse


def land_late_arrival_before(raw_dir: Path, occurred_before: str) -> None:
    """Land a copy of the last event occurring before `occurred_before` that arrives with the stream's
    latest received_at, so a table built up to that day already carries the stream's final watermark."""
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select
                    'late-' || event_id as event_id, user_id, account_id, event_name, occurred_at,
                    (select max(received_at) from {raw_events(raw_dir)}) as received_at, platform, properties
                from {raw_events(raw_dir)}
                where occurred_at < ?
                order by occurred_at desc, event_id
                limit 1
            ) to '{raw_dir}/product/events/late_arrival.parquet' (format parquet)
            """,
            [occurred_before],
        )


def test_moving_as_of_date_forward_equals_full_build(small_raw_dataset: Path, tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, raw_dir)
    # 12:00 UTC is 21:00 in Asia/Tokyo: the late event belongs to EARLIER_AS_OF itself.
    land_late_arrival_before(raw_dir, f"{EARLIER_AS_OF} 12:00:00")
    full_build = tmp_path / "full.duckdb"
    build_events_daily(raw_dir, full_build, tmp_path / "target_full", SMALL_DATASET_END_DATE)

    warehouse = tmp_path / "warehouse.duckdb"
    build_events_daily(raw_dir, warehouse, tmp_path / "target", EARLIER_AS_OF)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        watermark, last_day = connection.sql(
            f"select max(max_received_at), max(activity_date) from {TABLE}"
        ).fetchall()[0]
    with duckdb.connect() as connection:
        latest_received = connection.sql(f"select max(received_at) from {raw_events(raw_dir)}").fetchall()[0][0]
    # No event is received after the watermark: only the days after the table's last day bring the rest.
    assert watermark == latest_received
    assert str(last_day) == EARLIER_AS_OF

    build_events_daily(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert_same_rows(warehouse, full_build)


def test_late_arrivals_landing_later_equal_full_build(
    small_raw_dataset: Path, full_build: Path, tmp_path: Path
) -> None:
    cutoff = received_at_quantile(small_raw_dataset, 0.9)
    raw_dir = tmp_path / "raw"
    later_events = split_event_landing(small_raw_dataset, raw_dir, cutoff)
    warehouse = tmp_path / "warehouse.duckdb"
    build_events_daily(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert read_rows(warehouse) != read_rows(full_build)

    # The second landing sits in a hive-style folder, deeper than the first one.
    landing = raw_dir / "product" / "events" / "event_date=later"
    landing.mkdir()
    shutil.move(later_events, landing / "part-0.parquet")
    build_events_daily(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert_same_rows(warehouse, full_build)


def test_backfill_window_and_moving_as_of_date_back_equal_full_build(
    small_raw_dataset: Path, full_build: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    build_events_daily(small_raw_dataset, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    with duckdb.connect(str(warehouse)) as connection:
        # Corrupt a window of days so only a rebuild of exactly those days can restore them.
        connection.execute(f"update {TABLE} set event_count = event_count + 1000 "
                           "where activity_date between '2026-10-05' and '2026-10-07'")
    build_events_daily(
        small_raw_dataset, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE,
        event_backfill_start_date="2026-10-05", event_backfill_end_date="2026-10-07",
    )
    assert_same_rows(warehouse, full_build)

    later_as_of = tmp_path / "later.duckdb"
    shutil.copy(full_build, later_as_of)
    build_events_daily(small_raw_dataset, later_as_of, tmp_path / "target", EARLIER_AS_OF)
    earlier_full = tmp_path / "earlier_full.duckdb"
    build_events_daily(small_raw_dataset, earlier_full, tmp_path / "target_full", EARLIER_AS_OF)
    assert_same_rows(later_as_of, earlier_full)

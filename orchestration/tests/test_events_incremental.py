"""The event models built incrementally equal the same tables built in one go.

`base_product__events` loads only the raw events received from its watermark (latest received_at,
less `event_redelivery_window_hours`) on, replacing the stored rows received at the batch's instants,
so re-deliveries raise `delivered_row_count`. `int_onboarding__project_completion_days` keeps every
instant a user completed a project: each run rebuilds the user-days touched by completions received
after the table's watermark and the days after its last day, or exactly the days of a backfill
window. These tests build them in several sequences on the same raw data and compare every
row with a full build.
"""

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import (
    SMALL_DATASET_END_DATE,
    WITHOUT_RUN_STAMPS,
    build_models_up_to,
    run_dbt,
)

COMPLETIONS_MODEL = "int_onboarding__project_completion_days"
COMPLETIONS_TABLE = f"intermediate.{COMPLETIONS_MODEL}"
BASE_TABLE = "staging.base_product__events"
# The keys the tables are unique on by construction (no data test re-checks them on every run).
TABLE_KEYS = {
    COMPLETIONS_TABLE: "account_id, user_id, completed_at",
    BASE_TABLE: "event_id, user_id, account_id, raw_event_name, occurred_at, received_at, platform, properties",
}
EARLIER_AS_OF = "2026-10-12"
# The default of var event_redelivery_window_hours.
REDELIVERY_WINDOW = timedelta(hours=48)


def build_event_models(raw_dir: Path, warehouse: Path, target_dir: Path, as_of: str, **extra_vars: str) -> None:
    """Build the completed-project days and their parents (seeds, staging models) into `warehouse`,
    without tests."""
    build_models_up_to(COMPLETIONS_MODEL, raw_dir, warehouse, target_dir, as_of, **extra_vars)


def read_rows(warehouse: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(f"select {WITHOUT_RUN_STAMPS} from {table} order by all").fetchall()


def assert_same_rows(built_incrementally: Path, built_fully: Path, table: str) -> None:
    incremental_rows = read_rows(built_incrementally, table)
    full_rows = read_rows(built_fully, table)
    assert full_rows, "the full build produced no rows, so the comparison would prove nothing"
    assert len(incremental_rows) == len(full_rows)
    assert incremental_rows == full_rows
    with duckdb.connect(str(built_incrementally), read_only=True) as connection:
        duplicate_keys = connection.sql(
            f"select count(*) from (select {TABLE_KEYS[table]} from {table} group by all having count(*) > 1)"
        ).fetchall()[0][0]
    assert duplicate_keys == 0, f"{table} holds rows sharing a key ({TABLE_KEYS[table]})"


def assert_same_event_tables(built_incrementally: Path, built_fully: Path) -> None:
    for table in (BASE_TABLE, COMPLETIONS_TABLE):
        assert_same_rows(built_incrementally, built_fully, table)


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
        connection.execute(
            f"copy (select * from {source} where received_at <= '{cutoff}') to "
            f"'{events_dir}/part-0.parquet' (format parquet)"
        )
        connection.execute(
            f"copy (select * from {source} where received_at > '{cutoff}') to '{later_file}' (format parquet)"
        )
    return later_file


@pytest.fixture(scope="module")
def full_build(small_raw_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("events_full")
    warehouse = work / "warehouse.duckdb"
    build_event_models(small_raw_dataset, warehouse, work / "target", SMALL_DATASET_END_DATE)
    return warehouse


def land_late_arrival_before(raw_dir: Path, occurred_before: str) -> None:
    """Land a copy of the last completed project occurring before `occurred_before` that arrives with
    the stream's latest received_at, so a table built up to that day already carries the stream's final
    watermark."""
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select
                    'late-' || event_id as event_id, user_id, account_id, event_name, occurred_at,
                    (select max(received_at) from {raw_events(raw_dir)}) as received_at, platform, properties
                from {raw_events(raw_dir)}
                where event_name = 'project_completed' and occurred_at < ?
                order by occurred_at desc, event_id
                limit 1
            ) to '{raw_dir}/product/events/late_arrival.parquet' (format parquet)
            """,
            [occurred_before],
        )


def test_moving_as_of_date_forward_equals_full_build(small_raw_dataset: Path, tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, raw_dir)
    land_late_arrival_before(raw_dir, f"{EARLIER_AS_OF} 12:00:00")
    full_build = tmp_path / "full" / "warehouse.duckdb"
    build_event_models(raw_dir, full_build, tmp_path / "target_full", SMALL_DATASET_END_DATE)

    warehouse = tmp_path / "warehouse.duckdb"
    build_event_models(raw_dir, warehouse, tmp_path / "target", EARLIER_AS_OF)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        watermark, last_day = connection.sql(
            f"select max(max_received_at), max(activity_date) from {COMPLETIONS_TABLE}"
        ).fetchall()[0]
    with duckdb.connect() as connection:
        latest_received = connection.sql(f"select max(received_at) from {raw_events(raw_dir)}").fetchall()[0][0]
    with duckdb.connect(str(full_build), read_only=True) as connection:
        later_days = connection.execute(
            f"select count(distinct activity_date) from {COMPLETIONS_TABLE} where activity_date > ?", [last_day]
        ).fetchall()[0][0]
    # No completion is received after the watermark: only the days after the table's last day bring the rest.
    assert watermark == latest_received
    assert str(last_day) <= EARLIER_AS_OF
    assert later_days > 0

    build_event_models(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert_same_event_tables(warehouse, full_build)


def test_late_arrivals_landing_later_equal_full_build(
    small_raw_dataset: Path, full_build: Path, tmp_path: Path
) -> None:
    cutoff = received_at_quantile(small_raw_dataset, 0.9)
    raw_dir = tmp_path / "raw"
    later_events = split_event_landing(small_raw_dataset, raw_dir, cutoff)
    warehouse = tmp_path / "warehouse.duckdb"
    build_event_models(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert read_rows(warehouse, BASE_TABLE) != read_rows(full_build, BASE_TABLE)
    assert read_rows(warehouse, COMPLETIONS_TABLE) != read_rows(full_build, COMPLETIONS_TABLE)

    # The second landing sits in a hive-style folder, deeper than the first one.
    landing = raw_dir / "product" / "events" / "event_date=later"
    landing.mkdir()
    shutil.move(later_events, landing / "part-0.parquet")
    build_event_models(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert_same_event_tables(warehouse, full_build)


def test_backfill_window_and_moving_as_of_date_back_equal_full_build(
    small_raw_dataset: Path, full_build: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    build_event_models(small_raw_dataset, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    with duckdb.connect(str(warehouse)) as connection:
        # Corrupt a window of days so only a rebuild of exactly those days can restore them.
        [(corrupted_rows,)] = connection.execute(
            f"update {COMPLETIONS_TABLE} set max_received_at = max_received_at + interval 1 hour "
            "where activity_date between '2026-10-05' and '2026-10-07'"
        ).fetchall()
    assert corrupted_rows > 0
    build_event_models(
        small_raw_dataset,
        warehouse,
        tmp_path / "target",
        SMALL_DATASET_END_DATE,
        event_backfill_start_date="2026-10-05",
        event_backfill_end_date="2026-10-07",
    )
    assert_same_event_tables(warehouse, full_build)

    later_as_of = tmp_path / "later" / "warehouse.duckdb"
    later_as_of.parent.mkdir()
    shutil.copy(full_build, later_as_of)
    build_event_models(small_raw_dataset, later_as_of, tmp_path / "target", EARLIER_AS_OF)
    earlier_full = tmp_path / "earlier_full" / "warehouse.duckdb"
    build_event_models(small_raw_dataset, earlier_full, tmp_path / "target_full", EARLIER_AS_OF)
    assert_same_event_tables(later_as_of, earlier_full)


def land_events_received_between(source_raw: Path, landing: Path, after: str | None, up_to: str | None) -> None:
    """Write the events of `source_raw` received in (`after`, `up_to`] as one Parquet file in `landing`."""
    bounds = [bound for bound in (after and f"received_at > '{after}'", up_to and f"received_at <= '{up_to}'") if bound]
    landing.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from {raw_events(source_raw)} where {' and '.join(bounds)}) "
            f"to '{landing}/part-0.parquet' (format parquet)"
        )


def land_copy_of_loaded_event(loaded_landing: Path, landing: Path, received_before: str) -> tuple[str, datetime]:
    """Land in `landing` an exact copy of the latest event of `loaded_landing` received before
    `received_before`; returns its event_id and received_at."""
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            create table copied_event as
            select * from read_parquet('{loaded_landing}/*.parquet')
            where received_at < ?
            order by received_at desc, event_id
            limit 1
            """,
            [received_before],
        )
        connection.execute(f"copy copied_event to '{landing}/part-1.parquet' (format parquet)")
        return connection.execute("select event_id, received_at from copied_event").fetchone()


def land_event_occurring_in_future(loaded_landing: Path, received_before: str) -> None:
    """Land beside `loaded_landing`'s files a copy of its latest event received before `received_before`
    that claims to occur in the year 2999: every run rejects it as in the future, again and again."""
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select * replace ('future-' || event_id as event_id, timestamp '2999-01-01' as occurred_at)
                from read_parquet('{loaded_landing}/*.parquet')
                where received_at < ?
                order by received_at desc, event_id
                limit 1
            ) to '{loaded_landing}/in_future.parquet' (format parquet)
            """,
            [received_before],
        )


def loaded_rows_of_event(warehouse: Path, event_id: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            f"select received_at, delivered_row_count from {BASE_TABLE} where event_id = ?", [event_id]
        ).fetchall()


def test_event_batches_with_redelivery_and_late_arrival_equal_full_build(
    small_raw_dataset: Path, tmp_path: Path
) -> None:
    first_cutoff = received_at_quantile(small_raw_dataset, 0.9)
    second_cutoff = received_at_quantile(small_raw_dataset, 0.97)
    raw_dir = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, raw_dir)
    events_dir = raw_dir / "product" / "events"
    shutil.rmtree(events_dir)
    warehouse = tmp_path / "warehouse.duckdb"
    target = tmp_path / "target"

    land_events_received_between(small_raw_dataset, events_dir / "batch=1", None, first_cutoff)
    # Received well before the later batches' windows: each later run judges it again from the table.
    land_event_occurring_in_future(events_dir / "batch=1", received_at_quantile(small_raw_dataset, 0.5))
    build_event_models(raw_dir, warehouse, target, SMALL_DATASET_END_DATE)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        watermark = connection.sql(f"select max(received_at) from {BASE_TABLE}").fetchall()[0][0]

    # The second batch brings a re-delivery of an event loaded by the first one, received an hour
    # before the watermark: it must be counted on the existing row, not added as a new row.
    land_events_received_between(small_raw_dataset, events_dir / "batch=2", first_cutoff, second_cutoff)
    redelivered_id, redelivered_received_at = land_copy_of_loaded_event(
        events_dir / "batch=1", events_dir / "batch=2", str(watermark - timedelta(hours=1))
    )
    assert watermark - REDELIVERY_WINDOW < redelivered_received_at < watermark
    [(received_at, count_before)] = loaded_rows_of_event(warehouse, redelivered_id)
    build_event_models(raw_dir, warehouse, target, SMALL_DATASET_END_DATE)
    assert loaded_rows_of_event(warehouse, redelivered_id) == [(received_at, count_before + 1)]

    # The third batch brings the rest of the stream and a late arrival for a day already built.
    land_events_received_between(small_raw_dataset, events_dir / "batch=3", second_cutoff, None)
    land_late_arrival_before(raw_dir, first_cutoff)
    build_event_models(raw_dir, warehouse, target, SMALL_DATASET_END_DATE)

    full_build = tmp_path / "full" / "warehouse.duckdb"
    build_event_models(raw_dir, full_build, tmp_path / "target_full", SMALL_DATASET_END_DATE)
    assert_same_rows(warehouse, full_build, BASE_TABLE)
    assert_same_event_tables(warehouse, full_build)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        raw_row_count = connection.sql(f"select count(*) from {raw_events(raw_dir)}").fetchall()[0][0]
        late_arrivals = connection.execute(
            f"select count(*) from {BASE_TABLE} where event_id like 'late-%' and received_at > ?", [second_cutoff]
        ).fetchall()[0][0]
        loaded_row_count = connection.sql(f"select sum(delivered_row_count) from {BASE_TABLE}").fetchall()[0][0]
        future_labels = connection.sql(
            f"select invalid_reason, loaded_at > (select min(loaded_at) from {BASE_TABLE}) "
            f"from {BASE_TABLE} where event_id like 'future-%'"
        ).fetchall()
    assert late_arrivals == 1
    assert loaded_row_count == raw_row_count
    # judged again, and so written again, by the last run
    assert future_labels == [("occurred_at_in_future", True)]

    # A copy landing with a received_at older than the re-delivery window is outside every batch:
    # the run does not read that far back, so only a full refresh counts it.
    stale_landing = events_dir / "batch=4"
    stale_landing.mkdir()
    stale_before = str(watermark - REDELIVERY_WINDOW - timedelta(days=1))
    land_copy_of_loaded_event(events_dir / "batch=1", stale_landing, stale_before)
    rows_before_stale_copy = read_rows(warehouse, BASE_TABLE)
    build_event_models(raw_dir, warehouse, target, SMALL_DATASET_END_DATE)
    assert read_rows(warehouse, BASE_TABLE) == rows_before_stale_copy


# Loaded by a run after a full build, the test matches the latest load's values; loaded by a full
# build, where every row is of the latest load, it groups every row's hash.
@pytest.mark.parametrize("loaded_by", ["incremental_run", "full_build"])
def test_event_id_redelivered_with_other_content_fails_uniqueness(
    loaded_by: str, small_raw_dataset: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, raw_dir)
    warehouse = tmp_path / "warehouse.duckdb"
    if loaded_by == "incremental_run":
        shutil.copy(request.getfixturevalue("full_build"), warehouse)
    # The stream's latest event arrives again a minute later with other properties.
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            create table conflicting_event as
            select * replace (received_at + interval 1 minute as received_at, '{{"changed": true}}' as properties)
            from {raw_events(raw_dir)}
            order by received_at desc, event_id
            limit 1
            """
        )
        connection.execute(f"copy conflicting_event to '{raw_dir}/product/events/conflict.parquet' (format parquet)")
        [(conflicting_id,)] = connection.sql("select event_id from conflicting_event").fetchall()
    build_event_models(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert len(loaded_rows_of_event(warehouse, conflicting_id)) == 2

    test_run = run_dbt(
        ["test", "--select", "unique_in_latest_load_stg_product__events_event_id", "--store-failures"],
        raw_dir,
        warehouse,
        tmp_path / "target",
        SMALL_DATASET_END_DATE,
        capture_output=True,
    )
    assert test_run.returncode != 0, test_run.stdout
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        [(failures_schema,)] = connection.sql(
            "select table_schema from information_schema.tables "
            "where table_name = 'unique_in_latest_load_stg_product__events_event_id'"
        ).fetchall()
        failing_keys = connection.sql(
            f"select event_id from {failures_schema}.unique_in_latest_load_stg_product__events_event_id"
        ).fetchall()
    assert failing_keys == [(conflicting_id,)]

"""dbt's parse is carried from one run to the next, and each run's file is built at one fixed path."""

import json
import threading
import time
from pathlib import Path

import duckdb

from cs_warehouse.parse_reuse import PARTIAL_PARSE_FILE_NAME, SLOT_OWNER_FILE_NAME, BuildSlot, PartialParseState
from cs_warehouse.project import REPO_ROOT
from cs_warehouse.resources import ServingWarehouse


def test_the_parse_state_of_one_run_is_restored_into_the_next(tmp_path: Path) -> None:
    state = PartialParseState(tmp_path / "state")
    first, second, third = (tmp_path / run / "target" for run in ("first", "second", "third"))
    state.restore(first)
    assert not first.exists(), "nothing saved yet: the first run parses in full"
    first.mkdir(parents=True)
    (first / PARTIAL_PARSE_FILE_NAME).write_bytes(b"state of the first run")
    state.save(first)
    state.restore(second)
    assert (second / PARTIAL_PARSE_FILE_NAME).read_bytes() == b"state of the first run"
    # A run that stopped before parsing leaves the saved state as it was.
    third.mkdir(parents=True)
    state.save(third)
    assert [path.name for path in (tmp_path / "state").iterdir()] == [PARTIAL_PARSE_FILE_NAME]
    assert (tmp_path / "state" / PARTIAL_PARSE_FILE_NAME).read_bytes() == b"state of the first run"


def test_a_parse_with_other_vars_is_kept_apart(tmp_path: Path) -> None:
    state = PartialParseState(tmp_path / "state")
    daily, backfill, restored = (tmp_path / run for run in ("daily", "backfill", "restored"))
    window = {"event_backfill_start_date": "2026-10-05", "event_backfill_end_date": "2026-10-07"}
    for target, content in ((daily, b"parse without vars"), (backfill, b"parse with the window")):
        target.mkdir()
        (target / PARTIAL_PARSE_FILE_NAME).write_bytes(content)
    state.save(daily)
    state.save(backfill, window)
    state.restore(restored)
    assert (restored / PARTIAL_PARSE_FILE_NAME).read_bytes() == b"parse without vars"
    state.restore(restored, dict(reversed(window.items())))
    assert (restored / PARTIAL_PARSE_FILE_NAME).read_bytes() == b"parse with the window"


def write_database(path: Path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute(f"create or replace table marker as select {value} as value")


def read_marker(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("select value from marker").fetchone()[0]


def test_each_file_is_built_at_the_same_path_and_goes_back_home(tmp_path: Path) -> None:
    slot = BuildSlot(tmp_path / "slot")
    first, second = tmp_path / "run-1" / "warehouse.duckdb", tmp_path / "run-2" / "warehouse.duckdb"
    write_database(first, 1)
    places = []
    for home, value in ((first, 10), (second, 20)):
        with slot.holding(home) as building:
            places.append(building)
            assert not home.exists()
            write_database(building, value)
        assert read_marker(home) == value
    assert places == [tmp_path / "slot" / "warehouse.duckdb"] * 2
    assert list((tmp_path / "slot").iterdir()) == []


def test_the_file_goes_back_home_when_the_build_fails(tmp_path: Path) -> None:
    slot = BuildSlot(tmp_path / "slot")
    home = tmp_path / "run" / "warehouse.duckdb"
    write_database(home, 1)
    try:
        with slot.holding(home):
            raise RuntimeError("dbt failed")
    except RuntimeError:
        pass
    assert read_marker(home) == 1


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    slot = BuildSlot(tmp_path / "slot")
    events = []
    first_holds_the_slot = threading.Event()

    def build(name: str, seconds: float) -> None:
        with slot.holding(tmp_path / name / "warehouse.duckdb"):
            events.append(f"{name} in")
            first_holds_the_slot.set()
            time.sleep(seconds)
            events.append(f"{name} out")

    first = threading.Thread(target=build, args=("first", 0.5))
    first.start()
    first_holds_the_slot.wait()
    build("second", 0)
    first.join()
    assert events == ["first in", "first out", "second in", "second out"]


def test_a_file_left_by_a_dead_build_is_sent_home(tmp_path: Path) -> None:
    slot_dir = tmp_path / "slot"
    home = tmp_path / "crashed-run" / "warehouse.duckdb"
    home.parent.mkdir()
    write_database(slot_dir / "warehouse.duckdb", 7)
    (slot_dir / SLOT_OWNER_FILE_NAME).write_text(
        json.dumps({"placed": str(slot_dir / "warehouse.duckdb"), "home": str(home)})
    )
    with BuildSlot(slot_dir).holding(tmp_path / "next-run" / "warehouse.duckdb") as building:
        assert not building.exists()
    assert read_marker(home) == 7


def test_a_warehouse_builds_beside_itself_unless_told_otherwise(tmp_path: Path) -> None:
    serving = tmp_path / "serving" / "warehouse.duckdb"
    beside = ServingWarehouse(path=str(serving))
    assert beside.build_slot().directory == serving.parent / ".working_copies" / ".building"
    shared = ServingWarehouse(path=str(serving), build_dir="build/slot")
    assert shared.build_slot().directory == REPO_ROOT / "build" / "slot"


def test_a_file_left_by_a_dead_build_gives_way_to_a_new_copy_at_home(tmp_path: Path) -> None:
    slot_dir = tmp_path / "slot"
    home = tmp_path / "retried-run" / "warehouse.duckdb"
    write_database(home, 2)
    write_database(slot_dir / "warehouse.duckdb", 7)
    (slot_dir / SLOT_OWNER_FILE_NAME).write_text(
        json.dumps({"placed": str(slot_dir / "warehouse.duckdb"), "home": str(home)})
    )
    with BuildSlot(slot_dir).holding(home) as building:
        assert read_marker(building) == 2
    assert read_marker(home) == 2

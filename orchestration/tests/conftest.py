"""Shared fixtures (a small generated dataset, the dbt project parsed into a private target dir) and
the helpers that start dbt the way the Dagster jobs do."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cs_warehouse.parse_reuse import BuildSlot, PartialParseState

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# Columns stamped with the dbt invocation that wrote the row: they differ between an incremental run
# and a full build by nature, so comparisons of the two select every column but these.
RUN_STAMP_COLUMNS = ("loaded_at", "derived_at", "inputs_derived_at")
WITHOUT_RUN_STAMPS = f"columns(lambda name: name not in {RUN_STAMP_COLUMNS})"
# Small enough for in-process pipeline runs, pinned so every run is reproducible.
SMALL_DATASET_END_DATE = "2026-10-31"
SMALL_DATASET_ARGS = ("--accounts", "120", "--months", "8", "--seed", "11", "--end-date", SMALL_DATASET_END_DATE)


def dbt_environment(raw_dir: Path, warehouse: Path, as_of: str) -> dict[str, str]:
    """The environment of a dbt a test starts. The day goes in CS_AS_OF_DATE, as the Dagster jobs pass
    it: a later run then parses only what changed, where a new `--vars` would re-parse the whole
    project."""
    return {**os.environ, "RAW_DATA_DIR": str(raw_dir), "WAREHOUSE_PATH": str(warehouse), "CS_AS_OF_DATE": as_of}


@dataclass
class WorkerDbt:
    """Where this worker's dbt builds (one path for every warehouse file of one name, as the Dagster
    jobs build in one slot) and the parse its last dbt left: the next dbt starts from it instead of
    parsing the whole project."""

    slot: BuildSlot | None = None
    parse_state: PartialParseState | None = None


WORKER_DBT = WorkerDbt()


def run_dbt(
    args: list[str],
    raw_dir: Path,
    warehouse: Path,
    target_dir: Path,
    as_of: str,
    extra_vars: dict[str, str] | None = None,
    capture_output: bool = False,
) -> subprocess.CompletedProcess:
    """dbt as the tests start it, from the repository root: `warehouse` built in the worker's build
    slot as of `as_of` (CS_AS_OF_DATE), vars other than the day in `extra_vars`."""
    cli_vars = extra_vars or {}
    run_vars = ["--vars", json.dumps(cli_vars)] if cli_vars else []
    with WORKER_DBT.slot.holding(warehouse) as building:
        WORKER_DBT.parse_state.restore(target_dir, cli_vars)
        try:
            return subprocess.run(
                [str(VENV_BIN / "dbt"), *args, "--target-path", str(target_dir), *run_vars],
                cwd=REPO_ROOT,
                env=dbt_environment(raw_dir, building, as_of),
                capture_output=capture_output,
                text=True,
                check=False,
            )
        finally:
            WORKER_DBT.parse_state.save(target_dir, cli_vars)


def build_models_up_to(
    model: str, raw_dir: Path, warehouse: Path, target_dir: Path, as_of: str, **extra_vars: str
) -> None:
    """Build `model` and every parent (seeds and models) into `warehouse`, without tests; vars other
    than the day in `extra_vars`."""
    build = run_dbt(
        ["build", "--select", f"+{model}", "--resource-type", "seed", "--resource-type", "model", "--quiet"],
        raw_dir,
        warehouse,
        target_dir,
        as_of,
        extra_vars,
    )
    assert build.returncode == 0, f"dbt build of +{model} failed"


@pytest.fixture(scope="session", autouse=True)
def dbt_per_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every dbt a test starts logs under this worker's temp dir: test files run side by side, and
    dbt processes sharing the project's logs/dbt.log would interleave and rotate it under each other.
    The worker's build slot and parse state live there too."""
    worker_dir = tmp_path_factory.mktemp("dbt")
    WORKER_DBT.slot = BuildSlot(worker_dir / "slot")
    WORKER_DBT.parse_state = PartialParseState(worker_dir / "parse_state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_LOG_PATH", str(worker_dir / "logs"))
        yield


@pytest.fixture(scope="session")
def venv_on_path() -> Iterator[None]:
    """dbt and the generator are found on PATH by the subprocesses the fixtures start, as under `make`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        yield


@pytest.fixture(scope="session")
def small_raw_dataset(tmp_path_factory: pytest.TempPathFactory, venv_on_path: None) -> Path:
    """Raw files of a small demo dataset ending on SMALL_DATASET_END_DATE."""
    out = tmp_path_factory.mktemp("small_dataset") / "raw"
    subprocess.run(["cs-warehouse", "generate", "--out", str(out), *SMALL_DATASET_ARGS], check=True)
    return out


@pytest.fixture(scope="session")
def parsed_dbt_project(tmp_path_factory: pytest.TempPathFactory, venv_on_path: None):
    """The warehouse's dbt project with a manifest parsed into a private target directory."""
    from cs_warehouse.project import build_dbt_project

    target = tmp_path_factory.mktemp("dbt_target")
    project = build_dbt_project(target)
    environment = {**os.environ, "WAREHOUSE_PATH": str(target / "unused.duckdb")}
    subprocess.run(
        ["dbt", "parse", "--target-path", str(target), "--quiet"],
        cwd=REPO_ROOT,
        env=environment,
        check=True,
    )
    return project


def with_resources(definitions, **resources):
    """The same code location with some of its resources replaced."""
    from dagster import Definitions

    return Definitions(
        assets=definitions.assets,
        asset_checks=definitions.asset_checks,
        jobs=definitions.jobs,
        schedules=definitions.schedules,
        resources={**definitions.resources, **resources},
    )


@pytest.fixture(scope="session")
def dagster_definitions(parsed_dbt_project):
    """The code location, its runs building in this worker's build slot: whatever warehouse a test
    publishes to, a run after the worker's first starts from the parse the last one left."""
    from cs_warehouse.definitions import build_definitions
    from cs_warehouse.resources import ServingWarehouse

    return with_resources(
        build_definitions(parsed_dbt_project), warehouse=ServingWarehouse(build_dir=str(WORKER_DBT.slot.directory))
    )


# The warehouse `make dbt-test-build` builds before pytest runs (first of its seeds); tests that only
# read a built warehouse share it instead of building again.
TEST_BUILD_DIR = REPO_ROOT / "build" / "test" / "seed-11"


@pytest.fixture(scope="session")
def test_build() -> Path:
    """build/test/seed-11: raw/, warehouse.duckdb and target/ of `make dbt-test-build`."""
    if not (TEST_BUILD_DIR / "warehouse.duckdb").exists():
        pytest.skip(f"no test build at {TEST_BUILD_DIR}: run `make dbt-test-build` first (make test does)")
    return TEST_BUILD_DIR


@pytest.fixture(scope="session")
def serving_database(test_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The serving database published from the test build (the build itself is left untouched)."""
    from cs_warehouse.serving import write_serving_database

    serving = tmp_path_factory.mktemp("serving") / "warehouse.duckdb"
    write_serving_database(test_build / "warehouse.duckdb", serving)
    return serving

"""How the tools are started: the CLI rejects bad arguments in one line, Dagster finds its dbt, dbt
opens the warehouse with the settings its environment gives."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cached_property
from pathlib import Path

import pytest
from conftest import SMALL_DATASET_END_DATE, run_dbt
from dagster_dbt import DbtCliResource

from cs_warehouse.cli import main
from cs_warehouse.project import build_dbt_project, dbt_cli_resource, dbt_executable


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--accounts", "0"], "argument --accounts: must be at least 1, got 0"),
        (["--months", "-3"], "argument --months: must be at least 1, got -3"),
        (["--accounts", "many"], "argument --accounts: expected a whole number, got 'many'"),
        (["--event-volume", "0"], "argument --event-volume: must be greater than 0, got 0"),
        (["--end-date", "2026-13-01"], "argument --end-date: expected a date YYYY-MM-DD, got '2026-13-01'"),
    ],
)
def test_generate_rejects_bad_arguments_with_one_error_line(tmp_path, capsys, arguments, message):
    with pytest.raises(SystemExit) as stopped:
        main(["generate", "--out", str(tmp_path / "raw"), *arguments])
    assert stopped.value.code == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert error_lines == [f"cs-warehouse generate: error: {message}"]
    assert not (tmp_path / "raw").exists()


def test_dagster_runs_the_dbt_beside_its_interpreter_whatever_the_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert dbt_executable() == str(Path(sys.executable).parent / "dbt")


def test_dagster_knows_the_dbt_version_without_starting_dbt(tmp_path):
    resource = dbt_cli_resource(build_dbt_project(tmp_path / "target"))
    version_output = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True).stdout
    assert f"installed: {resource._cli_version}" in version_output


def test_the_dagster_dbt_steps_this_project_skips_still_exist():
    """ProjectDbtCliResource replaces two members of dagster-dbt's resource: if an upgrade renamed
    them, the replacements would silently stop applying."""
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)
    assert callable(DbtCliResource.__dict__["_initialize_dbt_core_adapter"])


def test_every_warehouse_connection_has_the_settings_of_the_environment(small_raw_dataset, tmp_path, monkeypatch):
    """The database-wide settings are given once when the warehouse opens (profiles.yml
    `config_options`), the zone on every connection (`settings`): a node's connection sees them all."""
    monkeypatch.setenv("DUCKDB_THREADS", "1")
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "1GB")
    settings_query = (
        "select current_setting('threads') as threads, current_setting('memory_limit') as memory_limit, "
        "current_setting('preserve_insertion_order') as preserve_insertion_order, "
        "current_setting('TimeZone') as time_zone"
    )
    shown = run_dbt(
        ["show", "--quiet", "--output", "json", "--inline", settings_query],
        small_raw_dataset,
        tmp_path / "warehouse.duckdb",
        tmp_path / "target",
        SMALL_DATASET_END_DATE,
        capture_output=True,
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert json.loads(shown.stdout)["show"] == [
        # 1GB is 10^9 bytes, which DuckDB shows in binary units.
        {"threads": 1, "memory_limit": "953.6 MiB", "preserve_insertion_order": False, "time_zone": "UTC"}
    ]


def query_threads_statement(target_dir: Path) -> str:
    """What the run's on-run-start hooks ran to set DuckDB's threads ('' when they left them)."""
    results = json.loads((target_dir / "run_results.json").read_text())["results"]
    hooks = [result["compiled_code"] for result in results if "on-run-start" in result["unique_id"]]
    return next((code for code in hooks if code.startswith("set threads")), "")


def test_a_run_adding_to_stored_incremental_tables_gives_each_query_its_share_of_duckdbs_threads(
    small_raw_dataset, tmp_path, monkeypatch
):
    """DuckDB's threads divided by dbt's once every incremental model of the run is stored; all of
    them on a first build and on a full refresh (macros/query_threads.sql)."""
    monkeypatch.setenv("DUCKDB_THREADS", "4")
    monkeypatch.setenv("DBT_THREADS", "2")
    warehouse, target_dir = tmp_path / "warehouse.duckdb", tmp_path / "target"
    build = [
        "build", "--quiet", "--select", "+base_product__events", "--resource-type", "seed", "--resource-type", "model",
    ]  # fmt: skip

    def run(*extra: str) -> str:
        finished = run_dbt([*build, *extra], small_raw_dataset, warehouse, target_dir, SMALL_DATASET_END_DATE)
        assert finished.returncode == 0, f"dbt {' '.join(extra) or 'build'} failed"
        return query_threads_statement(target_dir)

    assert run() == ""
    assert run() == "set threads = 2"
    assert run("--full-refresh") == ""
    monkeypatch.setenv("DUCKDB_THREADS", "1")
    assert run() == "set threads = 1"

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

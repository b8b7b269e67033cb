"""How the tools are started: the CLI rejects bad arguments in one line, Dagster finds its dbt."""

from __future__ import annotations

import subprocess
import sys
from functools import cached_property
from pathlib import Path

import pytest
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

"""The dbt project Dagster runs: dbt_project.yml and profiles.yml live at the repository root."""

import importlib.metadata
import shutil
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev
from packaging import version

REPO_ROOT = Path(__file__).resolve().parents[2]


def dbt_executable() -> str:
    """The dbt installed beside the running interpreter, else the one on PATH.

    `.venv/bin/dagster ...` must find the venv's dbt even when `.venv/bin` is not on PATH.
    """
    beside_interpreter = Path(sys.executable).parent / "dbt"
    if beside_interpreter.is_file():
        return str(beside_interpreter)
    return shutil.which("dbt") or "dbt"


class ProjectDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, less two things it does for every invocation that this project
    never uses, which cost a run 5-8 s on 2 cores:

    - it starts `dbt --version` to learn the version, once per step process: the dbt beside the
      interpreter is the installed dbt-core package, whose version is known without it;
    - it sets up a dbt adapter inside the Dagster process, for `fetch_row_counts` and
      `fetch_column_metadata`, which this project does not call (dbt itself runs in its subprocess).
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == Path(sys.executable).parent / "dbt":
            return version.parse(importlib.metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_cli_resource(project: DbtProject) -> DbtCliResource:
    return ProjectDbtCliResource(project_dir=project, dbt_executable=dbt_executable())


def prepare_manifest(project: DbtProject) -> None:
    """Parse the dbt manifest the code location is built from, with the dbt the runs use (dagster-dbt's
    own preparer would look for `dbt` on PATH): under `dagster dev` on every load, to pick up edits,
    and wherever none exists yet (a fresh clone); a deployment ships a prepared one and is left as is."""
    if using_dagster_dev() or not project.manifest_path.exists():
        dbt_cli_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()


def build_dbt_project(target_path: str | Path = "target") -> DbtProject:
    """The warehouse's dbt project, reading and writing its artifacts under `target_path`."""
    return DbtProject(project_dir=REPO_ROOT, profiles_dir=REPO_ROOT, target_path=Path(target_path))


cs_warehouse_project = build_dbt_project()

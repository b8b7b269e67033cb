"""The dbt project Dagster runs: dbt_project.yml and profiles.yml live at the repository root."""

from pathlib import Path

from dagster_dbt import DbtProject

REPO_ROOT = Path(__file__).resolve().parents[2]


def build_dbt_project(target_path: str | Path = "target") -> DbtProject:
    """The warehouse's dbt project, reading and writing its artifacts under `target_path`."""
    return DbtProject(project_dir=REPO_ROOT, profiles_dir=REPO_ROOT, target_path=Path(target_path))


cs_warehouse_project = build_dbt_project()

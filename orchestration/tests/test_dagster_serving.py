"""Write-audit-publish on the serving warehouse file, without dbt: copy, publish, refuse lost updates."""

from pathlib import Path

import duckdb
import pytest
from dagster import Failure

from cs_warehouse.resources import ServingWarehouse


def write_marker(warehouse: Path, value: str) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create or replace table marker as select ? as value", [value])


def read_marker(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute("select value from marker").fetchone()[0]


@pytest.fixture
def serving_warehouse(tmp_path: Path) -> ServingWarehouse:
    warehouse = ServingWarehouse(path=str(tmp_path / "warehouse.duckdb"))
    write_marker(warehouse.serving_path(), "yesterday")
    return warehouse


def test_a_run_builds_on_a_copy_and_publishes_it(serving_warehouse: ServingWarehouse):
    working = serving_warehouse.ensure_working_copy("run-a")
    assert working.name == serving_warehouse.serving_path().name, "DuckDB names the catalog after the file"
    assert read_marker(working) == "yesterday", "incremental state carries over"
    write_marker(working, "today")
    assert read_marker(serving_warehouse.serving_path()) == "yesterday", "readers see nothing before publishing"

    serving_warehouse.publish("run-a")

    assert read_marker(serving_warehouse.serving_path()) == "today"
    assert not working.parent.exists()


def test_a_run_cannot_overwrite_what_another_run_published_since_it_copied(serving_warehouse: ServingWarehouse):
    first, second = (serving_warehouse.ensure_working_copy(run_id) for run_id in ("run-a", "run-b"))
    write_marker(first, "from run a")
    write_marker(second, "from run b")
    serving_warehouse.publish("run-a")

    with pytest.raises(Failure, match="changed after this run copied it"):
        serving_warehouse.publish("run-b")

    assert read_marker(serving_warehouse.serving_path()) == "from run a"
    assert second.exists(), "the refused build is kept for inspection"


def test_publishing_without_a_build_fails(serving_warehouse: ServingWarehouse):
    with pytest.raises(Failure, match="Nothing to publish"):
        serving_warehouse.publish("run-without-dbt")
    assert read_marker(serving_warehouse.serving_path()) == "yesterday"


def test_publishing_writes_the_serving_database_with_the_marts_only(serving_warehouse: ServingWarehouse):
    working = serving_warehouse.ensure_working_copy("run-a")
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.kpi_monthly as select date '2026-10-01' as month, 0.02 as churn")
        connection.execute("create schema staging")
        connection.execute("create view staging.stg_contacts as select 'x@y.z' as email")

    published = serving_warehouse.publish("run-a")

    serving_database = serving_warehouse.serving_database_path()
    assert published["serving_database_path"] == str(serving_database)
    assert serving_database.parent == serving_warehouse.serving_path().parent / "serving"
    with duckdb.connect(str(serving_database), read_only=True) as connection:
        assert connection.execute("select schema_name, table_name from duckdb_tables()").fetchall() == [
            ("marts", "kpi_monthly")
        ]
        assert not connection.execute("select * from duckdb_views() where not internal").fetchall()


def test_a_mart_with_personal_data_is_not_published(serving_warehouse: ServingWarehouse):
    working = serving_warehouse.ensure_working_copy("run-a")
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.contacts as select 'a' as account_id, 'x@y.z' as email")

    with pytest.raises(Failure, match=r"marts\.contacts\.email"):
        serving_warehouse.publish("run-a")

    assert read_marker(serving_warehouse.serving_path()) == "yesterday", "the full warehouse is not replaced either"
    assert not serving_warehouse.serving_database_path().exists()

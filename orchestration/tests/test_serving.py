"""The serving database: public marts and reference tables only, no view, no personal data, and a
refresh that connected readers never see fail; exports of it as Parquet and CSV."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from conftest import VENV_BIN

from cs_warehouse.serving import (
    PII_COLUMN_PATTERN,
    SERVING_SCHEMAS,
    ServingDatabaseError,
    export_tables,
    write_serving_database,
)

REFRESHES_UNDER_READERS = 5


def public_marts(test_build: Path) -> set[str]:
    manifest = json.loads((test_build / "target" / "manifest.json").read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


def test_serving_database_holds_every_public_mart_as_a_table_and_nothing_else(test_build, serving_database):
    with duckdb.connect(str(serving_database), read_only=True) as connection:
        tables = connection.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        views = connection.execute("select view_name from duckdb_views() where not internal").fetchall()
        columns = connection.execute("select table_name, column_name from duckdb_columns()").fetchall()
    assert not views, f"views reach the serving database: {views}"
    assert {schema for schema, _ in tables} == set(SERVING_SCHEMAS)
    assert {table for schema, table in tables if schema == "marts"} == public_marts(test_build)
    personal = [f"{table}.{column}" for table, column in columns if PII_COLUMN_PATTERN.search(column)]
    assert not personal, f"personal data in the serving database: {personal}"


def test_serving_tables_equal_the_build(test_build, serving_database):
    with duckdb.connect() as connection:
        connection.execute(f"attach '{test_build / 'warehouse.duckdb'}' as build (read_only)")
        connection.execute(f"attach '{serving_database}' as serving (read_only)")
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'serving'"
        ).fetchall()
        for schema, table in tables:
            differences = connection.execute(
                f"select count(*) from ((from build.{schema}.{table} except all from serving.{schema}.{table}) "
                f"union all (from serving.{schema}.{table} except all from build.{schema}.{table}))"
            ).fetchone()[0]
            assert differences == 0, f"{schema}.{table} differs from the build"
        described = connection.execute(
            "select count(*) from duckdb_columns() where database_name = 'serving' and schema_name = 'marts' "
            "and comment is not null"
        ).fetchone()[0]
    assert described > 0, "column descriptions reach BI tools as comments"


RELATION_COMMENTS = """
    select schema_name, table_name, comment from duckdb_tables() where database_name = $database
    union all
    select schema_name, view_name, comment from duckdb_views() where database_name = $database
"""
COLUMN_COMMENTS = """
    select schema_name, table_name, column_name, comment from duckdb_columns() where database_name = $database
"""


def test_served_tables_keep_the_descriptions_of_the_build_tables_and_views(test_build, serving_database):
    with duckdb.connect() as connection:
        connection.execute(f"attach '{test_build / 'warehouse.duckdb'}' as build (read_only)")
        connection.execute(f"attach '{serving_database}' as serving (read_only)")

        def comments(query: str, database: str) -> dict[tuple[str, ...], str | None]:
            rows = connection.execute(query, {"database": database}).fetchall()
            return {tuple(row[:-1]): row[-1] for row in rows if row[0] in SERVING_SCHEMAS}

        built, served = comments(RELATION_COMMENTS, "build"), comments(RELATION_COMMENTS, "serving")
        built_columns, served_columns = comments(COLUMN_COMMENTS, "build"), comments(COLUMN_COMMENTS, "serving")
        mart_views = connection.execute(
            "select view_name from duckdb_views() where database_name = 'build' and schema_name = 'marts'"
        ).fetchall()
    assert ("fct_health_score_outcomes",) in mart_views, "a mart built as a view is served (as a table)"
    assert served == built
    assert served["marts", "fct_health_score_outcomes"], "the view's description reaches BI tools"
    assert served_columns == built_columns
    assert served_columns["marts", "fct_health_score_outcomes", "churned_within_90d"]


def test_a_mart_with_personal_data_is_refused(tmp_path: Path):
    build = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(build)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.contacts_by_account as select 'a' as account_id, 'x@y.z' as email")
    serving = tmp_path / "serving" / "warehouse.duckdb"
    with pytest.raises(ServingDatabaseError, match=r"marts\.contacts_by_account\.email"):
        write_serving_database(build, serving)
    assert not serving.exists(), "nothing is published"
    assert not list(serving.parent.iterdir()), "no temporary file is left behind"


READER = textwrap.dedent(
    """
    import pathlib, sys, duckdb
    path, stop = sys.argv[1], pathlib.Path(sys.argv[2])
    reads, errors = 0, []
    held = duckdb.connect(path, read_only=True)  # a BI tool that stays connected through the refreshes
    print("connected", flush=True)
    while not stop.exists():
        try:
            held.execute("select count(*) from marts.kpi_monthly").fetchone()
            with duckdb.connect(path, read_only=True) as fresh:  # and one that reconnects each time
                fresh.execute("select sum(mrr_end) from marts.kpi_monthly").fetchone()
            reads += 1
        except Exception as error:
            errors.append(repr(error))
    print(reads, len(errors), errors[:3])
    """
)


def test_readers_connected_during_refreshes_never_fail(test_build, serving_database, tmp_path: Path):
    serving = tmp_path / "serving.duckdb"
    shutil.copy(serving_database, serving)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), str(stop)], stdout=subprocess.PIPE, text=True
    )
    assert reader.stdout.readline().strip() == "connected", "the reader is connected before the first refresh"
    for _ in range(REFRESHES_UNDER_READERS):
        write_serving_database(test_build / "warehouse.duckdb", serving)
    stop.touch()
    output, _ = reader.communicate(timeout=120)
    reads, errors, examples = output.split(" ", 2)
    assert reader.returncode == 0
    assert int(reads) > 0
    assert int(errors) == 0, f"a reader failed during a refresh: {examples}"


def assert_every_table_exported(serving_database: Path, out: Path, file_format: str) -> None:
    with duckdb.connect(str(serving_database), read_only=True) as connection:
        tables = connection.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        assert tables
        for schema, table in tables:
            exported = out / schema / f"{table}.{file_format}"
            reader = "read_parquet" if file_format == "parquet" else "read_csv"
            rows = connection.execute(f"select count(*) from {reader}('{exported}')").fetchone()[0]
            expected = connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            assert rows == expected, f"{exported} has {rows} rows, {schema}.{table} {expected}"


def test_export_command_writes_every_serving_table_as_parquet(serving_database, tmp_path: Path):
    out = tmp_path / "export"
    command = ["export", "--format", "parquet", "--out", str(out), "--database", str(serving_database)]
    subprocess.run([str(VENV_BIN / "cs-warehouse"), *command], check=True)
    assert_every_table_exported(serving_database, out, "parquet")


def test_export_writes_every_serving_table_as_csv(serving_database, tmp_path: Path):
    export_tables(serving_database, tmp_path / "export", "csv")
    assert_every_table_exported(serving_database, tmp_path / "export", "csv")

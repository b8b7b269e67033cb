"""The serving database: what BI tools, notebooks and the CS report read.

dbt builds the full warehouse (WAREHOUSE_PATH): staging views over raw files, intermediate tables,
audit and test-failure tables, personal data of contacts and users. Readers get a separate DuckDB
file holding only the public marts and the reference tables a dashboard needs, as plain tables,
written to a temporary file beside the serving path and moved onto it in one atomic rename: a reader
connected during a refresh keeps the file it opened, the next connection opens the new one.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .project import REPO_ROOT

# Schemas copied into the serving database: the public marts, and the reference seeds (FX rates,
# margins, feature catalogue, health weights) that label and convert mart figures in a dashboard.
SERVING_SCHEMAS = ("marts", "reference")
DEFAULT_WAREHOUSE_PATH = "warehouse.duckdb"
SERVING_DIR_NAME = "serving"
EXPORT_FORMATS = ("parquet", "csv")
SERVING_PATH_ENV = "SERVING_PATH"
# Column names that carry personal data in this project's sources (contacts, product users,
# survey respondents, CSM owners). A mart exposing one is refused rather than served.
PII_COLUMN_PATTERN = re.compile(
    r"(^|_)(email|e_mail|phone|first_name|last_name|full_name|contact_name|user_name|owner_name|ip_address)($|_)"
)
BUILD_ALIAS = "build_warehouse"


class ServingDatabaseError(RuntimeError):
    """The build warehouse cannot be served as it is (missing file, personal data in a mart)."""


@dataclass(frozen=True)
class ServingTable:
    schema: str
    name: str
    rows: int

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def _from_root(path: Path) -> Path:
    return path if path.is_absolute() else REPO_ROOT / path


def warehouse_path(configured: str | None = None) -> Path:
    """The full warehouse dbt builds: `configured`, else env WAREHOUSE_PATH (as profiles.yml), else
    warehouse.duckdb. Relative paths are relative to the repository root, where dbt runs."""
    return _from_root(Path(configured or os.environ.get("WAREHOUSE_PATH") or DEFAULT_WAREHOUSE_PATH))


def serving_database_path(build_path: Path, configured: str | None = None) -> Path:
    """Where the serving database goes: `configured`, else env SERVING_PATH, else serving/<build file
    name> next to the full warehouse. Relative paths are relative to the repository root."""
    path = Path(
        configured or os.environ.get(SERVING_PATH_ENV) or build_path.parent / SERVING_DIR_NAME / build_path.name
    )
    return path if path.is_absolute() else REPO_ROOT / path


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    # COMMENT ON takes a literal, not a parameter.
    return "'" + text.replace("'", "''") + "'"


def _tables_to_serve(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Base tables and views of the serving schemas in the build warehouse, in a stable order."""
    return connection.execute(
        f"""
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = '{BUILD_ALIAS}' and list_contains(?, table_schema)
        order by table_schema, table_name
        """,
        [list(SERVING_SCHEMAS)],
    ).fetchall()


def _refuse_personal_data(connection: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> None:
    offending = [
        f"{schema}.{table}.{column}"
        for schema, table in tables
        for (column,) in connection.execute(
            f"select column_name from information_schema.columns where table_catalog = '{BUILD_ALIAS}' "
            "and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
        if PII_COLUMN_PATTERN.search(column.lower())
    ]
    if offending:
        raise ServingDatabaseError(
            "Not served: column(s) that look like personal data would reach every BI reader: "
            + ", ".join(offending)
            + ". Drop or aggregate them in the mart (personal data stays in staging)."
        )


def write_serving_database(build_path: Path, serving_path: Path) -> list[ServingTable]:
    """Copy the public marts and reference tables of `build_path` into a new file, then rename it onto
    `serving_path`. Returns the tables served with their row counts."""
    if not build_path.exists():
        raise ServingDatabaseError(
            f"No build warehouse at {build_path}: run `dbt build` (or `make run`) first, or set "
            "WAREHOUSE_PATH to the file dbt builds."
        )
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the serving file, so the final move is a rename on one filesystem.
    descriptor, temporary_name = tempfile.mkstemp(
        prefix=f".{serving_path.stem}.", suffix=".duckdb.tmp", dir=serving_path.parent
    )
    os.close(descriptor)
    temporary = Path(temporary_name)
    temporary.unlink()  # DuckDB creates the file itself; an empty file is not a database.
    try:
        served = _copy_tables(build_path, temporary)
        os.replace(temporary, serving_path)
    finally:
        temporary.unlink(missing_ok=True)
        temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
    return served


def _copy_tables(build_path: Path, target: Path) -> list[ServingTable]:
    served: list[ServingTable] = []
    with duckdb.connect(str(target)) as connection:
        connection.execute(f"attach ? as {BUILD_ALIAS} (read_only)", [str(build_path)])
        tables = _tables_to_serve(connection)
        _refuse_personal_data(connection, tables)
        for schema in sorted({schema for schema, _ in tables}):
            connection.execute(f"create schema {_quote(schema)}")
        for schema, table in tables:
            name = f"{_quote(schema)}.{_quote(table)}"
            connection.execute(f"create table {name} as select * from {BUILD_ALIAS}.{name}")
            rows = connection.execute(f"select count(*) from {name}").fetchone()[0]
            served.append(ServingTable(schema, table, rows))
        _copy_descriptions(connection)
        connection.execute(f"detach {BUILD_ALIAS}")
        # Everything in the one file before it is renamed (no write-ahead log left beside it).
        connection.execute("checkpoint")
    return served


def _copy_descriptions(connection: duckdb.DuckDBPyConnection) -> None:
    """Carry the table and column comments dbt persisted, so a BI tool shows the descriptions. A view of
    the build is served as a table and keeps its comments (duckdb_columns() lists views' columns too)."""
    for schema, table, comment in connection.execute(
        f"""
        select schema_name, table_name, comment
        from (
            select database_name, schema_name, table_name, comment from duckdb_tables()
            union all
            select database_name, schema_name, view_name, comment from duckdb_views()
        )
        where database_name = '{BUILD_ALIAS}' and comment is not null and list_contains(?, schema_name)
        """,
        [list(SERVING_SCHEMAS)],
    ).fetchall():
        connection.execute(f"comment on table {_quote(schema)}.{_quote(table)} is {_literal(comment)}")
    for schema, table, column, comment in connection.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        f"where database_name = '{BUILD_ALIAS}' and comment is not null and list_contains(?, schema_name)",
        [list(SERVING_SCHEMAS)],
    ).fetchall():
        connection.execute(
            f"comment on column {_quote(schema)}.{_quote(table)}.{_quote(column)} is {_literal(comment)}"
        )


def export_tables(serving_path: Path, out_dir: Path, file_format: str) -> list[Path]:
    """Every table of the serving database as one file, <out_dir>/<schema>/<table>.<file_format>."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"Unknown export format {file_format!r}: use one of {', '.join(EXPORT_FORMATS)}.")
    options = "format parquet" if file_format == "parquet" else "format csv, header true"
    written = []
    with duckdb.connect(str(serving_path), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() order by schema_name, table_name"
        ).fetchall()
        for schema, table in tables:
            target = out_dir / schema / f"{table}.{file_format}"
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.execute(f"copy {_quote(schema)}.{_quote(table)} to {_literal(str(target))} ({options})")
            written.append(target)
    return written

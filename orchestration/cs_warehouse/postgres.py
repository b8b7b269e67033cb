"""Publish the serving database to PostgreSQL, for BI tools that only speak Postgres.

Each served schema is loaded into `<schema>__loading` with COPY, then swapped in with the old one
dropped in a single transaction: a reader sees the previous tables or the new ones, never a half
load. An optional read-only role gets USAGE and SELECT on what was published.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

LOADING_SUFFIX = "__loading"
# DuckDB types whose name differs in PostgreSQL; DECIMAL(p,s), DATE, BOOLEAN, INTEGER, BIGINT,
# SMALLINT, TIMESTAMP, VARCHAR keep theirs.
POSTGRES_TYPES = {
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "HUGEINT": "numeric(38, 0)",
    "UBIGINT": "numeric(20, 0)",
    "UINTEGER": "bigint",
    "TINYINT": "smallint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "VARCHAR": "text",
}


class PostgresPublishError(RuntimeError):
    """A column type the publish cannot carry, or an empty serving database."""


def postgres_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return postgres_type(duckdb_type[:-2]) + "[]"
    if re.fullmatch(r"DECIMAL\(\d+,\d+\)|DATE|BOOLEAN|INTEGER|BIGINT|SMALLINT|TIMESTAMP", duckdb_type):
        return duckdb_type.lower()
    if duckdb_type in POSTGRES_TYPES:
        return POSTGRES_TYPES[duckdb_type]
    raise PostgresPublishError(
        f"No PostgreSQL type for DuckDB type {duckdb_type}: cast the mart column to a standard type."
    )


def _csv_expression(column: str, duckdb_type: str) -> str:
    """The column as COPY ... CSV expects it; lists become PostgreSQL array literals."""
    quoted = '"' + column.replace('"', '""') + '"'
    if not duckdb_type.endswith("[]"):
        return quoted
    element = "'\"' || replace(replace(cast(item as varchar), '\\', '\\\\'), '\"', '\\\"') || '\"'"
    return f"'{{' || array_to_string(list_transform({quoted}, item -> {element}), ',') || '}}' as {quoted}"


def publish_to_postgres(
    serving_path: Path,
    dsn: str,
    reader_role: str | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, int]:
    """Copy every table of the serving database at `serving_path` into the PostgreSQL database `dsn`,
    schema for schema. Returns the rows published per `schema.table`."""
    published: dict[str, int] = {}
    with duckdb.connect(str(serving_path), read_only=True) as source:
        tables = source.execute(
            "select schema_name, table_name from duckdb_tables() order by schema_name, table_name"
        ).fetchall()
        if not tables:
            raise PostgresPublishError(f"{serving_path} holds no table: publish the serving database first.")
        schemas = sorted({schema for schema, _ in tables})
        connection = psycopg2.connect(dsn)
        try:
            with connection, connection.cursor() as cursor, tempfile.TemporaryDirectory() as scratch:
                for schema in schemas:
                    loading = sql.Identifier(schema + LOADING_SUFFIX)
                    cursor.execute(sql.SQL("drop schema if exists {} cascade").format(loading))
                    cursor.execute(sql.SQL("create schema {}").format(loading))
                for schema, table in tables:
                    published[f"{schema}.{table}"] = _load_table(source, cursor, schema, table, Path(scratch))
                    progress(f"  loaded {schema}.{table} ({published[f'{schema}.{table}']:,} rows)")
            # The swap: one transaction, so readers see the old schemas or the new ones.
            with connection, connection.cursor() as cursor:
                for schema in schemas:
                    cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
                    cursor.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(schema + LOADING_SUFFIX), sql.Identifier(schema)
                        )
                    )
                    if reader_role:
                        role = sql.Identifier(reader_role)
                        cursor.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), role))
                        cursor.execute(
                            sql.SQL("grant select on all tables in schema {} to {}").format(
                                sql.Identifier(schema), role
                            )
                        )
        finally:
            connection.close()
    return published


def _load_table(source: duckdb.DuckDBPyConnection, cursor, schema: str, table: str, scratch: Path) -> int:
    columns = source.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, table],
    ).fetchall()
    target = sql.Identifier(schema + LOADING_SUFFIX, table)
    cursor.execute(
        sql.SQL("create table {} ({})").format(
            target,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(data_type)))
                for name, data_type in columns
            ),
        )
    )
    csv_path = scratch / f"{schema}.{table}.csv"
    selected = ", ".join(_csv_expression(name, data_type) for name, data_type in columns)
    source.execute(f'copy (select {selected} from "{schema}"."{table}") to \'{csv_path}\' (format csv, header false)')
    with csv_path.open() as rows:
        cursor.copy_expert(sql.SQL("copy {} from stdin with (format csv)").format(target), rows)
    csv_path.unlink()
    return cursor.rowcount

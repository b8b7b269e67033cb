"""Compare every public mart of a Spark build with the DuckDB build of the same raw data.

The Spark tables are read from their Parquet files under the Spark warehouse folder
(`<dir>/marts.db/<mart>/`), so no Spark session is needed. Each Spark column is cast to the type of
the DuckDB column; decimals (money) must match exactly, doubles to 6 decimals (engines sum floats
in different orders), everything else exactly. Rows are compared as multisets (EXCEPT ALL both
ways). Exit status 1 when any mart differs or is missing; a mart empty on both engines is named.

Usage: python scripts/compare_spark_marts.py WAREHOUSE.duckdb SPARK_WAREHOUSE_DIR
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

DOUBLE_DECIMALS = 6
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# Change markers hashed with each engine's own hash function (macros/dialect.sql sorted_values_hash):
# they only ever compare with rows of the same warehouse, so their values differ by engine by design.
ENGINE_HASH_COLUMNS = {"non_event_inputs_fingerprint"}
# Stamped with the start of the dbt invocation that wrote the row: two builds differ by nature.
RUN_STAMP_COLUMNS = {"derived_at"}


def public_marts(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the DuckDB build's `marts` schema: the public marts."""
    rows = connection.sql(
        "select table_name from information_schema.tables where table_catalog = 'duckdb_build' "
        "and table_schema = 'marts' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def comparable_columns(connection: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    """Select expressions normalising both sides to the DuckDB column types."""
    columns = connection.sql(
        "select column_name, data_type from duckdb_columns() "
        f"where database_name = 'duckdb_build' and schema_name = 'marts' and table_name = '{mart}' "
        "order by column_index"
    ).fetchall()
    expressions = []
    for name, data_type in columns:
        if name in ENGINE_HASH_COLUMNS | RUN_STAMP_COLUMNS:
            continue
        value = f'cast("{name}" as {data_type})'
        if data_type.upper() in FLOAT_TYPES:
            value = f"round({value}, {DOUBLE_DECIMALS})"
        expressions.append(f'{value} as "{name}"')
    return expressions


def report_type_differences(connection: duckdb.DuckDBPyConnection, mart: str, spark_relation: str) -> None:
    """Print the columns whose Spark type differs from DuckDB's (values are compared after a cast)."""
    describe = "select column_name, column_type from (describe {})"
    duckdb_types = dict(connection.sql(describe.format(f"duckdb_build.marts.{mart}")).fetchall())
    spark_types = dict(connection.sql(describe.format(f"from {spark_relation}")).fetchall())
    for name, duckdb_type in duckdb_types.items():
        spark_type = spark_types.get(name, "missing").replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMP")
        if spark_type != duckdb_type:
            print(f"  note: {mart}.{name} is {spark_type} on Spark, {duckdb_type} on DuckDB")


def compare_mart(connection: duckdb.DuckDBPyConnection, mart: str, spark_dir: Path) -> tuple[int, int, int, int]:
    """(duckdb rows, spark rows, rows only in duckdb, rows only in spark)."""
    table_dir = spark_dir / "marts.db" / mart
    files = [path for path in table_dir.rglob("*.parquet") if not path.name.startswith(("_", "."))]
    select_list = ", ".join(comparable_columns(connection, mart))
    duckdb_rows = f"select {select_list} from duckdb_build.marts.{mart}"
    if files:
        spark_relation = f"read_parquet('{table_dir}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    else:  # an empty Spark table may have no data file at all
        spark_relation = f"(select * from duckdb_build.marts.{mart} limit 0)"
    spark_rows = f"select {select_list} from {spark_relation}"
    if files:
        report_type_differences(connection, mart, spark_relation)
    counts = connection.sql(
        f"""
        with duckdb_side as ({duckdb_rows}), spark_side as ({spark_rows})
        select
            (select count(*) from duckdb_side),
            (select count(*) from spark_side),
            (select count(*) from (from duckdb_side except all from spark_side)),
            (select count(*) from (from spark_side except all from duckdb_side))
        """
    ).fetchall()[0]
    duckdb_count, spark_count, only_duckdb, only_spark = counts
    if only_duckdb or only_spark:
        sample = connection.sql(
            f"with duckdb_side as ({duckdb_rows}), spark_side as ({spark_rows}) "
            "(select 'duckdb' as engine, * from (from duckdb_side except all from spark_side) limit 3) "
            "union all "
            "(select 'spark' as engine, * from (from spark_side except all from duckdb_side) limit 3)"
        )
        print(sample)
    return duckdb_count, spark_count, only_duckdb, only_spark


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    warehouse_path, spark_dir = Path(argv[0]), Path(argv[1]).resolve()
    started = time.monotonic()
    connection = duckdb.connect()
    connection.sql("set TimeZone = 'UTC'")
    connection.sql(f"attach '{warehouse_path}' as duckdb_build (read_only)")
    marts = public_marts(connection)
    if not marts:
        print(f"{warehouse_path}: no tables in schema marts; build the DuckDB warehouse first.")
        return 1
    failures = []
    print(f"{'mart':<32} {'duckdb rows':>11} {'spark rows':>10} {'only duckdb':>11} {'only spark':>10}")
    for mart in marts:
        if not (spark_dir / "marts.db" / mart).is_dir():
            print(f"{mart:<32} missing on Spark")
            failures.append(f"{mart}: no Spark table under {spark_dir / 'marts.db'}; did the Spark build create it?")
            continue
        duckdb_count, spark_count, only_duckdb, only_spark = compare_mart(connection, mart, spark_dir)
        print(f"{mart:<32} {duckdb_count:>11} {spark_count:>10} {only_duckdb:>11} {only_spark:>10}")
        if only_duckdb or only_spark:
            failures.append(f"{mart}: {only_duckdb + only_spark} differing rows")
        elif duckdb_count == 0:
            # legitimately empty for some data (no account excluded, say); named so it is not mistaken for a check
            print(f"  note: {mart} is empty on both engines, so its rows were not compared")
    print(f"Compared {len(marts)} marts in {time.monotonic() - started:.1f}s.")
    if failures:
        print("Spark and DuckDB marts differ:\n  " + "\n  ".join(failures))
        return 1
    print("Every public mart is identical on Spark and DuckDB (0 differing rows).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

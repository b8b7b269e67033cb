"""Publishing the serving database to a real PostgreSQL (Debian's packages), read back through a
read-only role: every table equal to the DuckDB one. Skipped where PostgreSQL is not installed
(`make postgres` installs it)."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest
from conftest import VENV_BIN

SERVER_START_TIMEOUT_SECONDS = 60
READER_ROLE = "bi_reader"
# PostgreSQL refuses to run as root; the cluster then runs as the account Debian's package creates.
CLUSTER_USER = "postgres"


def postgres_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_cluster_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", CLUSTER_USER, "--", *command]


@pytest.fixture(scope="module")
def postgres_cluster() -> Iterator[str]:
    """A throwaway cluster on a free localhost port, trusting local connections; yields its base DSN."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed and could not be (apt-get install postgresql; make postgres)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(CLUSTER_USER)
        except KeyError:
            pytest.skip(f"running as root and there is no '{CLUSTER_USER}' account to run PostgreSQL as")
    # Directly under the system temp directory: pytest's own tmp dirs are private to the current user,
    # and the cluster user must reach its data directory.
    root = Path(tempfile.mkdtemp(prefix="cs_warehouse_postgres_"))
    data_dir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, user=CLUSTER_USER)
    subprocess.run(
        as_cluster_user([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = root / "server.log"
    subprocess.run(
        as_cluster_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data_dir),
                "-l",
                str(log),
                "-w",
                "-t",
                str(SERVER_START_TIMEOUT_SECONDS),
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    dsn = f"host=127.0.0.1 port={port} dbname=postgres"
    try:
        with psycopg2.connect(f"{dsn} user=postgres") as connection, connection.cursor() as cursor:
            cursor.execute(f"create role {READER_ROLE} login")
            cursor.execute("create role loader login")
            cursor.execute("grant create on database postgres to loader")
        connection.close()
        yield dsn
    finally:
        subprocess.run(
            as_cluster_user([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def normalised(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across engines: whole numbers exact (64-bit fingerprints exceed a double),
    other decimals and floats to 9 significant digits, sorted."""

    def value(cell):
        if isinstance(cell, Decimal) and cell == cell.to_integral_value():
            return int(cell)
        if isinstance(cell, (float, Decimal)):
            return float(f"{float(cell):.9g}")
        return cell

    return sorted((tuple(value(cell) for cell in row) for row in rows), key=repr)


def test_published_marts_read_back_equal_through_a_read_only_role(postgres_cluster: str, serving_database: Path):
    for _ in range(2):  # the second publish swaps the first one out
        subprocess.run(
            [
                str(VENV_BIN / "cs-warehouse"),
                "publish-postgres",
                "--dsn",
                f"{postgres_cluster} user=loader",
                "--reader-role",
                READER_ROLE,
                "--database",
                str(serving_database),
            ],
            check=True,
        )
    reader = psycopg2.connect(f"{postgres_cluster} user={READER_ROLE}")
    try:
        reader.set_session(readonly=True, autocommit=True)
        with duckdb.connect(str(serving_database), read_only=True) as source, reader.cursor() as cursor:
            tables = source.execute("select schema_name, table_name from duckdb_tables()").fetchall()
            cursor.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('marts', 'reference')"
            )
            assert sorted(cursor.fetchall()) == sorted(tables)
            for schema, table in tables:
                cursor.execute(f'select * from "{schema}"."{table}"')
                published = cursor.fetchall()
                expected = source.execute(f'select * from "{schema}"."{table}"').fetchall()
                assert normalised(published) == normalised(expected), f"{schema}.{table} differs"
            with pytest.raises(psycopg2.Error, match="permission denied|read-only"):
                cursor.execute("create table marts.scratch (x int)")
    finally:
        reader.close()

"""Resources: where the raw files are, and the serving warehouse with its per-run working copies.

Paths are resolved when a run uses them (never at import time): an explicit resource value first,
then the environment variables dbt also reads (RAW_DATA_DIR, WAREHOUSE_PATH), then the defaults of
profiles.yml and the sources. Relative paths are relative to the project root, where dbt runs.
"""

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
from dagster import ConfigurableResource, Failure
from pydantic import Field

from .parse_reuse import BuildSlot
from .project import REPO_ROOT
from .raw_contract import Table
from .serving import (
    ServingDatabaseError,
    serving_database_path,
    warehouse_path,
    write_serving_database,
)

DEFAULT_RAW_DATA_DIR = "data/raw"
# Marks a directory written by the demo generator: only such a directory may be regenerated.
DEMO_MANIFEST_NAME = "_demo_manifest.json"
# Working copies live next to the serving file (same filesystem, so the swap is a rename).
WORKING_COPIES_DIR_NAME = ".working_copies"
BASE_FINGERPRINT_NAME = "base_fingerprint.json"
PUBLISH_LOCK_NAME = "publish.lock"
# Under .working_copies: the fixed place dbt builds in (parse_reuse.BuildSlot); never pruned.
BUILD_SLOT_DIR_NAME = ".building"


def _resolve(configured: str | None, env_name: str, default: str) -> Path:
    path = Path(configured or os.environ.get(env_name) or default)
    return path if path.is_absolute() else REPO_ROOT / path


@contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block (the dbt subprocess inherits them)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


PARQUET_MAGIC = b"PAR1"


def is_readable_parquet(path: Path) -> bool:
    """A Parquet file starts and ends with its magic bytes; a 0-byte or truncated file does not."""
    if path.stat().st_size < 2 * len(PARQUET_MAGIC):
        return False
    with path.open("rb") as file:
        head = file.read(len(PARQUET_MAGIC))
        file.seek(-len(PARQUET_MAGIC), os.SEEK_END)
        return head == PARQUET_MAGIC and file.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC


class RawData(ConfigurableResource):
    """The landed raw files (docs/raw_contract.md layout), or the demo generator that writes them."""

    directory: str | None = Field(
        default=None,
        description="Raw data directory; default: env RAW_DATA_DIR, else data/raw.",
    )
    demo_accounts: int = Field(default=2000, description="Accounts the demo generator creates.")
    demo_months: int = Field(default=24, description="Months of history the demo generator creates.")
    demo_seed: int = Field(default=7, description="Random seed of the demo generator.")

    def path(self) -> Path:
        return _resolve(self.directory, "RAW_DATA_DIR", DEFAULT_RAW_DATA_DIR)

    def is_demo(self) -> bool:
        """True when the directory is absent or was written by the generator (real data is never overwritten)."""
        return not self.path().exists() or (self.path() / DEMO_MANIFEST_NAME).exists()

    def table_files(self, table: Table) -> list[Path]:
        """The Parquet files forming a table: its file, or every readable Parquet file below its
        directory (an unreadable one is set aside, as dbt's pre-flight does: see unreadable_files)."""
        location = self.path() / table.path
        if table.is_directory:
            return [file for file in self._directory_files(location) if is_readable_parquet(file)]
        return [location] if location.is_file() else []

    def unreadable_files(self, table: Table) -> list[Path]:
        """Files of a directory table that cannot be Parquet (0 bytes, truncated, another format)."""
        if not table.is_directory:
            return []
        return [file for file in self._directory_files(self.path() / table.path) if not is_readable_parquet(file)]

    @staticmethod
    def _directory_files(location: Path) -> list[Path]:
        return sorted(location.rglob("*.parquet")) if location.is_dir() else []

    def read_table(self, table: Table) -> pa.Table:
        """All rows of a table, columns matched by name across files (an absent column reads as null)."""
        files = [str(file) for file in self.table_files(table)]
        with duckdb.connect() as connection:
            return connection.sql(
                "select * from read_parquet($files, union_by_name = true, hive_partitioning = false)",
                params={"files": files},
            ).to_arrow_table()


class ServingWarehouse(ConfigurableResource):
    """The published warehouse files, and the write-audit-publish cycle that replaces them.

    Two files are published: the full warehouse dbt builds (`serving_path()`, WAREHOUSE_PATH: every
    schema, the engineers' file and the base of the next run) and the serving database BI reads
    (`serving_database_path()`: public marts and reference tables only, see serving.py).

    A run builds into its own working copy (a copy of the full warehouse, so incremental models carry
    their state over) and publishes it with atomic renames once every blocking check passed. While
    dbt builds it, the copy sits in the build slot (`build_slot()`), one path for every run, so that
    dbt reuses its parse. The working copy keeps the warehouse file's name because DuckDB names the
    catalog after the file stem and dbt-duckdb writes that catalog into view definitions.
    """

    path: str | None = Field(
        default=None,
        description="Full warehouse file dbt builds; default: env WAREHOUSE_PATH, else warehouse.duckdb.",
    )
    serving_database: str | None = Field(
        default=None,
        description=(
            "Serving database BI reads (marts and reference tables only); default: env SERVING_PATH, "
            "else serving/<warehouse file name> next to the full warehouse."
        ),
    )
    keep_failed_days: int = Field(
        default=7,
        description="Days a failed run's working copy is kept for inspection before it is pruned.",
    )
    build_dir: str | None = Field(
        default=None,
        description=(
            "Directory dbt builds a run's working copy in (it is moved there for the build and back); "
            "default: .working_copies/.building beside the full warehouse. Must be on the warehouse's "
            "filesystem. Warehouses sharing one take turns building and share dbt's parse. Relative "
            "paths are relative to the project root."
        ),
    )

    def serving_path(self) -> Path:
        return warehouse_path(self.path)

    def serving_database_path(self) -> Path:
        return serving_database_path(self.serving_path(), self.serving_database)

    def working_dir(self, run_id: str) -> Path:
        return self.serving_path().parent / WORKING_COPIES_DIR_NAME / run_id

    def working_path(self, run_id: str) -> Path:
        return self.working_dir(run_id) / self.serving_path().name

    def _fingerprint(self) -> dict[str, int] | None:
        """Identity of the serving file, to detect another run publishing in between."""
        serving = self.serving_path()
        if not serving.exists():
            return None
        stat = serving.stat()
        return {"inode": stat.st_ino, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}

    def ensure_working_copy(self, run_id: str) -> Path:
        """The run's working copy, created from the serving warehouse on first use in the run."""
        working = self.working_path(run_id)
        if working.exists():
            return working
        self._prune_failed_working_copies()
        working.parent.mkdir(parents=True, exist_ok=True)
        base = self._fingerprint()
        serving = self.serving_path()
        if base is not None:
            # A write-ahead log holds committed data not yet checkpointed into the file.
            for suffix in ("", ".wal"):
                source = serving.with_name(serving.name + suffix)
                if source.exists():
                    shutil.copy2(source, working.with_name(working.name + suffix))
        (working.parent / BASE_FINGERPRINT_NAME).write_text(json.dumps(base))
        return working

    def _prune_failed_working_copies(self) -> None:
        root = self.serving_path().parent / WORKING_COPIES_DIR_NAME
        if not root.is_dir():
            return
        cutoff = time.time() - self.keep_failed_days * 86400
        for run_dir in root.iterdir():
            if run_dir.is_dir() and run_dir.name != BUILD_SLOT_DIR_NAME and run_dir.stat().st_mtime < cutoff:
                shutil.rmtree(run_dir, ignore_errors=True)

    def publish(self, run_id: str) -> dict[str, str | int]:
        """Atomically replace the serving database (from the run's working copy) and the full warehouse
        (with the working copy itself)."""
        working = self.working_path(run_id)
        if not working.exists():
            raise Failure(
                description=(f"Nothing to publish: run {run_id} built no working copy (no dbt model ran in it)."),
                allow_retries=False,
            )
        with duckdb.connect(str(working)) as connection:
            # Fold the write-ahead log into the file so the single renamed file is complete.
            connection.execute("checkpoint")
            tables = connection.execute(
                "select count(*) from duckdb_tables() where database_name = current_database()"
            ).fetchone()[0]
        base = json.loads((working.parent / BASE_FINGERPRINT_NAME).read_text())
        serving = self.serving_path()
        # Compare-and-swap under a lock, so two runs cannot both pass the check and replace.
        with (serving.parent / WORKING_COPIES_DIR_NAME / PUBLISH_LOCK_NAME).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if base != self._fingerprint():
                raise Failure(
                    description=(
                        f"The serving warehouse {serving} changed after this run copied it (another run "
                        "published in between). It was left as it is; rerun to build on top of it. This "
                        f"run's build stays at {working} for inspection."
                    ),
                    allow_retries=False,
                )
            try:
                served = write_serving_database(working, self.serving_database_path())
            except ServingDatabaseError as error:
                raise Failure(
                    description=f"{error} This run's build stays at {working}.", allow_retries=False
                ) from error
            os.replace(working, serving)
            # A log left by a writer that crashed on the old file was copied into this build; it must
            # not be replayed onto the new one.
            serving.with_name(serving.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(working.parent, ignore_errors=True)
        return {
            "serving_path": str(serving),
            "tables": tables,
            "serving_database_path": str(self.serving_database_path()),
            "serving_database_tables": len(served),
        }

    def build_slot(self) -> BuildSlot:
        """Where dbt builds a run's working copy: one path for every run, so dbt reuses its parse."""
        if self.build_dir:
            directory = Path(self.build_dir)
            return BuildSlot(directory if directory.is_absolute() else REPO_ROOT / directory)
        return BuildSlot(self.serving_path().parent / WORKING_COPIES_DIR_NAME / BUILD_SLOT_DIR_NAME)

    @contextmanager
    def dbt_build_environment(self, run_id: str, raw_data: RawData, as_of_date: str) -> Iterator[dict[str, str]]:
        """Environment of a dbt subprocess that builds the run's working copy as of a day.

        For the block, the working copy sits in the build slot (runs wait for each other there), and
        goes back to the run's directory after. The day goes in CS_AS_OF_DATE rather than --vars: dbt
        re-parses the whole project whenever --vars change, which a daily run's would every day
        (macros/dates.sql)."""
        working = self.ensure_working_copy(run_id)
        with self.build_slot().holding(working) as building:
            yield {"WAREHOUSE_PATH": str(building), "RAW_DATA_DIR": str(raw_data.path()), "CS_AS_OF_DATE": as_of_date}

"""Letting dbt start from the parse of an earlier run instead of parsing the whole project again.

dbt keeps its parse in `<target>/partial_parse.msgpack` and reuses it only when the command-line
vars, the project files and the profile's connection settings are those of the parse. Two things
defeat that in runs that each build a file of their own in a target directory of their own:

- the target directory is new, so it holds no parse: `PartialParseState` keeps the last one and
  copies it in before dbt starts;
- the profile's `path` is the run's own file: `BuildSlot` moves that file to one fixed path for
  as long as dbt builds it, then back, so every run shows dbt the same `path`.

Either way dbt itself decides whether the state still fits (and parses in full when it does not),
so reusing it never changes a result.
"""

import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL_PARSE_FILE_NAME = "partial_parse.msgpack"
# A database file travels with its write-ahead log and its spill directory (DuckDB's default names).
DATABASE_COMPANION_SUFFIXES = (".wal", ".tmp")
# Inside the slot: which file is there, so a process that died holding the slot can be undone.
SLOT_OWNER_FILE_NAME = "owner.json"


class PartialParseState:
    """dbt's partial-parse state kept between runs, one per set of command-line vars (dbt discards a
    parse made with other vars). Saved atomically, so runs side by side never read half a file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _saved(self, cli_vars: dict[str, str]) -> Path:
        if not cli_vars:
            return self.directory / PARTIAL_PARSE_FILE_NAME
        key = hashlib.sha256(json.dumps(cli_vars, sort_keys=True).encode()).hexdigest()[:16]
        return self.directory / f"vars-{key}" / PARTIAL_PARSE_FILE_NAME

    def restore(self, target: Path, cli_vars: dict[str, str] | None = None) -> None:
        saved = self._saved(cli_vars or {})
        if saved.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(saved, target / PARTIAL_PARSE_FILE_NAME)

    def save(self, target: Path, cli_vars: dict[str, str] | None = None) -> None:
        produced = target / PARTIAL_PARSE_FILE_NAME
        if not produced.exists():
            return
        saved = self._saved(cli_vars or {})
        saved.parent.mkdir(parents=True, exist_ok=True)
        staged = saved.with_name(f".{saved.name}.{uuid.uuid4().hex}")
        shutil.copy(produced, staged)
        os.replace(staged, saved)


def _move_database(source: Path, destination: Path) -> None:
    """Move a DuckDB file and whatever DuckDB keeps beside it (same filesystem: renames)."""
    for suffix in ("", *DATABASE_COMPANION_SUFFIXES):
        moved = source.with_name(source.name + suffix)
        if moved.exists():
            os.replace(moved, destination.with_name(destination.name + suffix))


class BuildSlot:
    """One fixed directory where dbt builds whichever file is moved into it, one file at a time.

    The file keeps its name (DuckDB names the catalog after it, and views name the catalog), so dbt
    sees the same `path` for every file of that name. Holding the slot takes an exclusive lock: a
    second build waits for the first to finish."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @contextmanager
    def holding(self, database: Path) -> Iterator[Path]:
        """Move `database` (which need not exist yet) into the slot for the block; yields the path dbt
        should build."""
        self.directory.mkdir(parents=True, exist_ok=True)
        database.parent.mkdir(parents=True, exist_ok=True)
        with (self.directory.parent / f"{self.directory.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._return_leftover()
            placed = self.directory / database.name
            owner = self.directory / SLOT_OWNER_FILE_NAME
            owner.write_text(json.dumps({"placed": str(placed), "home": str(database)}))
            _move_database(database, placed)
            try:
                yield placed
            finally:
                _move_database(placed, database)
                owner.unlink()

    def _return_leftover(self) -> None:
        """A process that died while holding the slot left its file here: send it home, or drop it
        when its directory is gone or a new copy took its place there (a retried step copies again)."""
        owner = self.directory / SLOT_OWNER_FILE_NAME
        if not owner.exists():
            return
        leftover = json.loads(owner.read_text())
        placed, home = Path(leftover["placed"]), Path(leftover["home"])
        if home.parent.is_dir() and not home.exists():
            _move_database(placed, home)
        for entry in self.directory.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()

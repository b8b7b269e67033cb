"""Writing the raw tables as Parquet in the layout of docs/raw_contract.md, plus the demo manifest."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cs_warehouse import raw_contract
from cs_warehouse.generator import arrow_columns as cols
from cs_warehouse.generator.product import EVENT_LABELS, PROPERTY_LABELS, EventBatch, EventSimulator
from cs_warehouse.generator.timeline import MICROS_PER_DAY, MICROS_PER_SECOND

MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND

MANIFEST_NAME = "_demo_manifest.json"
SOURCE_DIRECTORIES = ("crm", "billing", "product")
# Previous output is moved here, then deleted while the new data is generated.
REPLACED_PREFIX = ".replaced-"
# Event files by the UTC day they were received: the last weeks in daily `event_date=` folders
# (part-1 holds re-deliveries), the year before in monthly archive folders, older history as flat
# monthly export files, the way a loader's history and its daily syncs pile up.
DAILY_FOLDER_DAYS = 45
ARCHIVE_DAYS = 365
_EPOCH_DATE = date(1970, 1, 1)
# Text with (nearly) one value per row.
PERSONAL_TEXT = frozenset({"account_name", "email", "full_name", "requester_email"})


class NotDemoDataError(RuntimeError):
    """The output directory holds data that was not written by the demo generator."""


def prepare_output_dir(out_dir: Path) -> Callable[[], None]:
    """Move the raw tables of a previous demo run aside and delete them in the background; refuse
    to touch a directory of other data. Returns a function that waits for the deletion."""
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MANIFEST_NAME).exists():
        raise NotDemoDataError(
            f"{out_dir} is not empty and has no {MANIFEST_NAME}: it may hold real data, not overwriting it"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    trash = out_dir / f"{REPLACED_PREFIX}{os.getpid()}"
    trash.mkdir(exist_ok=True)
    for old in [out_dir / directory for directory in SOURCE_DIRECTORIES] + list(out_dir.glob(f"{REPLACED_PREFIX}*")):
        if old.exists() and old != trash:
            old.rename(trash / old.name)
    deletion = threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True})
    deletion.start()
    return deletion.join


def write_parquet(table: pa.Table, path: Path) -> None:
    """zstd, dictionary-encoding only text with few distinct values (codes, names of things): ids
    and personal data gain little from a dictionary and cost time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dictionary_columns = [
        field.name
        for field in table.schema
        if pa.types.is_string(field.type) and not field.name.endswith("_id") and field.name not in PERSONAL_TEXT
    ]
    pq.write_table(table, path, compression="zstd", use_dictionary=dictionary_columns)


def write_table(out_dir: Path, name: str, table: pa.Table) -> None:
    contract = raw_contract.table(name)
    if not table.schema.equals(contract.arrow_schema()):
        raise TypeError(f"{contract.qualified_name} does not match the raw contract")
    write_parquet(table, out_dir / contract.path)


class EventFileLayout:
    """Which file an event lands in, by the UTC day it was received (and whether it is a re-delivery)."""

    def __init__(self, start_utc_us: int, end_utc_us: int) -> None:
        last_utc_day = (end_utc_us - 1) // MICROS_PER_DAY
        # Received days run from just before the first local day (clocks ahead) to one day after the end.
        self.first_day = start_utc_us // MICROS_PER_DAY - 1
        day_count = (end_utc_us + MICROS_PER_DAY) // MICROS_PER_DAY - self.first_day + 1
        names: list[str] = []
        last_day_of_file: list[int] = []
        self.file_of_day = np.empty((day_count, 2), dtype=np.int32)
        for offset in range(day_count):
            utc_day = self.first_day + offset
            for redelivered in (0, 1):
                name, file_last_day = self._file(utc_day, bool(redelivered), last_utc_day)
                if not names or names[-1] != name:
                    if name in names:
                        self.file_of_day[offset, redelivered] = names.index(name)
                        continue
                    names.append(name)
                    last_day_of_file.append(file_last_day)
                self.file_of_day[offset, redelivered] = len(names) - 1
        self.names = names
        self.last_day_of_file = np.array(last_day_of_file, dtype=np.int64)

    @staticmethod
    def _file(utc_day: int, redelivered: bool, last_utc_day: int) -> tuple[str, int]:
        day = _EPOCH_DATE + timedelta(days=int(utc_day))
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        month_end_day = (month_end - _EPOCH_DATE).days
        if utc_day > last_utc_day - DAILY_FOLDER_DAYS:
            return f"event_date={day.isoformat()}/part-{1 if redelivered else 0}.parquet", int(utc_day)
        if utc_day > last_utc_day - ARCHIVE_DAYS:
            archive_end = min(month_end_day, last_utc_day - DAILY_FOLDER_DAYS)
            return f"archive/year={day.year}/month={day.month:02d}/part-0.parquet", archive_end
        return f"events_{day.year}_{day.month:02d}.parquet", min(month_end_day, last_utc_day - ARCHIVE_DAYS)

    def day_key(self, received_us: np.ndarray, redelivered: np.ndarray) -> np.ndarray:
        """Row of file_of_day per event, as int16 (numpy sorts 16-bit keys by radix: fast, stable)."""
        return ((received_us // MICROS_PER_DAY - self.first_day) * 2 + redelivered).astype(np.int16)


def events_arrow(events: EventBatch, user_account: np.ndarray, seed: int) -> pa.Table:
    return cols.build_table(
        raw_contract.table("events"),
        {
            "event_id": cols.scrambled_ids("evt_", events.number, salt=seed),
            "user_id": cols.sequential_ids("usr_", events.user + 1, 7),
            "account_id": cols.sequential_ids("acc_", user_account[events.user] + 1, 6),
            "event_name": cols.pick(EVENT_LABELS, events.name),
            "occurred_at": cols.timestamps(events.occurred_us),
            "received_at": cols.timestamps(events.received_us),
            "platform": cols.pick(raw_contract.PLATFORMS, events.platform),
            "properties": cols.pick(PROPERTY_LABELS, np.maximum(events.properties, 0), null_mask=events.properties < 0),
        },
    )


def write_events(out_dir: Path, simulator: EventSimulator, seed: int, progress) -> tuple[int, int]:
    """Generate the event stream window by window and write each file as soon as no later window
    can add to it; a background thread writes while the next window is generated.
    Returns (events, files)."""
    timeline = simulator.timeline
    layout = EventFileLayout(timeline.start_us, simulator.cut_us)
    events_dir = out_dir / raw_contract.table("events").path
    user_account = simulator.users.account
    pending: EventBatch | None = None
    total = 0
    files_written = 0
    windows = simulator.windows
    with ThreadPoolExecutor(max_workers=1) as writer:
        writes = []
        for position, (start, end) in enumerate(progress(windows, desc="events", unit="window")):
            batch = simulator.window(start, end)
            total += batch.count
            merged = batch if pending is None else EventBatch.concat([pending, batch])
            key = layout.day_key(merged.received_us, merged.redelivered)
            file = layout.file_of_day.ravel()[key]
            if position == len(windows) - 1:
                complete = np.ones(merged.count, dtype=bool)
            else:
                # Later windows only hold events occurring from their start on (received at most
                # a few seconds earlier, when a client clock runs ahead).
                horizon = (timeline.day_start_us(end) - MICROS_PER_MINUTE) // MICROS_PER_DAY
                complete = layout.last_day_of_file[file] < horizon
            ready = np.flatnonzero(complete)
            pending = merged.take(np.flatnonzero(~complete))
            order = ready[np.argsort(key[ready], kind="stable")]
            files = file[order]
            boundaries = np.flatnonzero(np.diff(files)) + 1
            ranges = list(
                zip(np.concatenate([[0], boundaries]), np.concatenate([boundaries, [order.size]]), strict=True)
            )
            paths = [events_dir / layout.names[files[first_row]] for first_row, _ in ranges] if order.size else []
            files_written += len(paths)
            # Arrow conversion and Parquet encoding run on the other core while the next window is
            # simulated; at most one window waits.
            writes.append(writer.submit(_write_event_files, merged.take(order), ranges, paths, user_account, seed))
            while len(writes) > 1:
                writes.pop(0).result()
        for write in writes:
            write.result()
    return total, files_written


def _write_event_files(
    events: EventBatch, ranges: list, paths: list[Path], user_account: np.ndarray, seed: int
) -> None:
    table = events_arrow(events, user_account, seed)
    for (first_row, end_row), path in zip(ranges, paths, strict=False):
        write_parquet(table.slice(first_row, end_row - first_row), path)


def write_manifest(out_dir: Path, manifest: dict) -> None:
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

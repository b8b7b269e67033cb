"""The demo generator is stable in time: a dataset ending a day later is the same history plus a day.

Everything that occurred (and, for events, was received) by the end of day D is identical in the
data ending D and in the data ending D+1; rows whose state changes later (a subscription ending,
an invoice paid, a ticket solved) show in D's data their state as known at D's end.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from cs_warehouse.cli import main as cli_main
from cs_warehouse.generator import GeneratorConfig, generate, read_manifest
from cs_warehouse.raw_contract import TABLES

END_DATE = date(2026, 11, 26)
# Two consecutive ends across a month boundary: a history continues past the month it started in.
NEXT_MONTH_END = date(2026, 12, 1)
HISTORY = {"accounts": 80, "months": 6, "seed": 3, "start_date": date(2026, 6, 1)}

# Per raw table: the column saying when a row occurred (it is in the data from that day on), and
# the columns that may change after it occurred. Timestamps among them are compared as known at
# D's end (a later value still null); other mutable columns (statuses) are not compared.
OCCURRED_AT = {
    "accounts": "created_at",
    "contacts": "created_at",
    "activities": "occurred_at",
    "tickets": "created_at",
    "survey_responses": "responded_at",
    "subscriptions": "created_at",
    "subscription_items": "valid_from",
    "invoices": "created_at",
    "users": "created_at",
    "events": "greatest(occurred_at, received_at)",
}
MUTABLE_TIMESTAMPS = {
    "tickets": ("first_response_at", "solved_at"),
    "subscriptions": ("started_at", "canceled_at", "ended_at"),
    "subscription_items": ("valid_to",),
    "invoices": ("paid_at",),
    "users": ("deactivated_at",),
}
MUTABLE_STATES = {
    "accounts": ("updated_at",),
    "tickets": ("status", "satisfaction_rating"),
    "subscriptions": ("status", "cancel_reason"),
    "invoices": ("status", "amount_paid"),
}


def end_of_day_utc(day: date) -> datetime:
    """End of a local (Asia/Tokyo) day as a naive UTC timestamp, the raw files' convention."""
    local_end = datetime.combine(day + timedelta(days=1), time(), ZoneInfo("Asia/Tokyo"))
    return local_end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def relation(raw: Path, table) -> str:
    location = raw / table.path
    pattern = f"{location}/**/*.parquet" if table.is_directory else str(location)
    return f"read_parquet('{pattern}', union_by_name = true, hive_partitioning = false)"


def history_differences(earlier: Path, later: Path, earlier_end: date) -> dict[str, int]:
    """Per raw table, rows that differ between `earlier` and `later` cut back to earlier_end's end."""
    cut = f"timestamp '{end_of_day_utc(earlier_end)}'"
    differences = {}
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        for table in TABLES:
            states = MUTABLE_STATES.get(table.name, ())
            columns = [
                f"case when {column} < {cut} then {column} end as {column}"
                if column in MUTABLE_TIMESTAMPS.get(table.name, ())
                else column
                for column in table.column_names
                if column not in states
            ]
            select = ", ".join(columns)
            if table.name == "invoice_lines":
                # Lines belong to an invoice: those of the invoices issued by the end date.
                issued = f"select invoice_id from {relation(later, raw_table('invoices'))} where created_at < {cut}"
                later_rows = f"select {select} from {relation(later, table)} where invoice_id in ({issued})"
            elif table.name in OCCURRED_AT:
                later_rows = f"select {select} from {relation(later, table)} where {OCCURRED_AT[table.name]} < {cut}"
            else:
                later_rows = f"select {select} from {relation(later, table)}"
            earlier_rows = f"select {select} from {relation(earlier, table)}"
            differences[table.name] = connection.execute(
                f"select count(*) from (({earlier_rows} except all {later_rows}) "
                f"union all ({later_rows} except all {earlier_rows}))"
            ).fetchone()[0]
    return differences


def raw_table(name: str):
    return next(table for table in TABLES if table.name == name)


def row_count(raw: Path, name: str) -> int:
    with duckdb.connect() as connection:
        return connection.execute(f"select count(*) from {relation(raw, raw_table(name))}").fetchone()[0]


@pytest.fixture(scope="module")
def consecutive_days(tmp_path_factory: pytest.TempPathFactory) -> dict[date, Path]:
    """The same history cut at D, D+1, and across a month boundary."""
    out = tmp_path_factory.mktemp("timeline")
    datasets = {}
    for end in (END_DATE, END_DATE + timedelta(days=1), NEXT_MONTH_END):
        datasets[end] = out / end.isoformat()
        generate(GeneratorConfig(end_date=end, **HISTORY), datasets[end], show_progress=False)
    return datasets


def test_the_next_day_repeats_every_row_of_the_day_before(consecutive_days):
    next_day = END_DATE + timedelta(days=1)
    assert history_differences(consecutive_days[END_DATE], consecutive_days[next_day], END_DATE) == {
        table.name: 0 for table in TABLES
    }
    # The next day brought new rows: events, and late arrivals of earlier days.
    assert row_count(consecutive_days[next_day], "events") > row_count(consecutive_days[END_DATE], "events")


def test_a_history_continues_into_the_next_month(consecutive_days):
    differences = history_differences(consecutive_days[END_DATE], consecutive_days[NEXT_MONTH_END], END_DATE)
    assert set(differences.values()) == {0}


def test_late_arrivals_land_on_later_days(consecutive_days):
    """Events up to D received after D's end are not in D's data; they are in later days' data."""
    cut = end_of_day_utc(END_DATE)
    table = raw_table("events")
    with duckdb.connect() as connection:
        arrived_later = connection.execute(
            f"select count(*) from {relation(consecutive_days[NEXT_MONTH_END], table)} "
            "where occurred_at < $cut and received_at >= $cut",
            {"cut": cut},
        ).fetchone()[0]
        too_late = connection.execute(
            f"select count(*) from {relation(consecutive_days[END_DATE], table)} where received_at >= $cut",
            {"cut": cut},
        ).fetchone()[0]
    assert arrived_later > 0
    assert too_late == 0


def test_the_cli_continues_the_history_in_its_output_directory(tmp_path: Path, consecutive_days):
    """Generating day after day into one directory, as `make run` and the Dagster demo mode do,
    gives the dataset of that day of the same history, byte for byte."""
    out = tmp_path / "raw"
    scale = ["--accounts", "80", "--months", "6", "--seed", "3", "--no-progress"]
    first_day = ["--end-date", "2026-11-20", "--start-date", "2026-06-01"]
    assert cli_main(["generate", "--out", str(out), *scale, *first_day]) == 0
    assert cli_main(["generate", "--out", str(out), *scale, "--end-date", NEXT_MONTH_END.isoformat()]) == 0
    assert read_manifest(out)["window"]["start_date"] == "2026-06-01"
    expected = consecutive_days[NEXT_MONTH_END]
    files = sorted(path.relative_to(expected) for path in expected.rglob("*.parquet"))
    assert files == sorted(path.relative_to(out) for path in out.rglob("*.parquet"))
    assert all((out / file).read_bytes() == (expected / file).read_bytes() for file in files)
    # Without a history to continue (or with --new-history) the history starts --months back.
    assert cli_main(["generate", "--out", str(out), *scale, "--end-date", "2026-12-02", "--new-history"]) == 0
    assert read_manifest(out)["window"]["start_date"] == "2026-07-01"


def test_an_end_date_past_the_simulated_calendar_is_refused(tmp_path: Path, capsys):
    arguments = ["generate", "--out", str(tmp_path), "--accounts", "5", "--months", "2", "--no-progress"]
    assert cli_main([*arguments, "--start-date", "2025-01-01", "--end-date", "2026-11-28"]) == 2
    assert "start a new history" in capsys.readouterr().err

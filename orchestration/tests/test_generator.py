"""The demo data generator: the raw contract, file layout, determinism, consistency and behaviour."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from cs_warehouse import raw_contract
from cs_warehouse.cli import main
from cs_warehouse.generator import MANIFEST_NAME, GeneratorConfig, generate
from cs_warehouse.generator.lifecycle import CORE, next_boundary, simulate
from cs_warehouse.generator.product import EVENT_LABELS, UNKNOWN_EVENTS
from cs_warehouse.generator.timeline import NULL_TIMESTAMP, Timeline, add_months

# The raw contract as the project documents it; raw_contract.py must say the same.
RAW_CONTRACT_DOC = Path(__file__).resolve().parents[2] / "docs" / "raw_contract.md"
END_DATE = date(2026, 10, 31)
# End of END_DATE in Asia/Tokyo (UTC+9) as a naive UTC timestamp: nothing may occur after it.
END_UTC = datetime(2026, 10, 31, 15, 0)
BEHAVIOUR_CONFIG = GeneratorConfig(accounts=400, months=18, end_date=END_DATE, seed=11)
TINY_CONFIG = GeneratorConfig(accounts=40, months=3, end_date=END_DATE, seed=5)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test-scale dataset (400 accounts, 18 months), large enough for behavioural checks."""
    out = tmp_path_factory.mktemp("generator") / "raw"
    generate(BEHAVIOUR_CONFIG, out, show_progress=False)
    return out


@pytest.fixture(scope="module")
def db(dataset: Path) -> duckdb.DuckDBPyConnection:
    """Every raw table as a DuckDB view named after it, timestamps read as naive UTC."""
    connection = duckdb.connect()
    connection.execute("set timezone = 'UTC'")
    for table in raw_contract.TABLES:
        location = dataset / table.path
        source = f"{location}/**/*.parquet" if table.is_directory else str(location)
        connection.execute(f"create view {table.name} as select * from read_parquet('{source}')")
    return connection


def scalar(db: duckdb.DuckDBPyConnection, sql: str):
    return db.execute(sql).fetchone()[0]


def offending(db: duckdb.DuckDBPyConnection, query_body: str) -> list[tuple]:
    """The first rows of `select * <query_body>`: empty when the invariant holds."""
    return db.execute(f"select * {query_body} limit 5").fetchall()


# --- the contract --------------------------------------------------------------------------------

SQL_TYPES = ("DECIMAL(18,2)", "DECIMAL(5,2)", "VARCHAR", "INTEGER", "BOOLEAN", "TIMESTAMP")


def _spec_column(name: str, declared_type: str | None, notes: str) -> dict:
    """One column of docs/raw_contract.md. Columns listed without a type follow the spec's conventions:
    ids and codes are strings, `*_at` are timestamps, money DECIMAL is DECIMAL(18,2)."""
    if declared_type == "DECIMAL":
        declared_type = "DECIMAL(18,2)"
    if declared_type is None:
        declared_type = "TIMESTAMP" if name.endswith("_at") else "VARCHAR"
    reference = re.search(r"->\s*(\w+)\.(\w+)", notes)
    listed_values = [] if "e.g." in notes else re.findall(r"`([^`]+)`", notes)
    return {
        "name": name,
        "type": declared_type,
        "nullable": re.search(r"\bnull(able)?\b", notes) is not None,
        "values": listed_values,
        "reference": reference.groups() if reference else None,
    }


def parse_spec(text: str) -> dict[str, list[dict]]:
    """Tables of docs/raw_contract.md: markdown tables (| column | type | notes |) or `·`-separated lists."""
    tables: dict[str, list[dict]] = {}
    sections = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    for section in sections:
        header, _, body = section.partition("\n")
        name = header.split()[0]
        body = body.split("\n## ")[0]
        rows = [line for line in body.splitlines() if line.startswith("|")]
        columns = []
        if rows:
            for row in rows[2:]:
                cells = [cell.strip() for cell in row.strip("|").split("|")]
                columns.append(_spec_column(cells[0], cells[1], cells[2]))
        else:
            paragraph = " ".join(line.strip() for line in body.strip().split("\n\n")[0].splitlines())
            for item in paragraph.split("·"):
                words = item.strip()
                column_name, _, rest = words.partition(" ")
                declared = next((kind for kind in SQL_TYPES if re.match(re.escape(kind) + r"\b", rest)), None)
                if declared is None and rest.startswith("DECIMAL"):
                    declared = "DECIMAL"
                columns.append(_spec_column(column_name, declared, rest))
        tables[name] = columns
    return tables


@pytest.fixture(scope="module")
def spec_tables() -> dict[str, list[dict]]:
    return parse_spec(RAW_CONTRACT_DOC.read_text())


def test_spec_parser_reads_every_table(spec_tables):
    assert len(spec_tables) == 13
    assert [column["name"] for column in spec_tables["invoices"]][-3:] == ["created_at", "due_at", "paid_at"]
    assert spec_tables["owners"][4]["reference"] == ("owners", "owner_id")


def test_contract_matches_the_spec(spec_tables):
    assert sorted(spec_tables) == sorted(raw_contract.TABLES_BY_NAME)
    for name, spec_columns in spec_tables.items():
        contract = raw_contract.table(name)
        assert list(contract.column_names) == [column["name"] for column in spec_columns], name
        for spec_column in spec_columns:
            column = contract.column(spec_column["name"])
            where = f"{name}.{column.name}"
            assert column.sql_type == spec_column["type"], where
            assert column.nullable == spec_column["nullable"], where
            if spec_column["reference"]:
                assert column.references == raw_contract.ForeignKey(*spec_column["reference"]), where
            if column.enum and spec_column["values"]:
                if column.enum_is_open:
                    assert set(column.enum) <= set(spec_column["values"]), where
                else:
                    assert set(column.enum) == set(spec_column["values"]), where
            elif len(spec_column["values"]) >= 2 and not column.enum:
                pytest.fail(f"{where} lists values {spec_column['values']} in the spec but has no enum")


def test_generated_event_names_are_the_contract_s_plus_a_few_unknown_ones():
    known = set(EVENT_LABELS) - set(UNKNOWN_EVENTS)
    assert known == set(raw_contract.EVENT_NAMES)
    assert not set(UNKNOWN_EVENTS) & set(raw_contract.EVENT_NAMES)


def test_contract_primary_keys_and_foreign_keys_resolve():
    for table in raw_contract.TABLES:
        assert table.column(table.primary_key).sql_type == "VARCHAR"
        for _, reference in table.foreign_keys:
            assert raw_contract.table(reference.table).primary_key == reference.column


def test_files_match_the_contract(dataset: Path):
    for table in raw_contract.TABLES:
        location = dataset / table.path
        files = sorted(location.rglob("*.parquet")) if table.is_directory else [location]
        assert files, table.name
        for file in files:
            schema = pq.read_schema(file)
            assert schema.names == list(table.column_names), file
            for column in table.columns:
                assert schema.field(column.name).type == column.arrow_type, f"{file}: {column.name}"


def test_event_files_are_spread_over_several_layouts(dataset: Path, db):
    events_dir = dataset / raw_contract.table("events").path
    files = [file.relative_to(events_dir) for file in events_dir.rglob("*.parquet")]
    assert any(len(file.parts) == 1 for file in files), "some files directly under product/events"
    partitioned = [file for file in files if file.parts[0].startswith("event_date=")]
    assert partitioned and all(re.fullmatch(r"part-\d+\.parquet", file.parts[1]) for file in partitioned)
    assert any(len(file.parts) >= 3 for file in files), "some files nested deeper"
    # event_date folders are named after the UTC date of received_at.
    mismatched = scalar(
        db,
        f"""select count(*) from read_parquet('{events_dir}/event_date=*/*.parquet', filename = true)
            where strftime(received_at, '%Y-%m-%d') != regexp_extract(filename, 'event_date=([0-9-]+)', 1)""",
    )
    assert mismatched == 0


# --- determinism and options ---------------------------------------------------------------------


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(file.relative_to(directory)): hashlib.sha256(file.read_bytes()).hexdigest()
        for file in sorted(directory.rglob("*"))
        if file.is_file()
    }


def test_same_arguments_give_identical_files_and_another_seed_differs(tmp_path: Path):
    generate(TINY_CONFIG, tmp_path / "first", show_progress=False)
    generate(TINY_CONFIG, tmp_path / "second", show_progress=False)
    generate(replace(TINY_CONFIG, seed=6), tmp_path / "other", show_progress=False)
    first = _digest(tmp_path / "first")
    assert first == _digest(tmp_path / "second")
    other = _digest(tmp_path / "other")
    assert first["product/users.parquet"] != other["product/users.parquet"]
    assert first["crm/accounts.parquet"] != other["crm/accounts.parquet"]


def test_regenerating_replaces_previous_output(tmp_path: Path):
    generate(TINY_CONFIG, tmp_path, show_progress=False)
    generate(replace(TINY_CONFIG, months=2, end_date=END_DATE - timedelta(days=40)), tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    received = pq.read_table(tmp_path / "product" / "events", columns=["received_at"]).column(0)
    assert max(received.to_pylist()) < datetime(2026, 9, 23, 15, 0)
    assert manifest["arguments"]["months"] == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["_demo_manifest.json", "billing", "crm", "product"]
    assert len(list((tmp_path / "product" / "events").rglob("*.parquet"))) == manifest["event_files"]


def test_cli_writes_manifest_and_refuses_foreign_directories(tmp_path: Path):
    out = tmp_path / "raw"
    arguments = ["--accounts", "30", "--months", "2", "--no-progress"]
    assert main(["generate", "--out", str(out), *arguments, "--end-date", "2026-10-31"]) == 0
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["arguments"] == {
        "accounts": 30,
        "months": 2,
        "end_date": "2026-10-31",
        "seed": 7,
        "event_volume": 1.0,
        "timezone": "Asia/Tokyo",
        "start_date": "2026-09-01",
    }
    assert manifest["row_counts"]["accounts"] == 30
    assert manifest["row_counts"]["events"] == pq.read_table(out / "product" / "events").num_rows

    foreign = tmp_path / "real_data"
    foreign.mkdir()
    (foreign / "accounts.csv").write_text("account_id\n")
    assert main(["generate", "--out", str(foreign), *arguments]) == 2
    assert sorted(path.name for path in foreign.iterdir()) == ["accounts.csv"]


def test_scale_options_are_honoured(db, dataset: Path):
    manifest = json.loads((dataset / MANIFEST_NAME).read_text())
    assert scalar(db, "select count(*) from accounts") == BEHAVIOUR_CONFIG.accounts
    assert manifest["row_counts"]["accounts"] == BEHAVIOUR_CONFIG.accounts
    window_start_utc = datetime(2025, 5, 1) - timedelta(hours=9)  # 18 months ending October 2026
    first_created = scalar(db, "select min(created_at) from accounts")
    assert window_start_utc <= first_created < window_start_utc + timedelta(days=31)
    for table, column in (
        ("accounts", "created_at"),
        ("contacts", "created_at"),
        ("activities", "occurred_at"),
        ("tickets", "created_at"),
        ("tickets", "solved_at"),
        ("survey_responses", "responded_at"),
        ("subscriptions", "created_at"),
        ("subscriptions", "canceled_at"),
        ("subscriptions", "ended_at"),
        ("subscription_items", "valid_from"),
        ("invoices", "created_at"),
        ("invoices", "paid_at"),
        ("users", "created_at"),
        ("users", "deactivated_at"),
        ("events", "occurred_at"),
    ):
        earliest, latest = db.execute(f"select min({column}), max({column}) from {table}").fetchone()
        assert earliest >= window_start_utc, f"{table}.{column}"
        assert latest < END_UTC, f"{table}.{column}"
    latest_event = scalar(db, "select max(occurred_at) from events")
    assert latest_event > END_UTC - timedelta(days=1), "events run up to the end date"
    assert scalar(db, "select max(received_at) from events") <= END_UTC + timedelta(days=1)


def test_event_volume_option_scales_feature_events(tmp_path: Path):
    quiet = generate(replace(TINY_CONFIG, event_volume=0.0), tmp_path / "a")
    busy = generate(replace(TINY_CONFIG, event_volume=2.0), tmp_path / "b")
    names = pq.read_table(tmp_path / "a" / "product" / "events", columns=["event_name"]).column(0).unique().to_pylist()
    assert set(names) <= {"login", "project_completed"}, "volume 0 leaves only logins (and first completed projects)"
    assert busy["row_counts"]["events"] > 2 * quiet["row_counts"]["events"]


def test_timeline_and_billing_calendar():
    config = GeneratorConfig(months=18, end_date=date(2026, 10, 31))
    timeline = config.timeline
    assert timeline.start_date == date(2025, 5, 1)
    # The simulated calendar runs past the window; the data is cut at the end date.
    assert timeline.end_date == date(2027, 10, 31)
    assert config.cut_day == 549
    assert datetime(1970, 1, 1) + timedelta(microseconds=int(timeline.day_start_us(config.cut_day))) == END_UTC
    jan_31 = int((datetime(2026, 1, 31, 10) - datetime(1970, 1, 1)) / timedelta(microseconds=1))
    renewals = add_months(np.full(3, jan_31), np.array([1, 2, 13]))
    assert [datetime(1970, 1, 1) + timedelta(microseconds=int(value)) for value in renewals] == [
        datetime(2026, 2, 28, 10),
        datetime(2026, 3, 31, 10),
        datetime(2027, 2, 28, 10),
    ]
    # The simulation's scalar calendar agrees with the vectorised one billing uses.
    assert next_boundary(jan_31, 1, jan_31) == renewals[0]
    assert next_boundary(jan_31, 1, int(renewals[0])) == renewals[1]
    assert next_boundary(jan_31, 12, jan_31) == add_months(np.array([jan_31]), np.array([12]))[0]
    with pytest.raises(ValueError):
        Timeline.for_range(date(2025, 5, 1), date(2026, 10, 31), "Europe/Berlin")


# --- consistency -----------------------------------------------------------------------------------


def test_foreign_keys_resolve(db):
    for table in raw_contract.TABLES:
        for column, reference in table.foreign_keys:
            orphans = scalar(
                db,
                f"""select count(*) from {table.name} as child
                    where child.{column} is not null
                      and child.{column} not in (select {reference.column} from {reference.table})""",
            )
            assert orphans == 0, f"{table.name}.{column}"
    assert not offending(db, "from events join users using (user_id) where events.account_id != users.account_id")
    mismatched_plans = scalar(
        db,
        """select count(*) from invoice_lines as line
           join subscription_items as item using (subscription_item_id) where line.plan_id != item.plan_id""",
    )
    assert mismatched_plans == 0


def test_keys_are_unique_up_to_exact_duplicates(db):
    for table in raw_contract.TABLES:
        keys = scalar(db, f"select count(distinct {table.primary_key}) from {table.name}")
        distinct_rows = scalar(db, f"select count(*) from (select distinct * from {table.name})")
        assert keys == distinct_rows, f"{table.name}: a key with different content"
        assert scalar(db, f"select count(*) from {table.name} where {table.primary_key} is null") == 0


def test_values_are_valid_apart_from_the_deliberate_bad_input(db):
    for table in raw_contract.TABLES:
        for column in table.columns:
            if not column.nullable:
                assert scalar(db, f"select count(*) from {table.name} where {column.name} is null") == 0, column.name
            if column.enum and not column.enum_is_open:
                values = {row[0] for row in db.execute(f"select distinct {column.name} from {table.name}").fetchall()}
                assert values - {None} <= set(column.enum), f"{table.name}.{column.name}"
            if column.min_value is not None:
                assert scalar(db, f"select count(*) from {table.name} where {column.name} < {column.min_value}") == 0
            if column.max_value is not None:
                assert scalar(db, f"select count(*) from {table.name} where {column.name} > {column.max_value}") == 0
    products = {row[0] for row in db.execute("select distinct product_id from plans").fetchall()}
    assert products == {"core", "analytics_addon", "integrations_addon"}


def test_subscription_items_cover_each_subscription_without_overlap(db):
    versions = db.execute(
        """select subscription_id, valid_from, valid_to,
                  lead(valid_from) over (partition by subscription_id order by valid_from) as next_from,
                  row_number() over (partition by subscription_id order by valid_from) as position
           from subscription_items"""
    ).fetchall()
    assert versions
    for _, valid_from, valid_to, next_from, _ in versions:
        if next_from is not None:
            assert valid_to == next_from, "a new version opens where the previous closes"
        if valid_to is not None:
            assert valid_to > valid_from
    broken = scalar(
        db,
        """with bounds as (
               select subscription_id, min(valid_from) as first_from,
                      arg_max_null(valid_to, valid_from) as last_to, count(*) - count(valid_to) as open_versions
               from subscription_items group by subscription_id)
           select count(*) from subscriptions join bounds using (subscription_id)
           where bounds.first_from != subscriptions.created_at
              or bounds.open_versions > 1
              or (bounds.last_to is not null and bounds.last_to != subscriptions.ended_at)
              or (subscriptions.ended_at is null and bounds.last_to is not null)""",
    )
    assert broken == 0
    assert not offending(
        db, "from subscriptions where subscription_id not in (select subscription_id from subscription_items)"
    )


def test_subscription_lifecycle_fields_agree(db):
    assert scalar(db, "select count(*) from subscriptions where status = 'canceled' and ended_at is null") == 0
    assert scalar(db, "select count(*) from subscriptions where ended_at is not null and status != 'canceled'") == 0
    assert scalar(db, "select count(*) from subscriptions where trial_end_at is null and started_at != created_at") == 0
    # A trial starts paying at its end, or never (started_at null or equal to ended_at).
    assert (
        scalar(
            db,
            """select count(*) from subscriptions where trial_end_at is not null and started_at is not null
               and started_at != trial_end_at""",
        )
        == 0
    )
    never_converted = scalar(
        db,
        """select avg(case when started_at is null or started_at = ended_at then 1 else 0 end)
           from subscriptions where trial_end_at is not null and trial_end_at < timestamp '2026-10-01'""",
    )
    assert 0.15 <= never_converted <= 0.4
    assert scalar(db, "select count(*) from subscriptions where canceled_at > ended_at") == 0


def test_invoices_add_up(db):
    assert not offending(
        db,
        """from invoices join (select invoice_id, sum(amount) as lines_total from invoice_lines group by 1)
           using (invoice_id) where lines_total != total""",
    )
    assert not offending(db, "from invoices where invoice_id not in (select invoice_id from invoice_lines)")
    assert not offending(db, "from invoices where status = 'paid' and (amount_paid != total or paid_at is null)")
    assert not offending(db, "from invoices where status != 'paid' and amount_paid != 0")
    assert not offending(
        db, "from invoices join subscriptions using (subscription_id) where invoices.currency != subscriptions.currency"
    )
    statuses = {row[0] for row in db.execute("select distinct status from invoices").fetchall()}
    assert {"paid", "open", "uncollectible"} <= statuses
    line_types = {row[0] for row in db.execute("select distinct line_type from invoice_lines").fetchall()}
    assert line_types == {"subscription", "proration", "one_time"}
    # Each billing period of a subscription is invoiced once, from its start.
    assert (
        scalar(
            db,
            """select count(*) from (select subscription_item_id, period_start from invoice_lines
           where line_type = 'subscription' group by all having count(*) > 1)""",
        )
        == 0
    )


def test_events_belong_to_existing_users_of_customers(db):
    outside_user_life = scalar(
        db,
        """select count(*) from events join users using (user_id)
           where events.occurred_at < users.created_at
              or (users.deactivated_at is not null and events.occurred_at >= users.deactivated_at)""",
    )
    assert outside_user_life == 0
    total = scalar(db, "select count(*) from events")
    outside_service = scalar(
        db,
        """select count(*) from events where not exists (
               select 1 from subscriptions
               where subscriptions.account_id = events.account_id
                 and events.occurred_at >= subscriptions.created_at
                 and (subscriptions.ended_at is null or events.occurred_at < subscriptions.ended_at))""",
    )
    assert outside_service / total < 0.01, "usage after churn is rare"


# --- bad input, a little ---------------------------------------------------------------------------


def test_bad_input_is_present_but_rare(db):
    total = scalar(db, "select count(*) from events")
    distinct_events = scalar(db, "select count(*) from (select distinct * from events)")
    assert 0.002 < (total - distinct_events) / total < 0.01, "about 0.5% re-delivered events"
    late = scalar(db, "select count(*) from events where received_at > occurred_at + interval 1 hour")
    assert 0.01 < late / total < 0.06
    skewed = scalar(db, "select count(*) from events where occurred_at > received_at + interval 10 minute")
    assert skewed == 0, "client clocks run ahead by seconds, never beyond the allowance"
    unknown = scalar(db, f"select count(*) from events where event_name not in {raw_contract.EVENT_NAMES}")
    assert 0 < unknown < total * 0.001
    invalid_scores = scalar(
        db,
        """select count(*) from survey_responses where score is null
           or (survey_type = 'nps' and score not between 0 and 10)
           or (survey_type = 'csat' and score not between 1 and 5)""",
    )
    responses = scalar(db, "select count(*) from survey_responses")
    assert 0 < invalid_scores < responses * 0.02
    duplicated_contacts = scalar(db, "select count(*) - count(distinct contact_id) from contacts")
    assert 0 < duplicated_contacts < scalar(db, "select count(*) from contacts") * 0.02
    deleted = scalar(db, "select count(*) from accounts where is_deleted")
    assert 0 < deleted < BEHAVIOUR_CONFIG.accounts * 0.02


# --- behaviour ------------------------------------------------------------------------------------


def test_segments_and_commercial_mix(db):
    """Paying accounts at the end split roughly 10/30/60 into high/low/tech touch."""
    segments = db.execute(
        f"""with live_items as (
                select subscriptions.account_id,
                       plans.unit_amount * item.quantity * (1 - item.discount_pct / 100)
                       / case when plans.billing_interval = 'year' then 12 else 1 end
                       * case when plans.currency = 'USD' then 150 else 1 end as mrr
                from subscription_items as item
                join subscriptions using (subscription_id)
                join plans using (plan_id)
                where item.valid_from < timestamp '{END_UTC}' and item.valid_to is null
                  and subscriptions.started_at < timestamp '{END_UTC}' and subscriptions.ended_at is null),
            account_mrr as (select account_id, sum(mrr) as mrr from live_items group by 1 having sum(mrr) > 0),
            seats as (select account_id, count(*) as users from users where deactivated_at is null group by 1)
            select case when mrr >= 150000 or coalesce(users, 0) >= 100 then 'high'
                        when mrr >= 30000 or coalesce(users, 0) >= 20 then 'low' else 'tech' end as segment,
                   count(*) / sum(count(*)) over () as share
            from account_mrr left join seats using (account_id) group by 1"""
    ).fetchall()
    share = dict(segments)
    assert 0.04 <= share["high"] <= 0.2
    assert 0.18 <= share["low"] <= 0.45
    assert 0.45 <= share["tech"] <= 0.75
    usd_share = scalar(db, "select avg(case when currency = 'USD' then 1 else 0 end) from subscriptions")
    assert 0.1 <= usd_share <= 0.3
    intervals = db.execute("select distinct billing_interval from plans join subscription_items using (plan_id)")
    assert {row[0] for row in intervals.fetchall()} == {"month", "year"}
    assert scalar(db, "select count(*) from subscription_items where discount_pct = 100") > 0
    assert scalar(db, "select count(*) from subscription_items where discount_pct between 1 and 99") > 0
    cross_sold = scalar(
        db,
        """select count(distinct subscriptions.account_id)
           from subscriptions join subscription_items using (subscription_id) join plans using (plan_id)
           where plans.product_id != 'core'""",
    )
    assert cross_sold > 0
    reactivated = scalar(
        db,
        """select count(*) from (select account_id from subscriptions join subscription_items using (subscription_id)
           join plans using (plan_id) where product_id = 'core' and started_at is not null
           group by account_id having count(distinct subscription_id) > 1)""",
    )
    assert reactivated > 0


def test_monthly_logo_churn_is_a_few_percent(db):
    """Paid core subscriptions ending with a reason, per paid subscription-month."""
    churns, paid_months = db.execute(
        f"""select count(*) filter (where cancel_reason is not null and ended_at is not null),
                   sum(date_diff('day', started_at, coalesce(ended_at, timestamp '{END_UTC}'))) / 30.4
            from subscriptions
            where started_at is not null and (ended_at is null or started_at < ended_at)
              and subscription_id in (select subscription_id from subscription_items join plans using (plan_id)
                                      where product_id = 'core')"""
    ).fetchone()
    assert 0.01 <= churns / paid_months <= 0.06


def test_usage_fades_before_churn(db):
    """Most churners log in far less in the month before cancelling than two to three months before."""
    churners, fading = db.execute(
        """with churners as (
               select subscriptions.account_id, subscriptions.canceled_at
               from subscriptions join subscription_items using (subscription_id) join plans using (plan_id)
               where plans.product_id = 'core' and subscriptions.started_at < subscriptions.ended_at
                 and subscriptions.canceled_at >= timestamp '2025-09-01'
               group by all),
           logins as (
               select churners.account_id,
                      count(*) filter (where events.occurred_at >= churners.canceled_at - interval 90 day
                                         and events.occurred_at < churners.canceled_at - interval 60 day) as before,
                      count(*) filter (where events.occurred_at >= churners.canceled_at - interval 30 day
                                         and events.occurred_at < churners.canceled_at) as last_month
               from churners join events on events.account_id = churners.account_id and events.event_name = 'login'
               group by all)
           select count(*), count(*) filter (where last_month < 0.5 * before) from logins where before >= 5"""
    ).fetchone()
    assert churners >= 20
    assert fading / churners >= 0.6


def test_accounts_without_a_completed_project_in_90_days_churn_far_more(db):
    rates = dict(
        db.execute(
            """with onboarding as (select account_id, min(created_at) as started from subscriptions group by 1),
                    activation as (
                        select onboarding.account_id, onboarding.started,
                               min(events.occurred_at) filter (
                                   where events.event_name = 'project_completed'
                                     and events.occurred_at >= onboarding.started) as activated_at
                        from onboarding left join events using (account_id) group by all),
                    paying as (
                        select account_id,
                               bool_or(cancel_reason is not null and started_at < ended_at) as churned
                        from subscriptions where started_at is not null and (ended_at is null or started_at < ended_at)
                        group by 1)
               select coalesce(activated_at < started + interval 90 day, false) as activated, avg(churned::int)
               from activation join paying using (account_id)
               where started < timestamp '2026-04-01'
               group by 1"""
        ).fetchall()
    )
    assert rates[False] >= 2 * rates[True]


def test_kickoff_meetings_come_with_more_activation(db):
    rates = dict(
        db.execute(
            """with onboarding as (select account_id, min(created_at) as started from subscriptions group by 1),
                    kickoff as (select distinct activities.account_id from activities join onboarding using (account_id)
                                where activity_type = 'kickoff_meeting'
                                  and occurred_at < onboarding.started + interval 30 day),
                    activated as (select distinct events.account_id from events join onboarding using (account_id)
                                  where event_name = 'project_completed'
                                    and occurred_at < onboarding.started + interval 90 day)
               select kickoff.account_id is not null, avg((activated.account_id is not null)::int)
               from onboarding left join kickoff using (account_id) left join activated using (account_id)
               where onboarding.started < timestamp '2026-07-01'
               group by 1"""
        ).fetchall()
    )
    assert rates[True] > rates[False] + 0.1


def test_satisfaction_follows_health(db):
    """NPS answered in the 60 days before a cancellation is far lower than the rest."""
    before_churn, others = db.execute(
        """with cancellations as (select account_id, canceled_at from subscriptions
                                  where cancel_reason is not null and started_at < ended_at),
                scored as (
                    select survey_responses.score,
                           exists (select 1 from cancellations
                                   where cancellations.account_id = survey_responses.account_id
                                     and survey_responses.responded_at >= cancellations.canceled_at - interval 60 day
                                     and survey_responses.responded_at < cancellations.canceled_at) as before_churn
                    from survey_responses where survey_type = 'nps' and score between 0 and 10)
           select avg(score) filter (where before_churn), avg(score) filter (where not before_churn) from scored"""
    ).fetchone()
    assert before_churn < others - 1.5


def test_add_ons_live_only_beside_a_core_subscription(db):
    orphaned = scalar(
        db,
        f"""with spans as (
                select subscriptions.subscription_id, subscriptions.account_id, plans.product_id,
                       subscriptions.started_at, coalesce(subscriptions.ended_at, timestamp '{END_UTC}') as ended_at
                from subscriptions join subscription_items using (subscription_id) join plans using (plan_id)
                where subscriptions.started_at is not null
                group by all)
            select count(*) from spans as addon
            where addon.product_id != 'core' and not exists (
                select 1 from spans as core
                where core.product_id = 'core' and core.account_id = addon.account_id
                  and core.started_at <= addon.started_at and core.ended_at >= addon.ended_at)""",
    )
    assert orphaned == 0


def test_unrecovered_payments_end_the_customer_within_60_days(db):
    """Dunning writes invoices off only on the way out: within 60 days of the due date every
    subscription of the account has ended, and the first invoice written off was retried for at
    least four weeks before its subscription ended."""
    assert scalar(db, "select count(*) from invoices where status = 'uncollectible'") > 0
    assert not offending(
        db,
        """from invoices join subscriptions on subscriptions.account_id = invoices.account_id
           where invoices.status = 'uncollectible'
             and (subscriptions.ended_at is null or subscriptions.ended_at > invoices.due_at + interval 60 day)""",
    )
    assert not offending(
        db,
        """from (select arg_min(subscription_id, due_at) as subscription_id, min(due_at) as due_at
                from invoices where status = 'uncollectible' group by account_id) as first_written_off
           join subscriptions using (subscription_id)
           where subscriptions.ended_at < first_written_off.due_at + interval 28 day""",
    )


def test_open_past_due_invoices_are_still_in_dunning(db):
    """An invoice open past its due date at the end is either still being retried (due in the last
    three weeks) or on its way to a write-off: due at most 60 days ago, on an account whose
    cancellation takes effect after the window."""
    in_dunning = scalar(db, f"select count(*) from invoices where status = 'open' and due_at < timestamp '{END_UTC}'")
    assert in_dunning > 0
    assert not offending(
        db,
        f"""from invoices
            where status = 'open' and due_at < timestamp '{END_UTC}' - interval 22 day
              and (due_at < timestamp '{END_UTC}' - interval 60 day
                   or not exists (select 1 from subscriptions
                                  where subscriptions.account_id = invoices.account_id
                                    and subscriptions.canceled_at is not null and subscriptions.ended_at is null))""",
    )


def test_most_failed_payments_are_recovered_within_three_weeks(db):
    """Failed payments are retried: more invoices end up paid late than written off, none later
    than three weeks after the due date."""
    late_paid, latest_days_late, written_off = db.execute(
        """select count(*) filter (where paid_at > due_at),
                  max(date_diff('second', due_at, paid_at) / 86400) filter (where paid_at > due_at),
                  count(*) filter (where status = 'uncollectible')
           from invoices"""
    ).fetchone()
    assert late_paid > written_off > 0
    assert latest_days_late <= 22


def test_payments_fail_more_often_before_churn(db):
    """Invoices due before an account cancels its core subscription fail far more often than those
    of accounts that stay: late payments (health falls before churn) and write-offs alike."""
    rates = {
        churns: (failed, late)
        for churns, failed, late in db.execute(
            f"""with cancellations as (
                    select subscriptions.account_id, min(subscriptions.canceled_at) as canceled_at
                    from subscriptions join subscription_items using (subscription_id) join plans using (plan_id)
                    where plans.product_id = 'core' and subscriptions.canceled_at is not null
                      and subscriptions.started_at < coalesce(subscriptions.ended_at, timestamp '{END_UTC}')
                    group by 1)
                select cancellations.account_id is not null as churns,
                       avg((invoices.paid_at > invoices.due_at or invoices.status = 'uncollectible'
                            or (invoices.status = 'open' and invoices.due_at < timestamp '{END_UTC}'))::int),
                       avg((invoices.paid_at > invoices.due_at)::int)
                from invoices left join cancellations using (account_id)
                where invoices.total > 0 and invoices.status != 'void'
                  and (cancellations.canceled_at is null or invoices.due_at < cancellations.canceled_at)
                group by 1"""
        ).fetchall()
    }
    assert rates[True][0] > 3 * rates[False][0]
    assert rates[True][1] > 1.5 * rates[False][1]


def test_cs_touch_model_by_size(db):
    """High-touch accounts get CSM calls and QBRs, low-touch webinars, tech-touch automated emails."""
    touches = db.execute(
        """select activity_type, count(owner_id) as with_owner, count(*) as total
           from activities group by 1"""
    ).fetchall()
    by_type = {activity_type: (with_owner, total) for activity_type, with_owner, total in touches}
    for activity_type in ("kickoff_meeting", "check_in_call", "qbr", "webinar", "email", "training"):
        assert by_type[activity_type][1] > 0, activity_type
    assert by_type["email"][0] == 0 and by_type["webinar"][0] == 0
    assert by_type["check_in_call"][0] == by_type["check_in_call"][1]
    managers = db.execute("select count(*) from owners where role = 'csm' and manager_id is null").fetchone()[0]
    assert managers == 0


def test_landing_page_arm_b_converts_more_but_brings_worse_customers():
    """Judged on the simulated lifecycle of many accounts (no files needed)."""
    lifecycle = simulate(GeneratorConfig(accounts=4000, months=24, end_date=END_DATE, seed=2))
    accounts, subs = lifecycle.accounts, lifecycle.subscriptions
    variant = accounts.variant[subs["account"]]
    paid = (subs["started"] != NULL_TIMESTAMP) & ((subs["ended"] == NULL_TIMESTAMP) | (subs["ended"] > subs["started"]))
    finished_trial = (subs["trial_end"] != NULL_TIMESTAMP) & (subs["trial_end"] < lifecycle.timeline.end_us)
    core = subs["product"] == CORE
    churned = paid & core & (subs["reason"] >= 0)
    reached_project = (lifecycle.activation_day >= 0) & (lifecycle.activation_day - accounts.onboarding_day < 90)
    onboarded_early = accounts.onboarding_day < lifecycle.timeline.days - 180

    def rate(flags: np.ndarray, among: np.ndarray) -> float:
        return flags[among].mean()

    arm_a, arm_b = variant == 0, variant == 1
    assert rate(paid, finished_trial & arm_b) > rate(paid, finished_trial & arm_a) + 0.03
    assert rate(churned, paid & core & arm_b) > rate(churned, paid & core & arm_a) + 0.05
    assert (
        rate(reached_project, onboarded_early & (accounts.variant == 1))
        < rate(reached_project, onboarded_early & (accounts.variant == 0)) - 0.05
    )

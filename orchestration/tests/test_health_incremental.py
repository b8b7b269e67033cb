"""Late inputs re-score the health days they touch: an incremental run equals a full build.

`int_health__account_daily_inputs` is incremental by account and day: besides the days after its
last day, a run recomputes an account from the earliest day of its events received after the
table's watermark (its max latest_event_received_at), so logins that land late for an older day
change that day's inputs and those of every later day whose windows cover it. Tickets, survey
answers, CS activities and invoices carry no arrival time: a run finds late ones by the rows'
non-event fingerprint and recomputes the account from their day too. `fct_health_score_daily`
scores the input rows derived since it last ran, and `int_health__alert_episodes` recomputes from
the first input day re-derived since it last read them.
The test builds the health models, lands a late batch of logins, for an earlier day a late ticket,
NPS answer, webinar and failed invoice, and a late cancellation that ends another account's paying
days (so stored days must leave the tables), runs incrementally with the report day moved forward,
and compares every row with a full build; then steps back a day and forward again, as the daily
schedule does, and compares; then moves the report day back and compares again.
"""

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from conftest import SMALL_DATASET_END_DATE, WITHOUT_RUN_STAMPS, build_models_up_to

INPUTS_TABLE = "intermediate.int_health__account_daily_inputs"
SCORES_TABLE = "marts.fct_health_score_daily"
ALERTS_TABLE = "intermediate.int_health__alert_episodes"
COMPARED_TABLES = (INPUTS_TABLE, SCORES_TABLE, ALERTS_TABLE)
EARLIER_AS_OF = "2026-10-24"
# The late logins fall on this many consecutive local days.
LATE_LOGIN_DAYS = 3
# The late ticket, survey answer, activity and invoice fall this many days before the late logins.
NON_EVENT_DAYS_BEFORE_LOGINS = 20


def build_health(raw_dir: Path, warehouse: Path, target_dir: Path, as_of: str) -> None:
    """Build the alert episodes and every parent (seeds, staging, health models) into
    `warehouse`, without tests."""
    build_models_up_to("int_health__alert_episodes", raw_dir, warehouse, target_dir, as_of)


def read_rows(warehouse: Path, table: str, where: str = "true") -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(f"select {WITHOUT_RUN_STAMPS} from {table} where {where} order by all").fetchall()


def scalar(warehouse: Path, query: str):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(query).fetchall()[0][0]


def account_day_without_logins(warehouse: Path, first_day: str, last_day: str) -> tuple[str, date]:
    """The first paying account-day of the window with no login on the 30 days up to it, so late logins
    on it change the inputs, the score and the no-login alerts."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        account_day = connection.execute(
            f"""
            select account_id, date
            from {INPUTS_TABLE}
            where date between ? and ? and login_days_30d = 0 and login_days_red_window = 0
            order by date, account_id
            limit 1
            """,
            [first_day, last_day],
        ).fetchone()
    assert account_day, "no paying account goes 30 days without a login in the window: pick another window"
    return account_day


def latest_landed_receipt(raw_dir: Path) -> datetime:
    with duckdb.connect() as connection:
        return connection.sql(
            f"select max(received_at) from read_parquet('{raw_dir}/product/events/**/*.parquet', union_by_name = true)"
        ).fetchall()[0][0]


def land_late_logins(raw_dir: Path, account_id: str, first_day: date, received_at: str) -> Path:
    """Write a Parquet file of logins by one of the account's users at noon Tokyo time (03:00 UTC) on
    LATE_LOGIN_DAYS local days from `first_day`, all received at `received_at`; returns the file."""
    late_file = raw_dir / "product" / "events" / "late_batch" / "part-0.parquet"
    late_file.parent.mkdir()
    login_instants = [f"{first_day + timedelta(days=offset)} 03:00:00" for offset in range(LATE_LOGIN_DAYS)]
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                with account_user as (
                    select user_id
                    from read_parquet('{raw_dir}/product/users.parquet')
                    where account_id = $account_id and created_at < cast($first_login as timestamp)
                    order by created_at, user_id
                    limit 1
                )
                select
                    'late-login-' || strftime(login_instant, '%Y%m%d') as event_id,
                    account_user.user_id,
                    $account_id as account_id,
                    'login' as event_name,
                    login_instant as occurred_at,
                    cast($received_at as timestamp) as received_at,
                    'web' as platform,
                    '{{}}' as properties
                from account_user
                cross join (select unnest(cast($login_instants as timestamp[])) as login_instant)
            ) to '{late_file}' (format parquet)
            """,
            {
                "account_id": account_id,
                "first_login": login_instants[0],
                "login_instants": login_instants,
                "received_at": received_at,
            },
        )
        landed = connection.sql(f"select count(*) from read_parquet('{late_file}')").fetchall()[0][0]
    assert landed == LATE_LOGIN_DAYS, "the account has no user old enough to log in on the late days"
    return late_file


def paying_account_on(warehouse: Path, day: date, other_than: tuple[str, ...] = ()) -> str:
    """An account paying on `day` and on EARLIER_AS_OF, so late facts on `day` change rows up to it."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        account = connection.execute(
            f"""
            select account_id
            from {INPUTS_TABLE}
            where date in (?, ?) and account_id <> all(?)
            group by account_id
            having count(*) = 2
            order by account_id
            limit 1
            """,
            [day, EARLIER_AS_OF, list(other_than)],
        ).fetchone()
    assert account, f"no account pays on both {day} and {EARLIER_AS_OF}: pick another day"
    return account[0]


def append_rows(parquet_file: Path, rows_sql: str) -> None:
    """Rewrite `parquet_file` with the rows of `rows_sql` appended (columns matched by name)."""
    with duckdb.connect() as connection:
        connection.execute(
            f"create table rewritten as select * from read_parquet('{parquet_file}') union all by name {rows_sql}"
        )
        connection.execute(f"copy rewritten to '{parquet_file}' (format parquet)")


def land_late_non_event_rows(raw_dir: Path, account_id: str, day: date) -> None:
    """A ticket (urgent, still open), an NPS detractor answer, a webinar and an invoice due and unpaid,
    all on `day` at noon Tokyo time, for `account_id`: one fact of every non-event input kind."""
    noon = f"timestamp '{day} 03:00:00'"
    account = f"'{account_id}'"
    append_rows(
        raw_dir / "crm" / "tickets.parquet",
        f"""
        select 'late-ticket' as ticket_id, {account} as account_id, {noon} as created_at, 'open' as status,
            'urgent' as priority, 'bug' as category""",
    )
    append_rows(
        raw_dir / "crm" / "survey_responses.parquet",
        f"""
        select 'late-nps' as response_id, {account} as account_id, 'nps' as survey_type, 2 as score,
            {noon} as responded_at""",
    )
    append_rows(
        raw_dir / "crm" / "activities.parquet",
        f"""
        select 'late-webinar' as activity_id, {account} as account_id, 'webinar' as activity_type,
            {noon} as occurred_at, 60 as duration_minutes""",
    )
    append_rows(
        raw_dir / "billing" / "invoices.parquet",
        f"""
        select 'late-invoice' as invoice_id, {account} as account_id, 'open' as status, 'JPY' as currency,
            cast(1000 as decimal(18, 2)) as total, cast(0 as decimal(18, 2)) as amount_paid,
            {noon} - interval 14 day as created_at, {noon} as due_at""",
    )


def land_late_cancellation(raw_dir: Path, account_id: str, day: date) -> None:
    """End every subscription item of `account_id` still running after `day` at noon Tokyo time on it,
    and drop those starting later, as a cancellation recorded late would: the account stops paying
    after `day`."""
    items_file = raw_dir / "billing" / "subscription_items.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            create table rewritten as
            select
                items.* replace (
                    case
                        when subscriptions.account_id = $account_id and coalesce(items.valid_to > $ended_at, true)
                            then $ended_at
                        else items.valid_to
                    end as valid_to
                )
            from read_parquet('{items_file}') as items
            left join read_parquet('{raw_dir / "billing" / "subscriptions.parquet"}') as subscriptions
                on items.subscription_id = subscriptions.subscription_id
            where subscriptions.account_id is distinct from $account_id or items.valid_from < $ended_at
            """,
            {"account_id": account_id, "ended_at": datetime.fromisoformat(f"{day} 03:00:00")},
        )
        connection.execute(f"copy rewritten to '{items_file}' (format parquet)")


def latest_receipt_counted(warehouse: Path, as_of: str) -> datetime:
    """The latest receipt of the staged events of local days up to `as_of`: those a build as of it reads."""
    return scalar(warehouse, f"select max(received_at) from staging.stg_product__events where occurred_on <= '{as_of}'")


def test_late_inputs_for_past_days_rescored_like_full_build(small_raw_dataset: Path, tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, raw_dir)
    warehouse = tmp_path / "warehouse.duckdb"
    build_health(raw_dir, warehouse, tmp_path / "target", EARLIER_AS_OF)

    # A day 2-5 weeks before the first run's last day: well inside the scored table.
    earlier_as_of = date.fromisoformat(EARLIER_AS_OF)
    account_id, late_day = account_day_without_logins(
        warehouse, str(earlier_as_of - timedelta(days=35)), str(earlier_as_of - timedelta(days=14))
    )
    watermark = scalar(warehouse, f"select max(latest_event_received_at) from {INPUTS_TABLE}")
    assert watermark == latest_receipt_counted(warehouse, EARLIER_AS_OF)
    assert watermark == scalar(warehouse, f"select max(latest_event_received_at) from {SCORES_TABLE}")
    # Received after every event already landed (so after the watermark too), yet occurring weeks earlier.
    late_received_at = latest_landed_receipt(raw_dir) + timedelta(minutes=1)
    assert late_received_at > watermark
    land_late_logins(raw_dir, account_id, late_day, str(late_received_at))
    # Weeks before the late logins, so only their fingerprint can make the run go back that far.
    late_non_event_day = late_day - timedelta(days=NON_EVENT_DAYS_BEFORE_LOGINS)
    non_event_account_id = paying_account_on(warehouse, late_non_event_day)
    land_late_non_event_rows(raw_dir, non_event_account_id, late_non_event_day)
    # Between the two, so the run must both recompute and drop the account's later stored days.
    cancellation_day = late_day - timedelta(days=NON_EVENT_DAYS_BEFORE_LOGINS // 2)
    cancelled_account_id = paying_account_on(warehouse, cancellation_day, (account_id, non_event_account_id))
    land_late_cancellation(raw_dir, cancelled_account_id, cancellation_day)
    late_rows = {
        "logins": f"account_id = '{account_id}' and date between '{late_day}' and '{EARLIER_AS_OF}'",
        "non-event rows": (
            f"account_id = '{non_event_account_id}' and date between '{late_non_event_day}' and '{EARLIER_AS_OF}'"
        ),
        "cancellation": (
            f"account_id = '{cancelled_account_id}' and date between '{cancellation_day}' and '{EARLIER_AS_OF}'"
        ),
    }
    rows_before_late_batch = {
        (table, late): read_rows(warehouse, table, where)
        for table in (INPUTS_TABLE, SCORES_TABLE)
        for late, where in late_rows.items()
    }

    # The report day moves forward and the late batch lands in the same run.
    build_health(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    full_build = tmp_path / "full" / "warehouse.duckdb"
    build_health(raw_dir, full_build, tmp_path / "target_full", SMALL_DATASET_END_DATE)

    # The late logins change the account's rows from the late day on, so stale rows would be caught.
    assert (
        scalar(
            full_build,
            f"select login_days_30d from {INPUTS_TABLE} where account_id = '{account_id}' and date = '{late_day}'",
        )
        == 1
    )
    for (table, late), stale_rows in rows_before_late_batch.items():
        assert read_rows(full_build, table, late_rows[late]) != stale_rows, (table, late)

    assert_same_rows(warehouse, full_build)
    latest_scored_receipt = scalar(warehouse, f"select max(latest_event_received_at) from {SCORES_TABLE}")
    assert latest_scored_receipt == latest_receipt_counted(warehouse, SMALL_DATASET_END_DATE)

    # The daily schedule's step: back one day, then forward to it again. Every account is then computed
    # on the new day alone (one aggregate per account instead of window functions).
    day_before_end = str(date.fromisoformat(SMALL_DATASET_END_DATE) - timedelta(days=1))
    build_health(raw_dir, warehouse, tmp_path / "target", day_before_end)
    build_health(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    assert_same_rows(warehouse, full_build)

    # The report day moves back: later days leave the tables and the alert episodes running past it
    # are cut back to it, still open, as a full build as of that day makes them.
    assert scalar(warehouse, f"select count(*) from {ALERTS_TABLE} where last_alerted_on > '{EARLIER_AS_OF}'") > 0
    build_health(raw_dir, warehouse, tmp_path / "target", EARLIER_AS_OF)
    full_build_earlier = tmp_path / "full_earlier" / "warehouse.duckdb"
    build_health(raw_dir, full_build_earlier, tmp_path / "target_full_earlier", EARLIER_AS_OF)
    assert_same_rows(warehouse, full_build_earlier)


def test_a_late_cancellation_alone_ends_the_alert_episodes_it_cuts_short(
    small_raw_dataset: Path, tmp_path: Path
) -> None:
    """A cancellation recorded late, with no other late input: the account's stored days after it leave
    the inputs and the scores, and its alert episode running through them must end where its paying days
    now end, though no input row of the account is derived again."""
    raw_dir = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, raw_dir)
    warehouse = tmp_path / "warehouse.duckdb"
    build_health(raw_dir, warehouse, tmp_path / "target", EARLIER_AS_OF)

    cancellation_day = date.fromisoformat(EARLIER_AS_OF) - timedelta(days=14)
    account = scalar(
        warehouse,
        f"""
        select min(episodes.account_id)
        from {ALERTS_TABLE} as episodes
        inner join {INPUTS_TABLE} as inputs
            on episodes.account_id = inputs.account_id and inputs.date = '{cancellation_day}'
        where episodes.closed_on is null and episodes.opened_on < '{cancellation_day}'
        """,
    )
    assert account, "no alert episode runs through the cancellation day: pick another day"
    land_late_cancellation(raw_dir, account, cancellation_day)

    build_health(raw_dir, warehouse, tmp_path / "target", SMALL_DATASET_END_DATE)
    full_build = tmp_path / "full" / "warehouse.duckdb"
    build_health(raw_dir, full_build, tmp_path / "target_full", SMALL_DATASET_END_DATE)
    # The episode now ends before the cancellation day, so a stale one would be caught.
    assert (
        scalar(full_build, f"select max(last_alerted_on) from {ALERTS_TABLE} where account_id = '{account}'")
        < cancellation_day
    )
    assert_same_rows(warehouse, full_build)


def assert_same_rows(warehouse: Path, full_build: Path) -> None:
    for table in COMPARED_TABLES:
        full_rows = read_rows(full_build, table)
        assert full_rows, f"the full build of {table} has no rows, so the comparison would prove nothing"
        incremental_rows = read_rows(warehouse, table)
        assert len(incremental_rows) == len(full_rows), table
        assert incremental_rows == full_rows, table

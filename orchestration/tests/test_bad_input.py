"""Bad raw input costs only what it touches, and never a wrong number on a green build.

One clean build and one build of a corrupted copy of the same small dataset: every row-level fault
sits in its own accounts, so one build proves them all. Structural faults only need the pre-flight,
which stops the run before any model, so they run `dbt run` on a model-less selection (cheap).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import SMALL_DATASET_END_DATE, run_dbt


def dbt(command: list[str], raw_dir: Path, warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    return run_dbt(command, raw_dir, warehouse, target, SMALL_DATASET_END_DATE, capture_output=True)


def rewrite_parquet(path: Path, select_sql: str) -> None:
    """Rewrites a Parquet file with `select_sql`, which reads it as `raw` (types are kept)."""
    rewritten = path.with_suffix(".rewritten")
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (with raw as (select * from read_parquet('{path}')) {select_sql}) to '{rewritten}' (format parquet)"
        )
    rewritten.replace(path)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@dataclass(frozen=True)
class Faults:
    """The accounts each row-level fault was put in (all distinct)."""

    unknown_channel: tuple[str, str]
    negative_last_quantity: str
    empty_last_version: str
    null_subscription_id: str
    negative_invoice_total: str
    future_account: str
    unreadable_event_files: tuple[Path, Path]

    @property
    def mrr_affected(self) -> tuple[str, ...]:
        """Accounts whose MRR must leave the revenue marts (flagged, or quarantined themselves)."""
        return (
            self.negative_last_quantity,
            self.empty_last_version,
            self.null_subscription_id,
            self.future_account,
        )

    @property
    def all_accounts(self) -> tuple[str, ...]:
        return (*self.unknown_channel, *self.mrr_affected, self.negative_invoice_total)


def pick_accounts(raw: Path, count: int) -> list[str]:
    """Accounts paying at the end of the window on one subscription with several price versions and
    invoices: a lost last version would read as a churn."""
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"""
            with subscriptions as (select * from read_parquet('{raw}/billing/subscriptions.parquet')),
            items as (select * from read_parquet('{raw}/billing/subscription_items.parquet')),
            invoices as (select * from read_parquet('{raw}/billing/invoices.parquet')),
            single as (
                select account_id, any_value(subscription_id) as subscription_id
                from subscriptions group by account_id
                having count(*) = 1 and bool_and(started_at is not null and ended_at is null)
            )
            select single.account_id
            from single
            inner join items using (subscription_id)
            where single.account_id in (select account_id from invoices)
            group by single.account_id
            having count(*) >= 2
            order by single.account_id
            limit {count}
            """
        ).fetchall()
    assert len(rows) == count, "the small dataset has too few paying accounts to corrupt"
    return [row[0] for row in rows]


def corrupt(clean_raw: Path, out: Path) -> Faults:
    shutil.copytree(clean_raw, out)
    accounts = pick_accounts(out, 7)
    faults = Faults(
        unknown_channel=(accounts[0], accounts[1]),
        negative_last_quantity=accounts[2],
        empty_last_version=accounts[3],
        null_subscription_id=accounts[4],
        negative_invoice_total=accounts[5],
        future_account=accounts[6],
        unreadable_event_files=tuple(sorted((out / "product" / "events").rglob("*.parquet"))[:2]),
    )
    rewrite_parquet(
        out / "crm" / "accounts.parquet",
        f"""select * replace (
            case when account_id in {faults.unknown_channel} then 'tv_advert' else acquisition_channel end
                as acquisition_channel,
            case when account_id = '{faults.future_account}' then timestamp '2999-01-01' else created_at end
                as created_at)
        from raw""",
    )
    subscription_of = (
        "(select subscription_id from read_parquet('{raw}/billing/subscriptions.parquet') "
        "where account_id = '{account}')"
    )
    last_version = (
        "subscription_item_id in (select arg_max(subscription_item_id, valid_from) from raw "
        "where subscription_id in {subscription} group by subscription_id)"
    )
    negative = last_version.format(
        subscription=subscription_of.format(raw=clean_raw, account=faults.negative_last_quantity)
    )
    empty = last_version.format(subscription=subscription_of.format(raw=clean_raw, account=faults.empty_last_version))
    rewrite_parquet(
        out / "billing" / "subscription_items.parquet",
        f"""select * replace (
            case when {negative} then -1 else quantity end as quantity,
            case when {empty} then valid_from else valid_to end as valid_to)
        from raw""",
    )
    rewrite_parquet(
        out / "billing" / "subscriptions.parquet",
        f"""select * replace (
            case when account_id = '{faults.null_subscription_id}' then null else subscription_id end
                as subscription_id)
        from raw""",
    )
    rewrite_parquet(
        out / "billing" / "invoices.parquet",
        f"""select * replace (
            case when account_id = '{faults.negative_invoice_total}' then -total else total end as total)
        from raw""",
    )
    rewrite_parquet(out / "crm" / "tickets.parquet", "select *, 'brand_a' as zendesk_brand from raw")
    empty_file, truncated_file = faults.unreadable_event_files
    empty_file.write_bytes(b"")
    truncated_file.write_bytes(truncated_file.read_bytes()[:200])
    return faults


@dataclass(frozen=True)
class Builds:
    clean: Path
    corrupted: Path
    corrupted_result: subprocess.CompletedProcess
    faults: Faults


@pytest.fixture(scope="session")
def builds(small_raw_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """The clean dataset built without tests (its figures are the reference), and the corrupted copy
    built with every data test: it must be green. Unit tests do not depend on the data (`make test`
    runs them in its own build)."""
    root = tmp_path_factory.mktemp("bad_input")
    faults = corrupt(small_raw_dataset, root / "corrupted_raw")
    target = root / "target"
    clean = dbt(
        ["build", "--exclude-resource-type", "test", "unit_test"],
        small_raw_dataset,
        root / "clean" / "warehouse.duckdb",
        target,
    )
    assert clean.returncode == 0, clean.stdout[-3000:]
    corrupted = dbt(
        ["build", "--exclude-resource-type", "unit_test"],
        root / "corrupted_raw",
        root / "corrupted" / "warehouse.duckdb",
        target,
    )
    return Builds(root / "clean" / "warehouse.duckdb", root / "corrupted" / "warehouse.duckdb", corrupted, faults)


def test_corrupted_rows_leave_the_build_green(builds: Builds) -> None:
    assert builds.corrupted_result.returncode == 0, builds.corrupted_result.stdout[-5000:]


def test_every_mart_builds(builds: Builds) -> None:
    marts = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    clean_marts = query(builds.clean, marts)
    assert len(clean_marts) >= 18
    assert query(builds.corrupted, marts) == clean_marts


def test_row_accounting_balances(builds: Builds) -> None:
    unbalanced = query(
        builds.corrupted,
        "select source_table from audit.audit_source_row_counts "
        "where raw_rows <> duplicate_rows_dropped + quarantined_rows + used_rows",
    )
    assert unbalanced == []


def test_unknown_channel_is_kept_as_unknown(builds: Builds) -> None:
    accounts = query(
        builds.corrupted,
        "select account_id, acquisition_channel from marts.dim_accounts "
        f"where account_id in {builds.faults.unknown_channel} order by 1",
    )
    assert accounts == [(account, "unknown") for account in sorted(builds.faults.unknown_channel)]
    raw_values = query(
        builds.corrupted,
        f"select distinct raw_acquisition_channel from staging.stg_crm__accounts "
        f"where account_id in {builds.faults.unknown_channel}",
    )
    assert raw_values == [("tv_advert",)]
    assert "stg_crm__accounts_acquisition_channel_is_known" in builds.corrupted_result.stdout


def test_children_of_a_quarantined_account_name_it(builds: Builds) -> None:
    account = builds.faults.future_account
    reasons = query(
        builds.corrupted,
        "select distinct source_table, reason from audit.quarantine_rows "
        f"where reason = 'parent_quarantined: {account}' order by 1",
    )
    assert ("billing.subscriptions", f"parent_quarantined: {account}") in reasons
    assert query(
        builds.corrupted,
        f"select count(*) from marts.dim_accounts where account_id = '{account}'",
    ) == [(0,)]


def test_accounts_that_lost_mrr_history_are_flagged_not_churned(builds: Builds) -> None:
    faults = builds.faults
    flagged = (
        faults.negative_last_quantity,
        faults.empty_last_version,
        faults.null_subscription_id,
    )
    statuses = query(
        builds.corrupted,
        "select account_id, data_quality_status from marts.dim_accounts where data_quality_status <> 'ok' order by 1",
    )
    expected = sorted(
        [(account, "mrr_history_incomplete") for account in flagged]
        + [(faults.negative_invoice_total, "invoices_incomplete")]
    )
    assert statuses == expected
    invented = query(
        builds.corrupted,
        f"select account_id, month, movement from marts.fct_mrr_monthly where account_id in {flagged}",
    )
    assert invented == []
    excluded = query(
        builds.corrupted,
        "select distinct account_id from marts.fct_mrr_excluded_monthly order by 1",
    )
    assert (faults.negative_last_quantity,) in excluded and (faults.empty_last_version,) in excluded
    assert "no_account_is_excluded_from_mrr" in builds.corrupted_result.stdout


def test_revenue_of_unaffected_accounts_is_unchanged(builds: Builds) -> None:
    movements = (
        "select account_id, month, mrr, previous_mrr, movement, segment from marts.fct_mrr_monthly "
        f"where account_id not in {builds.faults.mrr_affected} order by 1, 2"
    )
    assert query(builds.corrupted, movements) == query(builds.clean, movements)
    current = (
        "select account_id, current_mrr, current_segment from marts.dim_accounts "
        f"where account_id not in {builds.faults.all_accounts} order by 1"
    )
    assert query(builds.corrupted, current) == query(builds.clean, current)


def test_kpis_leave_out_exactly_the_affected_accounts(builds: Builds) -> None:
    with duckdb.connect(str(builds.clean), read_only=True) as connection:
        affected = dict(
            connection.execute(
                "select month, sum(mrr) from marts.fct_mrr_monthly "
                f"where account_id in {builds.faults.mrr_affected} group by month"
            ).fetchall()
        )
        clean_kpis = connection.execute("select month, mrr_end from marts.kpi_monthly order by 1").fetchall()
    corrupted_kpis = dict(query(builds.corrupted, "select month, mrr_end from marts.kpi_monthly"))
    for month, clean_mrr_end in clean_kpis:
        assert corrupted_kpis[month] == clean_mrr_end - affected.get(month, 0), month


def test_kpis_report_the_mrr_they_leave_out(builds: Builds) -> None:
    reported = query(
        builds.corrupted,
        "select month, excluded_accounts, excluded_mrr from marts.kpi_monthly where excluded_accounts > 0 order by 1",
    )
    expected = query(
        builds.corrupted,
        "select month, count(*), sum(excluded_mrr) from marts.fct_mrr_excluded_monthly group by month order by 1",
    )
    assert reported and reported == expected
    assert query(builds.clean, "select max(excluded_accounts), max(excluded_mrr) from marts.kpi_monthly") == [(0, 0)]


def test_unreadable_event_files_are_set_aside(builds: Builds) -> None:
    listed = query(
        builds.corrupted,
        "select file_path from audit.audit_quarantined_raw_files order by 1",
    )
    assert listed == [(str(path),) for path in builds.faults.unreadable_event_files]
    assert query(builds.corrupted, "select count(*) > 0 from staging.stg_product__events") == [(True,)]


def test_an_extra_column_is_reported(builds: Builds) -> None:
    assert "has columns outside the raw contract, ignored: zendesk_brand" in builds.corrupted_result.stdout


StructuralFault = Callable[[Path], None]


def empty_accounts(raw: Path) -> None:
    rewrite_parquet(raw / "crm" / "accounts.parquet", "select * from raw limit 0")


def dropped_score(raw: Path) -> None:
    rewrite_parquet(raw / "crm" / "survey_responses.parquet", "select * exclude (score) from raw")


def missing_plans(raw: Path) -> None:
    (raw / "billing" / "plans.parquet").unlink()


def boolean_ticket_times(raw: Path) -> None:
    rewrite_parquet(
        raw / "crm" / "tickets.parquet",
        "select * replace (true as created_at) from raw",
    )


def unreadable_contacts(raw: Path) -> None:
    (raw / "crm" / "contacts.parquet").write_bytes(b"not parquet")


@dataclass(frozen=True)
class Preflight:
    """One raw directory path, warehouse and target for every pre-flight run."""

    raw: Path
    warehouse: Path
    target: Path

    def run(self) -> subprocess.CompletedProcess:
        self.warehouse.unlink(missing_ok=True)
        return dbt(["run", "-s", "audit_quarantined_raw_files"], self.raw, self.warehouse, self.target)


@pytest.fixture(scope="module")
def preflight(tmp_path_factory: pytest.TempPathFactory, venv_on_path: None) -> Preflight:
    root = tmp_path_factory.mktemp("preflight")
    return Preflight(root / "raw", root / "warehouse.duckdb", root / "target")


def test_structural_faults_stop_the_run_with_one_line_each(small_raw_dataset: Path, preflight: Preflight) -> None:
    raw = preflight.raw
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(small_raw_dataset, raw)
    for fault in (empty_accounts, dropped_score, missing_plans, boolean_ticket_times, unreadable_contacts):
        fault(raw)
    result = preflight.run()
    assert result.returncode != 0
    expected_lines = [
        f"crm.accounts: {raw}/crm/accounts.parquet has 0 rows",
        f"crm.survey_responses: {raw}/crm/survey_responses.parquet has no column score (integer)",
        f"billing.plans: no file matches {raw}/billing/plans.parquet",
        f"crm.tickets: {raw}/crm/tickets.parquet column created_at is boolean, which does not cast to timestamp",
        f"crm.contacts: {raw}/crm/contacts.parquet is not a readable Parquet file",
    ]
    for line in expected_lines:
        assert line in result.stdout, result.stdout[-3000:]
    assert "Binder Error" not in result.stdout
    # Nothing was built: the hook stopped the run before any model.
    assert query(preflight.warehouse, "select table_name from information_schema.tables") == []


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_no_raw_data_gives_one_message(state: str, preflight: Preflight) -> None:
    shutil.rmtree(preflight.raw, ignore_errors=True)
    if state == "empty":
        preflight.raw.mkdir()
    result = preflight.run()
    assert result.returncode != 0
    assert result.stdout.count(f"No raw data in RAW_DATA_DIR={preflight.raw}") == 1
    assert "crm/accounts.parquet" in result.stdout and "make run" in result.stdout
    assert "No files found" not in result.stdout


# The pre-flight's magic-byte check, as dbt's debug log records it, and the files it reads.
MAGIC_CHECK = re.compile(r"cast\('PAR1' as blob\)\s+then [^\n]*\s+end as problem\s+from read_blob\(\[([^\]]*)\]\)")


def magic_checked_files(log_dir: Path) -> set[str]:
    """The files whose bytes a run read for the Parquet magic, from its debug log in `log_dir`."""
    log = (log_dir / "dbt.log").read_text()
    return {path.strip().strip("'") for files in MAGIC_CHECK.findall(log) for path in files.split(",")}


def test_files_checked_before_are_read_again_only_when_changed(small_raw_dataset: Path, preflight: Preflight) -> None:
    raw = preflight.raw
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(small_raw_dataset, raw)
    warehouse = preflight.warehouse
    warehouse.unlink(missing_ok=True)
    # The statements are in the log at debug level only.
    audit_models = ["run", "-s", "audit_raw_file_checks", "audit_quarantined_raw_files", "--log-level-file", "debug"]
    first_logs, second_logs = preflight.target / "first_logs", preflight.target / "second_logs"
    first = dbt([*audit_models, "--log-path", str(first_logs)], raw, warehouse, preflight.target)
    assert first.returncode == 0, first.stdout[-3000:]
    every_file = {row[0] for row in query(warehouse, "select file_path from audit.audit_raw_file_checks")}
    assert every_file == {str(path) for path in raw.rglob("*.parquet")}
    assert magic_checked_files(first_logs) == every_file

    # One event file is truncated after the run: the next run reads it, and only it, and sets it aside.
    truncated_file = sorted((raw / "product" / "events").rglob("*.parquet"))[0]
    truncated_file.write_bytes(truncated_file.read_bytes()[:200])
    second = dbt([*audit_models, "--log-path", str(second_logs)], raw, warehouse, preflight.target)
    assert second.returncode == 0, second.stdout[-3000:]
    assert magic_checked_files(second_logs) == {str(truncated_file)}
    assert query(warehouse, "select file_path from audit.audit_quarantined_raw_files") == [(str(truncated_file),)]
    assert query(
        warehouse, f"select problem is not null from audit.audit_raw_file_checks where file_path = '{truncated_file}'"
    ) == [(True,)]

"""The base tables of the raw snapshots (materialization `raw_snapshot_table`) are kept untouched while
nothing they are built from has changed, and rebuilt, with every table built from them, when a raw
file, the code or a var changes, on --full-refresh, and on every run while a row's validity depends on
the run's clock. Whatever a run keeps, the tables equal a build into an empty warehouse."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import REPO_ROOT, SMALL_DATASET_END_DATE, VENV_BIN, dbt_environment, run_dbt

SELECTOR = "config.materialized:raw_snapshot_table"
SNAPSHOT_TABLES = {
    "base_billing__invoice_lines",
    "base_billing__invoices",
    "base_billing__plans",
    "base_billing__subscription_items",
    "base_billing__subscriptions",
    "base_crm__accounts",
    "base_crm__activities",
    "base_crm__contacts",
    "base_crm__owners",
    "base_crm__survey_responses",
    "base_crm__tickets",
    "base_product__users",
}
# The tables that do not read the accounts, directly or through another base table.
INDEPENDENT_OF_ACCOUNTS = {"base_billing__plans", "base_crm__owners"}
MARK = "written before this run"


BUILD_ARGS = ("build", "--select", SELECTOR, "--resource-type", "model", "--quiet")


def build_snapshot_tables(raw_dir: Path, warehouse: Path, target_dir: Path, *args: str, **extra_vars) -> dict:
    """Build the raw snapshots' base tables; each one's status message ('KEPT' or the rows written)."""
    build = run_dbt([*BUILD_ARGS, *args], raw_dir, warehouse, target_dir, SMALL_DATASET_END_DATE, extra_vars)
    assert build.returncode == 0, f"dbt build --select {SELECTOR} failed"
    return status_messages(target_dir)


def status_messages(target_dir: Path) -> dict:
    results = json.loads((target_dir / "run_results.json").read_text())["results"]
    messages = {
        result["unique_id"].rsplit(".", 1)[-1]: result["adapter_response"].get("_message")
        for result in results
        if result["unique_id"].startswith("model.")
    }
    assert set(messages) == SNAPSHOT_TABLES, "the selector no longer selects exactly the raw snapshots' base tables"
    return messages


def mark_tables(warehouse: Path) -> None:
    """Mark every base table with a column comment: a table written again loses it."""
    with duckdb.connect(str(warehouse)) as connection:
        for table in SNAPSHOT_TABLES:
            connection.execute(f"comment on column staging.{table}.invalid_reason is '{MARK}'")


def rebuilt_tables(warehouse: Path) -> set[str]:
    """The base tables written since `mark_tables`."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        marked = connection.sql(
            f"select table_name from duckdb_columns() where schema_name = 'staging' and comment = '{MARK}'"
        ).fetchall()
    return SNAPSHOT_TABLES - {name for (name,) in marked}


def table_rows(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: connection.sql(f"select * from staging.{table} order by all").fetchall() for table in SNAPSHOT_TABLES
        }


def rewrite_raw_file(path: Path, select_list: str, where: str = "true") -> None:
    """Land a new version of a raw file: its rows (`raw`) as `select_list` and `where` make them."""
    rewritten = path.with_suffix(".new")
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (with raw as (select * from read_parquet('{path}')) select {select_list} from raw where {where}) "
            f"to '{rewritten}' (format parquet)"
        )
    rewritten.replace(path)


@pytest.fixture
def raw_copy(small_raw_dataset: Path, tmp_path: Path) -> Path:
    """A copy of the small dataset this test may land new files in."""
    return Path(shutil.copytree(small_raw_dataset, tmp_path / "raw"))


def test_tables_are_kept_while_their_inputs_are_unchanged(raw_copy: Path, tmp_path: Path) -> None:
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    first = build_snapshot_tables(raw_copy, warehouse, target)
    assert "KEPT" not in first.values()

    mark_tables(warehouse)
    assert set(build_snapshot_tables(raw_copy, warehouse, target).values()) == {"KEPT"}
    assert rebuilt_tables(warehouse) == set()

    # A new users file: that table alone reads it.
    rewrite_raw_file(raw_copy / "product" / "users.parquet", "*", where="user_id <> (select min(user_id) from raw)")
    messages = build_snapshot_tables(raw_copy, warehouse, target)
    assert rebuilt_tables(warehouse) == {"base_product__users"}
    assert {table for table, message in messages.items() if message != "KEPT"} == {"base_product__users"}

    # A new accounts file: every table labelled against the accounts follows it.
    mark_tables(warehouse)
    rewrite_raw_file(
        raw_copy / "crm" / "accounts.parquet",
        "* replace (account_name || case when account_id = (select min(account_id) from raw) "
        "then ' renamed' else '' end as account_name)",
    )
    build_snapshot_tables(raw_copy, warehouse, target)
    assert rebuilt_tables(warehouse) == SNAPSHOT_TABLES - INDEPENDENT_OF_ACCOUNTS

    from_empty = tmp_path / "from_empty.duckdb"
    build_snapshot_tables(raw_copy, from_empty, target)
    assert table_rows(warehouse) == table_rows(from_empty)


def test_full_refresh_and_vars_rebuild_what_they_change(raw_copy: Path, tmp_path: Path) -> None:
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    build_snapshot_tables(raw_copy, warehouse, target)

    mark_tables(warehouse)
    build_snapshot_tables(raw_copy, warehouse, target, "--full-refresh")
    assert rebuilt_tables(warehouse) == SNAPSHOT_TABLES

    # The accounts' SQL renders the list of acquisition channels.
    mark_tables(warehouse)
    build_snapshot_tables(raw_copy, warehouse, target, acquisition_channels=["organic_search", "referral"])
    assert rebuilt_tables(warehouse) == SNAPSHOT_TABLES - INDEPENDENT_OF_ACCOUNTS


def test_rows_valid_from_a_later_time_rebuild_on_every_run(raw_copy: Path, tmp_path: Path) -> None:
    # An account created in the future is rejected until that time comes, and with it every row that
    # names it: which rows those are depends on when the run happens, not on the files alone.
    rewrite_raw_file(
        raw_copy / "crm" / "accounts.parquet",
        "* replace (case when account_id = (select min(account_id) from raw) "
        "then timestamp '2999-01-01' else created_at end as created_at)",
    )
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    build_snapshot_tables(raw_copy, warehouse, target)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rejected = connection.sql(
            "select count(*) from staging.base_crm__accounts where invalid_reason = 'created_at_in_future'"
        ).fetchall()[0][0]
    assert rejected == 1

    mark_tables(warehouse)
    messages = build_snapshot_tables(raw_copy, warehouse, target)
    assert rebuilt_tables(warehouse) == SNAPSHOT_TABLES - INDEPENDENT_OF_ACCOUNTS
    assert {table for table, message in messages.items() if message == "KEPT"} == INDEPENDENT_OF_ACCOUNTS


def test_persisted_docs_and_the_fingerprint_share_the_table_comment(raw_copy: Path, tmp_path: Path) -> None:
    # A project that persists the staging models' docs, as a user may configure it.
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy(source, project / name)
    config = project / "dbt_project.yml"
    staging = "    staging:\n      # "
    assert config.read_text().count(staging) == 1, "dbt_project.yml no longer configures the staging folder"
    config.write_text(
        config.read_text().replace(
            staging, "    staging:\n      +persist_docs:\n        relation: true\n        columns: true\n      # "
        )
    )
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"

    def build() -> dict:
        build = subprocess.run(
            [str(VENV_BIN / "dbt"), *BUILD_ARGS, "--target-path", str(target)],
            cwd=project,
            env=dbt_environment(raw_copy, warehouse, SMALL_DATASET_END_DATE),
            check=False,
        )
        assert build.returncode == 0, f"dbt build --select {SELECTOR} failed in the project copy"
        return status_messages(target)

    def comments() -> dict[str, tuple[str, str]]:
        """Each table's comment and its `invalid_reason` column's."""
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return {
                table: (table_comment, column_comment)
                for table, table_comment, column_comment in connection.sql(
                    "select tables.table_name, tables.comment, columns.comment from duckdb_tables() as tables "
                    "inner join duckdb_columns() as columns using (schema_name, table_name) "
                    "where tables.schema_name = 'staging' and columns.column_name = 'invalid_reason'"
                ).fetchall()
                if table in SNAPSHOT_TABLES
            }

    assert "KEPT" not in build().values()
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    documented = {node["name"]: node for node in nodes.values() if node["name"] in SNAPSHOT_TABLES}
    built = comments()
    assert set(built) == SNAPSHOT_TABLES
    for table, (table_comment, column_comment) in built.items():
        description, fingerprint = table_comment.rsplit("\n", 1)
        assert description == documented[table]["description"]
        assert re.fullmatch("input fingerprint [0-9a-f]{32}", fingerprint), table_comment
        assert column_comment == documented[table]["columns"]["invalid_reason"]["description"]

    # The docs do not take part in the fingerprint: an unchanged run keeps every table and its comments.
    assert set(build().values()) == {"KEPT"}
    assert comments() == built

    # A new description reaches the kept table's comment.
    accounts_yml = project / "models" / "staging" / "crm" / "_crm__models.yml"
    described = (
        "  - name: base_crm__accounts\n    config:\n      materialized: raw_snapshot_table\n    description: >\n"
    )
    assert accounts_yml.read_text().count(described) == 1
    accounts_yml.write_text(accounts_yml.read_text().replace(described, described + "      Renamed. "))
    assert set(build().values()) == {"KEPT"}
    renamed = comments()["base_crm__accounts"][0]
    assert renamed.startswith("Renamed. ") and renamed.endswith(built["base_crm__accounts"][0].rsplit("\n", 1)[1])

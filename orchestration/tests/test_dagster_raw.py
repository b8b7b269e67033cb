"""Raw-table assets (demo and landed modes) and the GX contract checks, on small datasets."""

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import AssetCheckSeverity, materialize

from cs_warehouse.raw_assets import RawTablesConfig, raw_tables
from cs_warehouse.raw_checks import REFERENCES_CHECK, SCHEMA_CHECK, VALUES_CHECK, RawContractValidator
from cs_warehouse.raw_contract import TABLES, table
from cs_warehouse.resources import DEMO_MANIFEST_NAME, RawData

TOLERANCE = {"max_invalid_share": 0.05, "max_invalid_rows": 10}


def test_demo_mode_regenerates_data_ending_on_the_as_of_date(tmp_path: Path, venv_on_path: None):
    raw_dir = tmp_path / "raw"
    raw_data = RawData(directory=str(raw_dir), demo_accounts=20, demo_months=2, demo_seed=3)
    result = materialize(
        [raw_tables],
        resources={"raw_data": raw_data},
        run_config={"ops": {"raw_tables": {"config": RawTablesConfig(as_of_date="2026-09-30").model_dump()}}},
    )
    assert result.success
    assert (raw_dir / DEMO_MANIFEST_NAME).exists()
    materializations = {event.asset_key.path[-1]: event for event in result.get_asset_materialization_events()}
    assert set(materializations) == {contract.name for contract in TABLES}
    accounts_metadata = materializations["accounts"].materialization.metadata
    assert accounts_metadata["mode"].value == "demo"
    assert accounts_metadata["dagster/row_count"].value > 0
    # The last local day, 2026-09-30 in Tokyo, starts on 2026-09-29 in UTC.
    latest_event = pa.compute.max(raw_data.read_table(table("events"))["occurred_at"]).as_py()
    assert latest_event.date().isoformat() in {"2026-09-29", "2026-09-30"}


def test_landed_data_is_registered_never_rewritten(small_raw_dataset: Path, tmp_path: Path):
    landed = tmp_path / "landed"
    shutil.copytree(small_raw_dataset, landed)
    (landed / DEMO_MANIFEST_NAME).unlink()
    modified_before = {file: file.stat().st_mtime_ns for file in landed.rglob("*.parquet")}
    result = materialize([raw_tables], resources={"raw_data": RawData(directory=str(landed))})
    assert result.success
    assert {file: file.stat().st_mtime_ns for file in landed.rglob("*.parquet")} == modified_before
    modes = {event.materialization.metadata["mode"].value for event in result.get_asset_materialization_events()}
    assert modes == {"landed"}


@pytest.fixture
def landed_copy(small_raw_dataset: Path, tmp_path: Path) -> Path:
    landed = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, landed)
    return landed


def check(raw_dir: Path, contract_name: str, check_name: str):
    return RawContractValidator(RawData(directory=str(raw_dir)), **TOLERANCE).result(table(contract_name), check_name)


def rewrite(landed: Path, contract_name: str, change) -> None:
    [file] = RawData(directory=str(landed)).table_files(table(contract_name))
    pq.write_table(change(pq.read_table(file)), file)


def test_generated_data_meets_the_contract_within_tolerance(small_raw_dataset: Path):
    for contract in TABLES:
        for check_name in (SCHEMA_CHECK, VALUES_CHECK, REFERENCES_CHECK):
            if check_name == REFERENCES_CHECK and not contract.foreign_keys:
                continue
            result = check(small_raw_dataset, contract.name, check_name)
            assert result.passed or result.severity == AssetCheckSeverity.WARN, (contract.name, check_name)


def test_a_key_repeated_with_different_content_is_a_violation_but_an_exact_duplicate_is_not(landed_copy: Path):
    def duplicate_first_owner(owners: pa.Table) -> pa.Table:
        exact_copy = owners.slice(0, 1)
        renamed = exact_copy.set_column(
            owners.schema.get_field_index("full_name"), "full_name", pa.array(["Someone Else"])
        )
        return pa.concat_tables([owners, exact_copy, renamed.cast(owners.schema)])

    rewrite(landed_copy, "owners", duplicate_first_owner)
    result = check(landed_copy, "owners", VALUES_CHECK)
    assert not result.passed
    assert result.metadata["exact_duplicate_rows_ignored"].value == 1
    uniqueness = next(row for row in result.metadata["expectations"].value if row["column"] == "owner_id")
    assert uniqueness["unexpected_count"] == 2


def test_violations_beyond_tolerance_block_and_within_it_warn(landed_copy: Path):
    def unknown_priorities(tickets: pa.Table, share: float) -> pa.Table:
        bad_rows = int(tickets.num_rows * share)
        priorities = ["panic"] * bad_rows + tickets["priority"].to_pylist()[bad_rows:]
        return tickets.set_column(tickets.schema.get_field_index("priority"), "priority", pa.array(priorities))

    rewrite(landed_copy, "tickets", lambda tickets: unknown_priorities(tickets, 0.02))
    within = check(landed_copy, "tickets", VALUES_CHECK)
    assert (within.passed, within.severity) == (False, AssetCheckSeverity.WARN)
    rewrite(landed_copy, "tickets", lambda tickets: unknown_priorities(tickets, 0.2))
    beyond = check(landed_copy, "tickets", VALUES_CHECK)
    assert (beyond.passed, beyond.severity) == (False, AssetCheckSeverity.ERROR)
    assert "priority" in beyond.description


def test_missing_file_and_wrong_type_fail_the_schema_check(landed_copy: Path):
    (landed_copy / table("plans").path).unlink()
    missing = check(landed_copy, "plans", SCHEMA_CHECK)
    assert (missing.passed, missing.severity) == (False, AssetCheckSeverity.ERROR)
    rewrite(landed_copy, "users", lambda users: users.set_column(
        users.schema.get_field_index("created_at"), "created_at", users["created_at"].cast(pa.string())
    ))  # fmt: skip
    wrong_type = check(landed_copy, "users", SCHEMA_CHECK)
    assert not wrong_type.passed
    assert "created_at" in wrong_type.description


def test_orphan_foreign_keys_fail_the_references_check(landed_copy: Path):
    def orphan_every_contact(contacts: pa.Table) -> pa.Table:
        orphans = pa.array(["no-such-account"] * contacts.num_rows)
        return contacts.set_column(contacts.schema.get_field_index("account_id"), "account_id", orphans)

    rewrite(landed_copy, "contacts", orphan_every_contact)
    result = check(landed_copy, "contacts", REFERENCES_CHECK)
    assert (result.passed, result.severity) == (False, AssetCheckSeverity.ERROR)
    assert "account_id" in result.description

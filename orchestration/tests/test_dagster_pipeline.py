"""End-to-end runs of the Dagster jobs, in process, on the small generated dataset.

A full run publishes the warehouse and evaluates every check; a run whose data fails a blocking
check leaves the serving warehouse as it was; a backfill of three partitions on top of an earlier
warehouse gives the same tables as the full build.
"""

import hashlib
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SMALL_DATASET_END_DATE, WITHOUT_RUN_STAMPS, WORKER_DBT
from dagster import AssetCheckSeverity, DagsterEventType

from cs_warehouse.jobs import BACKFILL_JOB, DAILY_REFRESH_JOB, daily_run_config
from cs_warehouse.publish import SERVING_WAREHOUSE_KEY
from cs_warehouse.reporting_days import PARTITION_RANGE_END_TAG
from cs_warehouse.resources import DEMO_MANIFEST_NAME, WORKING_COPIES_DIR_NAME

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
BACKFILL_DAYS = 3
BEFORE_BACKFILL = (date.fromisoformat(SMALL_DATASET_END_DATE) - timedelta(days=BACKFILL_DAYS)).isoformat()
FIRST_BACKFILL_DAY = (date.fromisoformat(BEFORE_BACKFILL) + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def definitions(dagster_definitions):
    return dagster_definitions


@pytest.fixture(scope="module")
def manifest(parsed_dbt_project) -> dict:
    return json.loads(parsed_dbt_project.manifest_path.read_text())


def run_job(definitions, job_name: str, raw_dir: Path, serving: Path, **execute_kwargs):
    """Execute a job in process against `raw_dir`, publishing to `serving`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAW_DATA_DIR", str(raw_dir))
        patch.setenv("WAREHOUSE_PATH", str(serving))
        return definitions.resolve_job_def(job_name).execute_in_process(raise_on_error=False, **execute_kwargs)


def run_daily(definitions, raw_dir: Path, serving: Path, as_of_date: str):
    """What the daily schedule launches for as_of_date."""
    return run_job(
        definitions,
        DAILY_REFRESH_JOB,
        raw_dir,
        serving,
        partition_key=as_of_date,
        run_config=daily_run_config(as_of_date),
    )


def failure_messages(result) -> str:
    return "\n".join(
        str(event.event_specific_data.error.message)
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_FAILURE
    )


def published(result) -> bool:
    return any(event.asset_key == SERVING_WAREHOUSE_KEY for event in result.get_asset_materialization_events())


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_models(manifest: dict) -> list[str]:
    """Schema-qualified relations of the models stored as tables, except records of the run
    itself (meta `run_record`: where the raw files lay and when they were written)."""
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] in ("table", "raw_snapshot_table", "incremental")
        and not node["config"]["meta"].get("run_record")
    )


def row_counts(warehouse: Path, relations: list[str]) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            relation: connection.execute(f"select count(*) from {relation}").fetchone()[0] for relation in relations
        }


def differing_relations(left: Path, right: Path, relations: list[str]) -> list[str]:
    """Relations whose rows differ between two warehouses (as multisets, run stamps left out)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as left_warehouse (read_only)")
        connection.execute(f"attach '{right}' as right_warehouse (read_only)")
        differing = []
        for relation in relations:
            left_rows = f"select {WITHOUT_RUN_STAMPS} from left_warehouse.{relation}"
            right_rows = f"select {WITHOUT_RUN_STAMPS} from right_warehouse.{relation}"
            unmatched = connection.execute(
                f"select count(*) from (({left_rows} except all {right_rows}) "
                f"union all ({right_rows} except all {left_rows}))"
            ).fetchone()[0]
            if unmatched:
                differing.append(relation)
        return differing


@pytest.fixture(scope="module")
def landed_raw_dataset(small_raw_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small dataset as a loader would land it: runs register it instead of regenerating it."""
    landed = tmp_path_factory.mktemp("landed") / "raw"
    shutil.copytree(small_raw_dataset, landed)
    (landed / DEMO_MANIFEST_NAME).unlink()
    return landed


@pytest.fixture(scope="module")
def full_build(definitions, landed_raw_dataset: Path, tmp_path_factory: pytest.TempPathFactory):
    """One daily run as of the dataset's last day, into an empty serving path."""
    serving = tmp_path_factory.mktemp("full_build") / "warehouse.duckdb"
    return run_daily(definitions, landed_raw_dataset, serving, SMALL_DATASET_END_DATE), serving


def test_full_run_publishes_every_model_and_evaluates_every_check(full_build, definitions, manifest):
    result, serving = full_build
    assert result.success, failure_messages(result)
    assert published(result)
    evaluations = result.get_asset_check_evaluations()
    expected_checks = definitions.resolve_job_def(DAILY_REFRESH_JOB).asset_layer.asset_graph.asset_check_keys
    assert {evaluation.asset_check_key for evaluation in evaluations} == set(expected_checks)
    assert not [
        evaluation.asset_check_key
        for evaluation in evaluations
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    ]
    # Every table model is in the published file and readable.
    counts = row_counts(serving, table_models(manifest))
    assert any(relation.startswith("marts.") and rows for relation, rows in counts.items())
    # The working copy was renamed into place: no run directory is left behind, nothing in the build slot.
    assert not [path for path in (serving.parent / WORKING_COPIES_DIR_NAME).iterdir() if path.is_dir()]
    assert not list(WORKER_DBT.slot.directory.iterdir())
    # The serving database BI reads was published beside it: the marts as tables, no view.
    with duckdb.connect(str(serving.parent / "serving" / serving.name), read_only=True) as connection:
        served = {row[0] for row in connection.execute("select table_name from duckdb_tables()").fetchall()}
        assert not connection.execute("select * from duckdb_views() where not internal").fetchall()
    assert {relation.split(".")[1] for relation in counts if relation.startswith("marts.")} <= served


def drop_acquisition_channel(accounts: pa.Table) -> pa.Table:
    """A loader lands accounts without a contract column: the raw schema check fails."""
    return accounts.drop_columns(["acquisition_channel"])


def repeat_an_account_with_other_content(accounts: pa.Table) -> pa.Table:
    """One account_id twice with different names: within the raw tolerance, but a failing dbt test."""
    repeated = accounts.slice(5, 1)
    renamed = repeated.set_column(
        accounts.schema.get_field_index("account_name"), "account_name", pa.array(["Another Name"])
    )
    return pa.concat_tables([accounts, renamed.cast(accounts.schema)])


@pytest.mark.parametrize(
    ("break_accounts", "named_in_failure"),
    [
        (drop_acquisition_channel, ("raw/crm/accounts: contract_schema",)),
        (repeat_an_account_with_other_content, ("dbt build failed", "account_id")),
    ],
    ids=["raw-contract-check", "dbt-test"],
)
def test_failing_blocking_check_leaves_the_serving_warehouse_untouched(
    full_build, definitions, manifest, landed_raw_dataset: Path, tmp_path: Path, break_accounts, named_in_failure
):
    _, full_serving = full_build
    serving = tmp_path / "serving" / "warehouse.duckdb"
    serving.parent.mkdir()
    shutil.copy2(full_serving, serving)
    digest_before = file_digest(serving)
    counts_before = row_counts(serving, table_models(manifest))
    broken_raw = tmp_path / "raw"
    shutil.copytree(landed_raw_dataset, broken_raw)
    accounts_file = broken_raw / "crm" / "accounts.parquet"
    pq.write_table(break_accounts(pq.read_table(accounts_file)), accounts_file)

    result = run_daily(definitions, broken_raw, serving, SMALL_DATASET_END_DATE)

    assert not result.success
    assert not published(result)
    failures = failure_messages(result)
    assert all(text in failures for text in named_in_failure), failures
    assert any(
        not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
        for evaluation in result.get_asset_check_evaluations()
    )
    assert file_digest(serving) == digest_before
    assert row_counts(serving, table_models(manifest)) == counts_before


def test_backfill_of_three_partitions_equals_the_full_build(
    full_build, definitions, manifest, landed_raw_dataset: Path, tmp_path: Path
):
    _, full_serving = full_build
    compared = table_models(manifest)
    serving = tmp_path / "serving" / "warehouse.duckdb"
    earlier = run_daily(definitions, landed_raw_dataset, serving, BEFORE_BACKFILL)
    assert earlier.success, failure_messages(earlier)
    before_backfill = tmp_path / "before_backfill" / "warehouse.duckdb"
    before_backfill.parent.mkdir()
    shutil.copy2(serving, before_backfill)

    # What a backfill of the three last days launches: one run over the partition range.
    backfill = run_job(
        definitions,
        BACKFILL_JOB,
        landed_raw_dataset,
        serving,
        tags={PARTITION_RANGE_START_TAG: FIRST_BACKFILL_DAY, PARTITION_RANGE_END_TAG: SMALL_DATASET_END_DATE},
    )

    assert backfill.success, failure_messages(backfill)
    assert published(backfill)
    assert differing_relations(before_backfill, full_serving, compared), "the earlier warehouse must differ"
    assert differing_relations(serving, full_serving, compared) == []

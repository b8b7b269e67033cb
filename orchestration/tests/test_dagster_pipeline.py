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
import pyarrow.parquet as pq
import pytest
from conftest import SMALL_DATASET_END_DATE
from dagster import AssetCheckSeverity, AssetKey, DagsterEventType

from cs_warehouse.dbt_assets import downstream_node_names, partitioned_model_names
from cs_warehouse.jobs import DAILY_REFRESH_JOB, EVENT_BACKFILL_JOB, daily_run_config
from cs_warehouse.publish import SERVING_WAREHOUSE_KEY
from cs_warehouse.raw_checks import SCHEMA_CHECK
from cs_warehouse.reporting_days import PARTITION_RANGE_END_TAG
from cs_warehouse.resources import WORKING_COPIES_DIR_NAME

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
BACKFILL_DAYS = 3
BEFORE_BACKFILL = (date.fromisoformat(SMALL_DATASET_END_DATE) - timedelta(days=BACKFILL_DAYS)).isoformat()
FIRST_BACKFILL_DAY = (date.fromisoformat(BEFORE_BACKFILL) + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def definitions(parsed_dbt_project):
    from cs_warehouse.definitions import build_definitions

    return build_definitions(parsed_dbt_project)


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
    op_names = [node.name for node in definitions.resolve_job_def(DAILY_REFRESH_JOB).graph.nodes]
    return run_job(
        definitions,
        DAILY_REFRESH_JOB,
        raw_dir,
        serving,
        partition_key=as_of_date,
        run_config=daily_run_config(as_of_date, op_names),
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


def table_models(manifest: dict, names: list[str] | None = None) -> list[str]:
    """Schema-qualified relations of the table and incremental models (all of them, or of `names`)."""
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] in ("table", "incremental")
        and (names is None or node["name"] in names)
    )


def row_counts(warehouse: Path, relations: list[str]) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {relation: connection.sql(f"select count(*) from {relation}").fetchone()[0] for relation in relations}


def differing_relations(left: Path, right: Path, relations: list[str]) -> list[str]:
    """Relations whose rows differ between two warehouses (as multisets)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as left_warehouse (read_only)")
        connection.execute(f"attach '{right}' as right_warehouse (read_only)")
        differing = []
        for relation in relations:
            left_rows, right_rows = f"left_warehouse.{relation}", f"right_warehouse.{relation}"
            unmatched = connection.sql(
                f"select count(*) from ((from {left_rows} except all from {right_rows}) "
                f"union all (from {right_rows} except all from {left_rows}))"
            ).fetchone()[0]
            if unmatched:
                differing.append(relation)
        return differing


@pytest.fixture(scope="module")
def full_build(definitions, small_raw_dataset: Path, tmp_path_factory: pytest.TempPathFactory):
    """One daily run as of the dataset's last day, into an empty serving path."""
    serving = tmp_path_factory.mktemp("full_build") / "warehouse.duckdb"
    return run_daily(definitions, small_raw_dataset, serving, SMALL_DATASET_END_DATE), serving


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
    # The working copy was renamed into place: nothing is left behind.
    assert not any((serving.parent / WORKING_COPIES_DIR_NAME).iterdir())


def test_failing_blocking_check_leaves_the_serving_warehouse_untouched(
    full_build, definitions, manifest, small_raw_dataset: Path, tmp_path: Path
):
    _, full_serving = full_build
    serving = tmp_path / "serving" / "warehouse.duckdb"
    serving.parent.mkdir()
    shutil.copy2(full_serving, serving)
    digest_before = file_digest(serving)
    counts_before = row_counts(serving, table_models(manifest))
    # The loader lands an accounts file without a contract column.
    broken_raw = tmp_path / "raw"
    shutil.copytree(small_raw_dataset, broken_raw)
    accounts_file = broken_raw / "crm" / "accounts.parquet"
    accounts = pq.read_table(accounts_file)
    pq.write_table(accounts.drop_columns(["acquisition_channel"]), accounts_file)

    result = run_daily(definitions, broken_raw, serving, SMALL_DATASET_END_DATE)

    assert not result.success
    assert not published(result)
    assert f"raw/crm/accounts:{SCHEMA_CHECK}" in failure_messages(result)
    failed_check = next(
        evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.asset_check_key.asset_key == AssetKey(["raw", "crm", "accounts"])
        and evaluation.asset_check_key.name == SCHEMA_CHECK
    )
    assert not failed_check.passed
    assert "acquisition_channel" in failed_check.description
    assert file_digest(serving) == digest_before
    assert row_counts(serving, table_models(manifest)) == counts_before


def test_backfill_of_three_partitions_equals_the_full_build(
    full_build, definitions, manifest, small_raw_dataset: Path, tmp_path: Path
):
    _, full_serving = full_build
    partitioned = partitioned_model_names(manifest)
    compared = table_models(manifest, partitioned + downstream_node_names(manifest, partitioned))
    serving = tmp_path / "serving" / "warehouse.duckdb"
    earlier = run_daily(definitions, small_raw_dataset, serving, BEFORE_BACKFILL)
    assert earlier.success, failure_messages(earlier)
    before_backfill = tmp_path / "before_backfill" / "warehouse.duckdb"
    before_backfill.parent.mkdir()
    shutil.copy2(serving, before_backfill)

    # What a backfill of the three last days launches: one run over the partition range.
    backfill = run_job(
        definitions,
        EVENT_BACKFILL_JOB,
        small_raw_dataset,
        serving,
        tags={PARTITION_RANGE_START_TAG: FIRST_BACKFILL_DAY, PARTITION_RANGE_END_TAG: SMALL_DATASET_END_DATE},
    )

    assert backfill.success, failure_messages(backfill)
    assert published(backfill)
    assert differing_relations(before_backfill, full_serving, compared), "the earlier warehouse must differ"
    assert differing_relations(serving, full_serving, compared) == []

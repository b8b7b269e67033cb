"""The code location loads, every dbt node and raw table is an asset, and the schedule targets yesterday."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetKey, build_schedule_context, validate_run_config

from cs_warehouse.dbt_assets import DBT_MODELS_NAME, window_model_names
from cs_warehouse.health_fit_assets import health_weights_proposal
from cs_warehouse.jobs import BACKFILL_JOB, DAILY_REFRESH_JOB, HEALTH_WEIGHTS_FIT_JOB
from cs_warehouse.raw_assets import RAW_TABLES_ASSET_NAME
from cs_warehouse.raw_checks import REFERENCES_CHECK, SCHEMA_CHECK, VALUES_CHECK
from cs_warehouse.raw_contract import TABLES
from cs_warehouse.raw_freshness import FRESHNESS_CHECK, freshness_sources
from cs_warehouse.translator import raw_table_key


@pytest.fixture(scope="module")
def manifest(parsed_dbt_project) -> dict:
    return json.loads(parsed_dbt_project.manifest_path.read_text())


@pytest.fixture(scope="module")
def definitions(parsed_dbt_project):
    from cs_warehouse.definitions import build_definitions

    return build_definitions(parsed_dbt_project)


def _models(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def test_every_dbt_model_is_an_asset_grouped_by_its_folder(definitions, manifest):
    asset_graph = definitions.resolve_asset_graph()
    for model in _models(manifest):
        layer, *area = model["fqn"][1:-1]
        key = AssetKey([layer, model["name"]])
        assert asset_graph.has(key), f"{model['unique_id']} is not an asset"
        assert asset_graph.get(key).group_name == "_".join([layer, *area[:1]])


def test_raw_tables_feed_the_dbt_sources_and_carry_contract_checks(definitions, manifest):
    asset_graph = definitions.resolve_asset_graph()
    raw_keys = {raw_table_key(table.source, table.name) for table in TABLES}
    assert all(asset_graph.get(key).is_materializable for key in raw_keys)
    source_keys = {raw_table_key(source["source_name"], source["name"]) for source in manifest["sources"].values()}
    assert source_keys <= raw_keys, "every dbt source must be a raw table asset of the contract"
    expected_checks = {(key, SCHEMA_CHECK) for key in raw_keys} | {(key, VALUES_CHECK) for key in raw_keys}
    expected_checks |= {
        (raw_table_key(table.source, table.name), REFERENCES_CHECK) for table in TABLES if table.foreign_keys
    }
    freshness_checks = {
        (raw_table_key(source["source_name"], source["name"]), FRESHNESS_CHECK)
        for source in freshness_sources(manifest)
    }
    assert (raw_table_key("product", "events"), FRESHNESS_CHECK) in freshness_checks
    expected_checks |= freshness_checks
    raw_checks = {
        (check.asset_key, check.name) for check in asset_graph.asset_check_keys if check.asset_key in raw_keys
    }
    assert raw_checks == expected_checks


def test_dbt_tests_are_asset_checks(definitions, manifest):
    check_names = {check.name for check in definitions.resolve_asset_graph().asset_check_keys}
    attached_tests = [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("attached_node")
    ]  # fmt: skip
    assert attached_tests, "the project has data tests"
    assert {test["name"] for test in attached_tests} <= check_names


def test_dbt_assets_are_partitioned_by_reporting_day_and_backfill_in_one_run(definitions, manifest):
    asset_graph = definitions.resolve_asset_graph()
    for model in _models(manifest):
        node = asset_graph.get(AssetKey([model["fqn"][1], model["name"]]))
        assert node.partitions_def is not None, model["name"]
        assert node.backfill_policy.max_partitions_per_run is None, "a backfilled range is a single run"
    # The partition window reaches incremental models only.
    models_by_name = {model["name"]: model for model in _models(manifest)}
    window_models = window_model_names(manifest)
    assert window_models
    assert all(models_by_name[name]["config"]["materialized"] == "incremental" for name in window_models)
    # A backfill rebuilds every model and publishes; raw tables are not part of it.
    selected = definitions.resolve_job_def(BACKFILL_JOB).asset_layer.selected_asset_keys
    assert AssetKey("serving_warehouse") in selected
    assert {AssetKey([model["fqn"][1], model["name"]]) for model in _models(manifest)} <= selected
    assert not any(key.path[0] == "raw" for key in selected)


def test_daily_schedule_runs_yesterday_in_tokyo(definitions):
    schedule = definitions.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Asia/Tokyo"
    # 06:00 in Tokyo on 1 November is still 31 October in UTC: yesterday is local, 31 October.
    tick = datetime(2026, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    context = build_schedule_context(scheduled_execution_time=tick, repository_def=definitions.get_repository_def())
    [run_request] = schedule.evaluate_tick(context).run_requests
    assert run_request.partition_key == "2026-10-31"
    assert run_request.run_key == "2026-10-31"
    ops = run_request.run_config["ops"]
    assert ops[RAW_TABLES_ASSET_NAME]["config"] == {"as_of_date": "2026-10-31"}
    assert ops[DBT_MODELS_NAME]["config"] == {"rebuild_partition_window": False}
    # The run config is valid for the job it launches (raises otherwise).
    validate_run_config(definitions.resolve_job_def(DAILY_REFRESH_JOB), run_request.run_config)


def test_health_weights_fit_runs_on_demand_only(definitions):
    key = health_weights_proposal.key
    for job in (DAILY_REFRESH_JOB, BACKFILL_JOB):
        assert key not in definitions.resolve_job_def(job).asset_layer.selected_asset_keys, job
    assert definitions.resolve_job_def(HEALTH_WEIGHTS_FIT_JOB).asset_layer.selected_asset_keys == {key}

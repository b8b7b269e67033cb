"""Every dbt node as a Dagster asset, its tests as asset checks, built into the run's working copy.

The incremental event models that read the partition-window vars are daily-partitioned, so a date
range can be backfilled. The project is cut into three definitions that run one after the other:
the nodes upstream of (or beside) the event models, the event models, and the nodes downstream of
them. Each is one `dbt build`, so a test always runs in the step that builds its model. Which models
fall where is read from the manifest, never listed by hand.
"""

import copy
import json
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    Failure,
    MetadataValue,
)
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from .raw_assets import PipelineConfig, resolve_as_of_date
from .resources import RawData, ServingWarehouse
from .retries import TRANSIENT_FAILURE_RETRY_POLICY
from .translator import CsWarehouseTranslator

# dbt vars bounding the local days an incremental event model rebuilds (dbt_project.yml).
PARTITION_WINDOW_VARS = ("event_backfill_start_date", "event_backfill_end_date")
# Steps carrying this tag write the run's working copy; DuckDB allows one writer at a time.
WORKING_COPY_WRITER_TAG = {"cs_warehouse/writes": "working_copy"}
# dbt result statuses that stop a publish: a failing test, or a node that errored.
FAILED_STATUSES = ("fail", "error")
# DuckDB errors that a later attempt can succeed past.
TRANSIENT_ERROR_MARKERS = ("could not set lock", "resource temporarily unavailable", "io error")
BUILDABLE_RESOURCE_TYPES = ("model", "seed", "snapshot")
DBT_MODELS_NAME = "dbt_models"
DBT_EVENT_MODELS_NAME = "dbt_event_models"
DBT_EVENT_DEPENDENTS_NAME = "dbt_event_dependents"
# The unpartitioned definitions, configured with the run's as_of_date.
AS_OF_DATE_CONFIGURED_NAMES = (DBT_MODELS_NAME, DBT_EVENT_DEPENDENTS_NAME)


def _macro_closure(manifest: Mapping[str, Any], macro_ids: list[str]) -> Iterator[Mapping[str, Any]]:
    seen: set[str] = set()
    pending = list(macro_ids)
    while pending:
        macro_id = pending.pop()
        macro = manifest["macros"].get(macro_id)
        if macro_id in seen or macro is None:
            continue
        seen.add(macro_id)
        pending.extend(macro["depends_on"]["macros"])
        yield macro


def reads_partition_window(node: Mapping[str, Any], manifest: Mapping[str, Any]) -> bool:
    """An incremental model whose SQL, or a macro it calls, reads the partition-window vars."""
    if node["resource_type"] != "model" or node["config"].get("materialized") != "incremental":
        return False
    sources_of_sql = [node["raw_code"]]
    sources_of_sql += [macro["macro_sql"] for macro in _macro_closure(manifest, node["depends_on"]["macros"])]
    return any(var in sql for sql in sources_of_sql for var in PARTITION_WINDOW_VARS)


def _buildable_closure(manifest: Mapping[str, Any], unique_ids: set[str], edges: str) -> set[str]:
    """Models, seeds and snapshots reachable from `unique_ids` along `edges` (child_map or parent_map)."""
    pending = list(unique_ids)
    found: set[str] = set()
    while pending:
        for neighbour in manifest[edges].get(pending.pop(), []):
            if neighbour not in found and manifest["nodes"].get(neighbour, {}).get("resource_type") in BUILDABLE_RESOURCE_TYPES:
                found.add(neighbour)
                pending.append(neighbour)
    return found


def partitioned_model_names(manifest: Mapping[str, Any]) -> list[str]:
    """Models built per partition: those reading the window vars, and any model between two of them
    (downstream of one and upstream of another), which must be rebuilt in the same step."""
    window_readers = {unique_id for unique_id, node in manifest["nodes"].items() if reads_partition_window(node, manifest)}
    between = _buildable_closure(manifest, window_readers, "child_map") & _buildable_closure(
        manifest, window_readers, "parent_map"
    )
    return sorted(manifest["nodes"][unique_id]["name"] for unique_id in window_readers | between)


def downstream_node_names(manifest: Mapping[str, Any], names: list[str]) -> list[str]:
    """Models, seeds and snapshots built from any of `names`, excluding `names` themselves."""
    unique_ids = {unique_id for unique_id, node in manifest["nodes"].items() if node["name"] in names}
    downstream = _buildable_closure(manifest, unique_ids, "child_map") - unique_ids
    return sorted(manifest["nodes"][unique_id]["name"] for unique_id in downstream)


def attach_tests_to_last_step(manifest: Mapping[str, Any], step_of: Mapping[str, int]) -> dict[str, Any]:
    """A copy of the manifest in which a test whose parents are built in different steps belongs to
    a parent of the last of them (dagster-dbt reads `meta.dagster.ref`), so the test runs, and is
    reported as that asset's check, once all its parents exist. Run with buildable indirect
    selection, the earlier steps leave it out."""
    patched = copy.deepcopy(dict(manifest))
    tests = (node for node in patched["nodes"].values() if node["resource_type"] == "test")
    for node in tests:
        parents = [parent for parent in node["depends_on"]["nodes"] if parent in step_of]
        if not parents:
            continue
        last_step = max(step_of[parent] for parent in parents)
        if step_of.get(node.get("attached_node"), -1) == last_step:
            continue
        last_parent = min(parent for parent in parents if step_of[parent] == last_step)
        meta = node["config"].setdefault("meta", {})
        meta.setdefault("dagster", {})["ref"] = {"name": patched["nodes"][last_parent]["name"]}
    return patched


def _is_transient(message: str) -> bool:
    return any(marker in message.lower() for marker in TRANSIENT_ERROR_MARKERS)


def _failed_results(run_results: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {"node": result["unique_id"], "status": result["status"], "message": (result.get("message") or "")[:500]}
        for result in run_results["results"]
        if result["status"] in FAILED_STATUSES
    ]


def build_into_working_copy(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: ServingWarehouse,
    raw_data: RawData,
    dbt_vars: dict[str, str],
    artifacts_dir: Path,
) -> Iterator:
    """`dbt build` of the selected nodes into the run's working copy; fails naming what failed.

    Unit tests are left to CI: they test SQL logic on fixed rows, not the day's data."""
    with warehouse.dbt_environment(context.run.run_id, raw_data, {"DBT_INDIRECT_SELECTION": "buildable"}) as working:
        context.log.info(f"Building into working copy {working} with vars {dbt_vars}")
        invocation = dbt.cli(
            ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test"],
            context=context,
            raise_on_error=False,
            target_path=artifacts_dir / f"{context.run.run_id}-{context.assets_def.node_def.name}",
        )
    try:
        yield from invocation.stream()
    except Exception as error:
        if _is_transient(str(error)):
            raise
        raise Failure(description=f"dbt build stopped: {error!r}", allow_retries=False) from error
    finally:
        # A step that stops early must not leave dbt running: it holds the working copy's lock.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait()
    if invocation.is_successful():
        return
    try:
        failed = _failed_results(invocation.get_artifact("run_results.json"))
    except FileNotFoundError:
        failed = []
    if not failed:
        # dbt stopped before running any node (a parse or connection error).
        error = invocation.get_error()
        if _is_transient(str(error)):
            raise RuntimeError(f"Transient dbt failure, will be retried: {error}")
        raise Failure(description=f"dbt build failed before running a node: {error}", allow_retries=False)
    if all(_is_transient(row["message"]) for row in failed):
        raise RuntimeError(f"Transient dbt failure, will be retried: {failed}")
    raise Failure(
        description=(
            f"dbt build failed on {len(failed)} node(s): "
            + ", ".join(row["node"] for row in failed)
            + ". The serving warehouse was not replaced."
        ),
        metadata={"failed_nodes": MetadataValue.json(failed), "working_copy": MetadataValue.path(str(working))},
        allow_retries=False,
    )


class EventModelsConfig(Config):
    rebuild_partition_window: bool = Field(
        default=True,
        description=(
            "True (backfills): rebuild exactly the local days of the run's partitions. False (the daily "
            "run): the models' own incremental rule, which also picks up late-arriving events of "
            "earlier days. Either way as_of_date is the last partition day."
        ),
    )


def partition_window_vars(context: AssetExecutionContext, rebuild_partition_window: bool) -> dict[str, str]:
    """dbt vars of the run's partition window (local days, inclusive); as_of_date is its last day."""
    window = context.partition_time_window
    last_day = (window.end - timedelta(days=1)).date().isoformat()
    if not rebuild_partition_window:
        return {"as_of_date": last_day}
    return {
        PARTITION_WINDOW_VARS[0]: window.start.date().isoformat(),
        PARTITION_WINDOW_VARS[1]: last_day,
        "as_of_date": last_day,
    }


def build_dbt_asset_definitions(
    project: DbtProject, event_partitions: DailyPartitionsDefinition
) -> list[AssetsDefinition]:
    """The dbt definitions in build order: upstream nodes, then (when the project has them) the
    partitioned event models and the nodes downstream of them."""
    parsed_manifest = json.loads(project.manifest_path.read_text())
    translator = CsWarehouseTranslator()
    partitioned = partitioned_model_names(parsed_manifest)
    dependents = downstream_node_names(parsed_manifest, partitioned)
    step_of = {
        unique_id: 1 if node["name"] in partitioned else 2 if node["name"] in dependents else 0
        for unique_id, node in parsed_manifest["nodes"].items()
        if node["resource_type"] in BUILDABLE_RESOURCE_TYPES
    }
    manifest = attach_tests_to_last_step(parsed_manifest, step_of)
    # Each step's dbt artifacts go below the project's target directory, one folder per run and step.
    artifacts_dir = Path(project.project_dir) / project.target_path / "dagster_runs"
    common = {
        "manifest": manifest,
        "project": project,
        "dagster_dbt_translator": translator,
        "op_tags": WORKING_COPY_WRITER_TAG,
        "retry_policy": TRANSIENT_FAILURE_RETRY_POLICY,
    }

    def as_of_date_build(context, dbt, warehouse, raw_data, config) -> Iterator:
        as_of_date = resolve_as_of_date(context, config)
        dbt_vars = {"as_of_date": as_of_date} if as_of_date else {}
        yield from build_into_working_copy(context, dbt, warehouse, raw_data, dbt_vars, artifacts_dir)

    # Every step selects its nodes by name: tests join a step only through buildable indirect
    # selection, i.e. once all their parents are built (a selection such as `fqn:*` would select
    # tests directly, and dbt's --exclude does not drop the tests of excluded models).
    upstream = sorted(parsed_manifest["nodes"][unique_id]["name"] for unique_id, step in step_of.items() if step == 0)

    @dbt_assets(select=" ".join(upstream), name=DBT_MODELS_NAME, **common)
    def dbt_models(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: ServingWarehouse,
        raw_data: RawData,
        config: PipelineConfig,
    ):
        yield from as_of_date_build(context, dbt, warehouse, raw_data, config)

    if not partitioned:
        return [dbt_models]

    @dbt_assets(
        select=" ".join(partitioned),
        name=DBT_EVENT_MODELS_NAME,
        partitions_def=event_partitions,
        # A backfilled date range is one dbt run over the whole window.
        backfill_policy=BackfillPolicy.single_run(),
        **common,
    )
    def dbt_event_models(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: ServingWarehouse,
        raw_data: RawData,
        config: EventModelsConfig,
    ):
        dbt_vars = partition_window_vars(context, config.rebuild_partition_window)
        yield from build_into_working_copy(context, dbt, warehouse, raw_data, dbt_vars, artifacts_dir)

    if not dependents:
        return [dbt_models, dbt_event_models]

    @dbt_assets(select=" ".join(dependents), name=DBT_EVENT_DEPENDENTS_NAME, **common)
    def dbt_event_dependents(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: ServingWarehouse,
        raw_data: RawData,
        config: PipelineConfig,
    ):
        yield from as_of_date_build(context, dbt, warehouse, raw_data, config)

    return [dbt_models, dbt_event_models, dbt_event_dependents]

"""Every dbt node as a Dagster asset, its tests as asset checks, built into the run's working copy.

All dbt assets share one daily partitioning: a partition is the local day a run reports on
(`as_of_date`), and every run builds the whole project for one as_of_date, so the published
warehouse is always consistent. The incremental event models are the ones that read the partition
window (`event_backfill_start_date` / `event_backfill_end_date`): a backfill over a range of days
rebuilds exactly those days of them, and everything else as of the range's last day, in one run.
Which models read the window is found in the manifest, never listed by hand.
"""

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

from .parse_reuse import PartialParseState
from .resources import RawData, ServingWarehouse, patched_environ
from .retries import TRANSIENT_FAILURE_RETRY_POLICY
from .translator import CsWarehouseTranslator

# dbt vars bounding the local days an incremental event model rebuilds (dbt_project.yml).
PARTITION_WINDOW_VARS = ("event_backfill_start_date", "event_backfill_end_date")
# dbt result statuses that stop a publish: a failing test, or a node that errored.
FAILED_STATUSES = ("fail", "error")
# DuckDB errors that a later attempt can succeed past.
TRANSIENT_ERROR_MARKERS = ("could not set lock", "conflicting lock", "resource temporarily unavailable")
DBT_MODELS_NAME = "dbt_models"
# Under the project's target directory: the parse the last build left, for the next one.
BUILD_STATE_DIR_NAME = "build_state"


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


def window_model_names(manifest: Mapping[str, Any]) -> list[str]:
    """The models a backfill rebuilds day by day: incremental models reading the window vars."""
    return sorted(node["name"] for node in manifest["nodes"].values() if reads_partition_window(node, manifest))


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
    parse_state: PartialParseState,
) -> Iterator:
    """`dbt build` of the selected nodes into the run's working copy; fails naming what failed.

    Unit tests are left to CI: they test SQL logic on fixed rows, not the day's data."""
    other_vars = {name: value for name, value in dbt_vars.items() if name != "as_of_date"}
    vars_args = ["--vars", json.dumps(other_vars)] if other_vars else []
    target = artifacts_dir / context.run.run_id
    working = warehouse.working_path(context.run.run_id)
    with warehouse.dbt_build_environment(context.run.run_id, raw_data, dbt_vars["as_of_date"]) as environment:
        context.log.info(f"Building working copy {working} (in {environment['WAREHOUSE_PATH']}) with vars {dbt_vars}")
        parse_state.restore(target, other_vars)
        with patched_environ(environment):
            invocation = dbt.cli(
                ["build", "--exclude-resource-type", "unit_test", *vars_args],
                context=context,
                raise_on_error=False,
                target_path=target,
            )
        try:
            yield from invocation.stream()
        except KeyError as error:
            raise Failure(
                description=(
                    f"dbt ran node {error} that the loaded manifest does not know: the dbt project changed "
                    "after the code location loaded. Reload the code location and rerun."
                ),
                allow_retries=False,
            ) from error
        except Exception as error:
            if _is_transient(str(error)):
                raise
            raise Failure(description=f"dbt build stopped: {error!r}", allow_retries=False) from error
        finally:
            # A step that stops early must not leave dbt running: it holds the working copy's lock.
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait()
            parse_state.save(target, other_vars)
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


class DbtRunConfig(Config):
    rebuild_partition_window: bool = Field(
        default=True,
        description=(
            "True (backfills): the incremental event models rebuild exactly the local days of the run's "
            "partitions. False (the daily run): they follow their own incremental rule, which also picks "
            "up late-arriving events of earlier days. Either way as_of_date is the last partition day."
        ),
    )


def partition_vars(context: AssetExecutionContext, rebuild_partition_window: bool) -> dict[str, str]:
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


def build_dbt_assets(project: DbtProject, partitions_def: DailyPartitionsDefinition) -> AssetsDefinition:
    # dbt artifacts go below the project's target directory, one folder per run.
    artifacts_dir = Path(project.project_dir) / project.target_path / "dagster_runs"
    parse_state = PartialParseState(Path(project.project_dir) / project.target_path / BUILD_STATE_DIR_NAME)
    window_models = window_model_names(json.loads(project.manifest_path.read_text()))

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CsWarehouseTranslator(),
        name=DBT_MODELS_NAME,
        partitions_def=partitions_def,
        # A backfilled date range is one dbt run over the whole window.
        backfill_policy=BackfillPolicy.single_run(),
        retry_policy=TRANSIENT_FAILURE_RETRY_POLICY,
    )
    def dbt_models(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: ServingWarehouse,
        raw_data: RawData,
        config: DbtRunConfig,
    ):
        dbt_vars = partition_vars(context, config.rebuild_partition_window)
        if PARTITION_WINDOW_VARS[0] in dbt_vars:
            context.log.info(
                f"Rebuilding local days {dbt_vars[PARTITION_WINDOW_VARS[0]]}..{dbt_vars[PARTITION_WINDOW_VARS[1]]}"
                f" of {', '.join(window_models)}; every other model as of {dbt_vars['as_of_date']}"
            )
        yield from build_into_working_copy(context, dbt, warehouse, raw_data, dbt_vars, artifacts_dir, parse_state)

    return dbt_models

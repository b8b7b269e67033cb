"""Publish: swap the run's audited working copy into the serving path BI reads."""

from collections.abc import Sequence

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DagsterEventType,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from .dbt_assets import WORKING_COPY_WRITER_TAG
from .resources import ServingWarehouse
from .retries import TRANSIENT_FAILURE_RETRY_POLICY

SERVING_WAREHOUSE_KEY = AssetKey("serving_warehouse")
PUBLISH_GROUP = "serving"


def leaf_keys(assets_defs: Sequence[AssetsDefinition]) -> list[AssetKey]:
    """Assets nothing else among `assets_defs` depends on: once they are built, all are."""
    keys = {key for assets_def in assets_defs for key in assets_def.keys}
    upstream = {
        parent for assets_def in assets_defs for parents in assets_def.asset_deps.values() for parent in parents
    }
    return sorted(keys - upstream, key=lambda key: key.to_user_string())


def check_evaluations(context: AssetExecutionContext) -> list[AssetCheckEvaluation]:
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    return [record.event_log_entry.dagster_event.event_specific_data for record in records]


def build_publish_asset(built_assets: Sequence[AssetsDefinition]) -> AssetsDefinition:
    @asset(
        key=SERVING_WAREHOUSE_KEY,
        group_name=PUBLISH_GROUP,
        deps=leaf_keys(built_assets),
        op_tags=WORKING_COPY_WRITER_TAG,
        retry_policy=TRANSIENT_FAILURE_RETRY_POLICY,
        description=(
            "The DuckDB warehouse BI reads (WAREHOUSE_PATH). A run builds and tests a working copy; this "
            "step replaces the serving file with it in one atomic rename, only when no blocking check "
            "failed. Until then readers keep the previous warehouse."
        ),
    )
    def serving_warehouse(context: AssetExecutionContext, warehouse: ServingWarehouse) -> MaterializeResult:
        evaluations = check_evaluations(context)
        blocking_failures = sorted(
            evaluation.asset_check_key.to_user_string()
            for evaluation in evaluations
            if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
        )
        warnings = sorted(
            evaluation.asset_check_key.to_user_string()
            for evaluation in evaluations
            if not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
        )
        if blocking_failures:
            raise Failure(
                description=(
                    f"Not published: {len(blocking_failures)} blocking check(s) failed: "
                    + ", ".join(blocking_failures)
                ),
                metadata={"failed_checks": MetadataValue.json(blocking_failures)},
                allow_retries=False,
            )
        published = warehouse.publish(context.run.run_id)
        context.log.info(f"Published {published['serving_path']} ({len(evaluations)} checks evaluated)")
        return MaterializeResult(
            metadata={
                "serving_path": MetadataValue.path(published["serving_path"]),
                "tables": published["tables"],
                "checks_evaluated": len(evaluations),
                "checks_warned": MetadataValue.json(warnings),
            }
        )

    return serving_warehouse

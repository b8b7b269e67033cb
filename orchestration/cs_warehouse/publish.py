"""Publish: swap the run's audited working copy into the full warehouse path, and the serving
database BI reads (public marts and reference tables) with it."""

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

from .resources import ServingWarehouse
from .retries import TRANSIENT_FAILURE_RETRY_POLICY

SERVING_WAREHOUSE_KEY = AssetKey("serving_warehouse")
PUBLISH_GROUP = "serving"


def leaf_keys(assets_def: AssetsDefinition) -> list[AssetKey]:
    """Assets nothing else in `assets_def` depends on: once they are built, all are."""
    upstream = {parent for parents in assets_def.asset_deps.values() for parent in parents}
    return sorted(set(assets_def.keys) - upstream, key=lambda key: key.to_user_string())


def check_evaluations(context: AssetExecutionContext) -> list[AssetCheckEvaluation]:
    records = context.instance.get_records_for_run(
        run_id=context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    return [record.event_log_entry.dagster_event.event_specific_data for record in records]


def build_publish_asset(built: AssetsDefinition) -> AssetsDefinition:
    # Partitioned like the assets it publishes, so every run that builds them also publishes.
    @asset(
        key=SERVING_WAREHOUSE_KEY,
        group_name=PUBLISH_GROUP,
        deps=leaf_keys(built),
        partitions_def=built.partitions_def,
        backfill_policy=built.backfill_policy,
        retry_policy=TRANSIENT_FAILURE_RETRY_POLICY,
        description=(
            "The published warehouse: the full build (WAREHOUSE_PATH) and the serving database BI reads "
            "(SERVING_PATH, default serving/<file name>: public marts and reference tables only). A run "
            "builds and tests a working copy; this step writes the serving database from it and replaces "
            "both files by atomic renames, only when no blocking check failed. Until then readers keep "
            "the previous files."
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
                    f"Not published: {len(blocking_failures)} blocking check(s) failed: " + ", ".join(blocking_failures)
                ),
                metadata={"failed_checks": MetadataValue.json(blocking_failures)},
                allow_retries=False,
            )
        published = warehouse.publish(context.run.run_id)
        context.log.info(
            f"Published {published['serving_path']} and the serving database "
            f"{published['serving_database_path']} ({len(evaluations)} checks evaluated)"
        )
        return MaterializeResult(
            metadata={
                "serving_path": MetadataValue.path(published["serving_path"]),
                "tables": published["tables"],
                "serving_database_path": MetadataValue.path(published["serving_database_path"]),
                "serving_database_tables": published["serving_database_tables"],
                "checks_evaluated": len(evaluations),
                "checks_warned": MetadataValue.json(warnings),
            }
        )

    return serving_warehouse

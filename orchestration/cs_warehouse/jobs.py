"""Jobs and the daily schedule."""

from collections.abc import Sequence

from dagster import (
    AssetSelection,
    AssetsDefinition,
    DefaultScheduleStatus,
    RunConfig,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from .reporting_days import reporting_timezone, yesterday_local
from .dbt_assets import AS_OF_DATE_CONFIGURED_NAMES, DBT_EVENT_MODELS_NAME, EventModelsConfig
from .raw_assets import RAW_TABLES_ASSET_NAME, PipelineConfig

DAILY_REFRESH_JOB = "daily_refresh"
EVENT_BACKFILL_JOB = "event_backfill"
DAILY_CRON = "0 6 * * *"


def partitioned_keys(assets_defs: Sequence[AssetsDefinition]) -> list:
    return [key for assets_def in assets_defs if assets_def.partitions_def for key in assets_def.keys]


def build_jobs(dbt_assets_defs: Sequence[AssetsDefinition]) -> list:
    """The daily job first, then the backfill job when the project has partitioned models."""
    jobs = [
        define_asset_job(
            DAILY_REFRESH_JOB,
            selection=AssetSelection.all(),
            description=(
                "Raw tables, their contract checks, every dbt model and test into a working copy, then "
                "publish. Runs daily for yesterday (the run's partition is its as_of_date)."
            ),
        )
    ]
    event_keys = partitioned_keys(dbt_assets_defs)
    if event_keys:
        jobs.append(
            define_asset_job(
                EVENT_BACKFILL_JOB,
                selection=AssetSelection.assets(*event_keys).downstream(),
                description=(
                    "Rebuild the incremental event models for a range of local days, the models that "
                    "read them, and publish: launch a backfill over the range."
                ),
            )
        )
    return jobs


def daily_run_config(as_of_date: str, op_names: Sequence[str]) -> RunConfig:
    """The daily run reports on as_of_date; its event models follow their own incremental rule."""
    configs = {
        **{name: PipelineConfig(as_of_date=as_of_date) for name in (RAW_TABLES_ASSET_NAME, *AS_OF_DATE_CONFIGURED_NAMES)},
        DBT_EVENT_MODELS_NAME: EventModelsConfig(rebuild_partition_window=False),
    }
    return RunConfig(ops={name: config for name, config in configs.items() if name in op_names})


def build_daily_schedule(daily_job, op_names: Sequence[str]) -> ScheduleDefinition:
    """06:00 local time, when yesterday is complete in every source, report on yesterday."""
    partitioned = DBT_EVENT_MODELS_NAME in op_names

    @schedule(
        job=daily_job,
        cron_schedule=DAILY_CRON,
        # The reporting timezone (Asia/Tokyo): "yesterday" is the same day for Dagster and dbt.
        execution_timezone=reporting_timezone(),
        name=f"{DAILY_REFRESH_JOB}_schedule",
        default_status=DefaultScheduleStatus.STOPPED,
    )
    def daily_refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest:
        as_of_date = yesterday_local(context.scheduled_execution_time).isoformat()
        return RunRequest(
            run_key=as_of_date,
            partition_key=as_of_date if partitioned else None,
            run_config=daily_run_config(as_of_date, op_names),
            tags={"cs_warehouse/as_of_date": as_of_date},
        )

    return daily_refresh_schedule

"""Jobs and the daily schedule."""

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunConfig,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from .dbt_assets import DBT_MODELS_NAME, DbtRunConfig
from .health_fit_assets import HEALTH_FIT_GROUP
from .raw_assets import RAW_TABLES_ASSET_NAME, RawTablesConfig
from .reporting_days import reporting_timezone, yesterday_local
from .translator import RAW_KEY_PREFIX

DAILY_REFRESH_JOB = "daily_refresh"
BACKFILL_JOB = "backfill"
HEALTH_WEIGHTS_FIT_JOB = "fit_health_weights"
DAILY_CRON = "0 6 * * *"

# Fitting health weights is a deliberate, occasional step (its output is a proposal for a person).
ON_DEMAND_ASSETS = AssetSelection.groups(HEALTH_FIT_GROUP)

daily_refresh_job = define_asset_job(
    DAILY_REFRESH_JOB,
    selection=AssetSelection.all() - ON_DEMAND_ASSETS,
    description=(
        "Raw tables and their contract checks, every dbt model and test into a working copy, then "
        "publish. The run's partition is the day it reports on (as_of_date)."
    ),
)

backfill_job = define_asset_job(
    BACKFILL_JOB,
    selection=AssetSelection.all() - AssetSelection.groups(RAW_KEY_PREFIX) - ON_DEMAND_ASSETS,
    description=(
        "Launch a backfill over a range of local days: one run rebuilds exactly those days of the "
        "incremental event models, every other model as of the range's last day, and publishes."
    ),
)


health_weights_fit_job = define_asset_job(
    HEALTH_WEIGHTS_FIT_JOB,
    selection=ON_DEMAND_ASSETS,
    description=(
        "Fit the health score's component weights to the published warehouse's churn history and write "
        "the proposal and its model card (`cs-warehouse fit-health-weights` does the same)."
    ),
)


def daily_run_config(as_of_date: str) -> RunConfig:
    """The daily run reports on as_of_date; its event models follow their own incremental rule."""
    return RunConfig(
        ops={
            RAW_TABLES_ASSET_NAME: RawTablesConfig(as_of_date=as_of_date),
            DBT_MODELS_NAME: DbtRunConfig(rebuild_partition_window=False),
        }
    )


@schedule(
    job=daily_refresh_job,
    cron_schedule=DAILY_CRON,
    # The reporting timezone (Asia/Tokyo): "yesterday" is the same day for Dagster and dbt.
    execution_timezone=reporting_timezone(),
    default_status=DefaultScheduleStatus.STOPPED,
)
def daily_refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """06:00 local time, when yesterday is complete in every source: report on yesterday."""
    as_of_date = yesterday_local(context.scheduled_execution_time).isoformat()
    return RunRequest(run_key=as_of_date, partition_key=as_of_date, run_config=daily_run_config(as_of_date))

"""The Dagster code location: assembles assets, checks, jobs, the schedule and resources."""

from dagster import Definitions, definitions
from dagster_dbt import DbtProject

from .dbt_assets import build_dbt_assets
from .health_fit_assets import health_weights_proposal
from .jobs import backfill_job, daily_refresh_job, daily_refresh_schedule, health_weights_fit_job
from .project import cs_warehouse_project, dbt_cli_resource, prepare_manifest
from .publish import build_publish_asset
from .raw_assets import raw_tables
from .raw_checks import raw_contract_checks
from .raw_freshness import build_raw_freshness_checks
from .reporting_days import reporting_day_partitions
from .resources import RawData, ServingWarehouse


def build_definitions(project: DbtProject) -> Definitions:
    dbt_models = build_dbt_assets(project, reporting_day_partitions())
    return Definitions(
        assets=[raw_tables, dbt_models, build_publish_asset(dbt_models), health_weights_proposal],
        asset_checks=[raw_contract_checks, build_raw_freshness_checks(project)],
        jobs=[daily_refresh_job, backfill_job, health_weights_fit_job],
        schedules=[daily_refresh_schedule],
        resources={
            "dbt": dbt_cli_resource(project),
            "warehouse": ServingWarehouse(),
            "raw_data": RawData(),
        },
    )


@definitions
def defs() -> Definitions:
    prepare_manifest(cs_warehouse_project)
    return build_definitions(cs_warehouse_project)

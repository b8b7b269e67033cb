"""The Dagster code location: assembles assets, checks, jobs, the schedule and resources."""

from dagster import Definitions, definitions, multiprocess_executor
from dagster_dbt import DbtCliResource, DbtProject

from .reporting_days import event_partitions
from .dbt_assets import WORKING_COPY_WRITER_TAG, build_dbt_asset_definitions
from .jobs import build_daily_schedule, build_jobs
from .project import cs_warehouse_project
from .publish import build_publish_asset
from .raw_assets import raw_tables
from .raw_checks import raw_contract_checks
from .resources import RawData, ServingWarehouse


def build_definitions(project: DbtProject) -> Definitions:
    dbt_assets_defs = build_dbt_asset_definitions(project, event_partitions())
    jobs = build_jobs(dbt_assets_defs)
    op_names = [raw_tables.node_def.name, *(assets_def.node_def.name for assets_def in dbt_assets_defs)]
    [(writer_tag_key, writer_tag_value)] = WORKING_COPY_WRITER_TAG.items()
    return Definitions(
        assets=[raw_tables, *dbt_assets_defs, build_publish_asset(dbt_assets_defs)],
        asset_checks=[raw_contract_checks],
        jobs=jobs,
        schedules=[build_daily_schedule(jobs[0], op_names)],
        resources={
            "dbt": DbtCliResource(project_dir=project),
            "warehouse": ServingWarehouse(),
            "raw_data": RawData(),
        },
        executor=multiprocess_executor.configured(
            {"tag_concurrency_limits": [{"key": writer_tag_key, "value": writer_tag_value, "limit": 1}]}
        ),
    )


@definitions
def defs() -> Definitions:
    # Under `dagster dev` the manifest is (re)parsed on load; deployments ship a prepared one.
    cs_warehouse_project.prepare_if_dev()
    return build_definitions(cs_warehouse_project)

"""Reporting days: the warehouse reports on local calendar days of the dbt var `reporting_timezone`."""

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import yaml
from dagster import AssetExecutionContext, DailyPartitionsDefinition

from .project import REPO_ROOT

# First day a backfill can target: before any history the demo data or a real feed is expected to hold.
PARTITIONS_START = "2024-01-01"
# Run tags Dagster sets on a run of one partition or of a partition range (single-run backfills).
PARTITION_TAG = "dagster/partition"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


@cache
def reporting_timezone() -> str:
    """The dbt var `reporting_timezone`, read from dbt_project.yml so dbt and Dagster agree on days."""
    project = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())
    return project["vars"]["reporting_timezone"]


def yesterday_local(now: datetime) -> date:
    """The last complete local day at instant `now`: dbt's default as_of_date."""
    return (now.astimezone(ZoneInfo(reporting_timezone())) - timedelta(days=1)).date()


def reporting_day_partitions() -> DailyPartitionsDefinition:
    """One partition per local day a run can report on; the newest is yesterday, the last complete day."""
    return DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone=reporting_timezone())


def run_partition_end(context: AssetExecutionContext) -> str | None:
    """The last partition (a local day) the run targets, whether the asset itself is partitioned or not."""
    tags = context.run.tags
    return tags.get(PARTITION_RANGE_END_TAG) or tags.get(PARTITION_TAG)

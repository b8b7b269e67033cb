"""Source freshness of the raw tables as Dagster asset checks.

`dbt source freshness` measures, for every source with a `loaded_at_field` and `freshness` in
models/staging/*/_*__sources.yml, the newest loaded_at of the raw files. The check judges that age
against the sources' own `warn_after` / `error_after`, measured from the end of the day the run
reports on (its as_of_date), not from the wall clock, so a backfill of an old day is not "stale".
Beyond warn_after the check warns; beyond error_after it fails, and blocks the publish unless
`block_publish_when_stale` is off.
"""

import json
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    Config,
    MetadataValue,
    multi_asset_check,
)
from dagster_dbt import DbtCliResource, DbtProject
from pydantic import Field

from .parse_reuse import PartialParseState
from .reporting_days import reporting_timezone, run_partition_end, yesterday_local
from .resources import RawData, patched_environ
from .translator import raw_table_key

FRESHNESS_CHECK = "source_freshness"
# Under the project's target directory, beside the manifest.
FRESHNESS_STATE_DIR_NAME = "freshness_state"
PERIOD_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24}


class RawFreshnessConfig(Config):
    block_publish_when_stale: bool = Field(
        default=True,
        description=(
            "A raw table older than its error_after (sources YAML) fails its blocking check, so the "
            "run does not publish. False: it only warns."
        ),
    )


def freshness_sources(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The sources whose freshness dbt can measure: a loaded_at_field and a warn or error threshold."""
    return [
        source
        for source in manifest["sources"].values()
        if source.get("loaded_at_field")
        and any(threshold(source.get("freshness") or {}, name) for name in ("warn_after", "error_after"))
    ]


def threshold(criteria: Mapping[str, Any], name: str) -> timedelta | None:
    limit = criteria.get(name) or {}
    if not limit.get("count"):
        return None
    return timedelta(hours=limit["count"] * PERIOD_HOURS[limit["period"]])


def end_of_reporting_day(as_of_date: str) -> datetime:
    """The instant (UTC) the local day as_of_date ends: the age of raw data is measured from here."""
    local_midnight = datetime.combine(
        datetime.fromisoformat(as_of_date).date() + timedelta(days=1),
        time(),
        ZoneInfo(reporting_timezone()),
    )
    return local_midnight.astimezone(UTC)


def judge(
    result: Mapping[str, Any],
    criteria: Mapping[str, Any],
    reported_until: datetime,
    block: bool,
) -> AssetCheckResult:
    """One check result from a row of dbt's sources.json."""
    source_name, table_name = result["unique_id"].split(".")[-2:]
    asset_key = raw_table_key(source_name, table_name)
    if result.get("status") in ("runtime error", "error") and "max_loaded_at" not in result:
        return AssetCheckResult(
            asset_key=asset_key,
            check_name=FRESHNESS_CHECK,
            passed=False,
            severity=AssetCheckSeverity.ERROR,
            description=f"dbt source freshness could not read {source_name}.{table_name}: {result.get('error')}",
        )
    max_loaded_at = datetime.fromisoformat(result["max_loaded_at"]).replace(tzinfo=UTC)
    age = reported_until - max_loaded_at
    warn_after, error_after = (
        threshold(criteria, "warn_after"),
        threshold(criteria, "error_after"),
    )
    is_error = error_after is not None and age > error_after
    is_warn = warn_after is not None and age > warn_after
    metadata = {
        "max_loaded_at": MetadataValue.text(max_loaded_at.isoformat()),
        "reported_until": MetadataValue.text(reported_until.isoformat()),
        "age_hours": MetadataValue.float(round(age.total_seconds() / 3600, 1)),
        "warn_after_hours": MetadataValue.float(warn_after.total_seconds() / 3600 if warn_after else 0),
        "error_after_hours": MetadataValue.float(error_after.total_seconds() / 3600 if error_after else 0),
    }
    description = (
        f"{source_name}.{table_name}: newest loaded_at {max_loaded_at:%Y-%m-%d %H:%M} UTC, "
        f"{age.total_seconds() / 3600:.1f} h before the end of the reported day"
    )
    if is_error:
        return AssetCheckResult(
            asset_key=asset_key,
            check_name=FRESHNESS_CHECK,
            passed=False,
            severity=AssetCheckSeverity.ERROR if block else AssetCheckSeverity.WARN,
            description=f"Stale beyond error_after: {description}. Check the loader of this table.",
            metadata=metadata,
        )
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=FRESHNESS_CHECK,
        passed=not is_warn,
        severity=AssetCheckSeverity.WARN,
        description=("Stale beyond warn_after: " if is_warn else "Fresh: ") + description,
        metadata=metadata,
    )


def build_raw_freshness_checks(project: DbtProject) -> AssetChecksDefinition:
    manifest = json.loads(Path(project.manifest_path).read_text())
    parse_state = PartialParseState(Path(project.project_dir) / project.target_path / FRESHNESS_STATE_DIR_NAME)
    sources = freshness_sources(manifest)
    specs = [
        AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=raw_table_key(source["source_name"], source["name"]),
            blocking=True,
            description=(
                "dbt source freshness of the raw files, measured from the end of the reported day: warns "
                "beyond warn_after, fails (and blocks the publish) beyond error_after."
            ),
        )
        for source in sources
    ]

    @multi_asset_check(specs=specs, name="raw_freshness_checks", can_subset=True)
    def raw_freshness_checks(
        context: AssetCheckExecutionContext,
        dbt: DbtCliResource,
        raw_data: RawData,
        config: RawFreshnessConfig,
    ) -> Iterator[AssetCheckResult]:
        as_of_date = run_partition_end(context) or yesterday_local(datetime.now(UTC)).isoformat()
        reported_until = end_of_reporting_day(as_of_date)
        with tempfile.TemporaryDirectory(prefix="cs_warehouse_freshness_") as scratch:
            target = Path(scratch) / "target"
            parse_state.restore(target)
            # An in-memory database: freshness reads the raw files only and must not touch a warehouse.
            # Its path is the same in every run, so dbt can parse partially from the last run's state.
            environment = {"WAREHOUSE_PATH": ":memory:", "RAW_DATA_DIR": str(raw_data.path())}
            with patched_environ(environment):
                invocation = dbt.cli(["source", "freshness"], raise_on_error=False, target_path=target).wait()
                try:
                    results = invocation.get_artifact("sources.json")["results"]
                except FileNotFoundError:
                    results = []
            parse_state.save(target)
        results_by_id = {result["unique_id"]: result for result in results}
        for source in sources:
            asset_key = raw_table_key(source["source_name"], source["name"])
            if AssetCheckKey(asset_key, FRESHNESS_CHECK) not in context.selected_asset_check_keys:
                continue
            result = results_by_id.get(source["unique_id"])
            if result is None:
                yield AssetCheckResult(
                    asset_key=asset_key,
                    check_name=FRESHNESS_CHECK,
                    passed=False,
                    severity=AssetCheckSeverity.ERROR,
                    description=f"dbt source freshness stopped before measuring this table: {invocation.get_error()}",
                )
            else:
                criteria = result.get("criteria") or source.get("freshness") or {}
                yield judge(result, criteria, reported_until, config.block_publish_when_stale)

    return raw_freshness_checks

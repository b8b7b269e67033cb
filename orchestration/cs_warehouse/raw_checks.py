"""Great Expectations suites on the raw tables, built from the raw contract, as Dagster asset checks.

Per raw table, three blocking checks:
- `contract_schema`: the files exist and are not all empty, every contract column is present with a
  type of the contract's family. Any failure is an error: staging could not read the table.
- `contract_values`: keys present and unique, closed enums, numeric ranges, survey scores per type.
  Exact duplicate rows (at-least-once delivery) are dropped first, as staging does: a key is only a
  duplicate when its rows differ.
- `contract_references`: foreign keys resolve to the parent table.
Staging quarantines individual bad rows, so a value or reference rule violated by few rows only
warns; when more rows than `max_invalid_share` of the rule's values, and more than `max_invalid_rows`,
violate it, the feed is broken and the check blocks the run.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    Config,
    MetadataValue,
    multi_asset_check,
)
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.expectations.row_conditions import Column
from pydantic import Field

from .raw_contract import SURVEY_SCORE_RANGES, TABLES, TABLES_BY_NAME, Table
from .resources import RawData
from .retries import TRANSIENT_FAILURE_RETRY_POLICY
from .translator import raw_table_key

SCHEMA_CHECK = "contract_schema"
VALUES_CHECK = "contract_values"
REFERENCES_CHECK = "contract_references"
# Offending values shown per failed expectation.
SAMPLE_SIZE = 10

# Parquet (Arrow) types accepted for each contract type: loaders may write wider integers, other
# timestamp units or UTC-adjusted timestamps (docs/raw_contract.md), which staging casts.
TYPE_FAMILIES = {
    "VARCHAR": lambda arrow_type: pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type),
    "INTEGER": pa.types.is_integer,
    "BOOLEAN": pa.types.is_boolean,
    "TIMESTAMP": pa.types.is_timestamp,
    "DECIMAL(18,2)": pa.types.is_decimal,
    "DECIMAL(5,2)": pa.types.is_decimal,
}


class RawContractCheckConfig(Config):
    max_invalid_share: float = Field(
        default=0.05,
        description="Share of a rule's values that may violate it (and be quarantined) before the check blocks.",
    )
    max_invalid_rows: int = Field(
        default=10,
        description="Violating values a rule tolerates whatever the share: small tables are not judged by ratio.",
    )


def raw_check_specs() -> list[AssetCheckSpec]:
    specs = []
    for table in TABLES:
        key = raw_table_key(table.source, table.name)
        specs.append(AssetCheckSpec(SCHEMA_CHECK, asset=key, blocking=True, description=_describe(SCHEMA_CHECK)))
        specs.append(AssetCheckSpec(VALUES_CHECK, asset=key, blocking=True, description=_describe(VALUES_CHECK)))
        if table.foreign_keys:
            parents = {raw_table_key(TABLES_BY_NAME[fk.table].source, fk.table) for _, fk in table.foreign_keys}
            specs.append(
                AssetCheckSpec(
                    REFERENCES_CHECK,
                    asset=key,
                    blocking=True,
                    additional_deps=sorted(parents - {key}, key=lambda parent: parent.to_user_string()),
                    description=_describe(REFERENCES_CHECK),
                )
            )
    return specs


def _describe(check_name: str) -> str:
    return {
        SCHEMA_CHECK: "Files present and non-empty; every contract column present with a compatible type.",
        VALUES_CHECK: "Keys non-null and unique, enums, numeric ranges and survey scores per the raw contract.",
        REFERENCES_CHECK: "Foreign keys of the raw contract resolve to rows of the parent table.",
    }[check_name]


def schema_expectations(table: Table) -> list[gxe.Expectation]:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectTableColumnsToMatchSet(column_set=list(table.column_names), exact_match=False),
    ]


def value_expectations(table: Table, present: set[str]) -> list[gxe.Expectation]:
    expectations: list[gxe.Expectation] = []
    if table.primary_key in present:
        expectations.append(gxe.ExpectColumnValuesToBeUnique(column=table.primary_key))
    for column in table.columns:
        if column.name not in present:
            continue
        if not column.nullable:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column.name))
        if column.enum and not column.enum_is_open:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.enum)))
        if column.min_value is not None or column.max_value is not None:
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.name, min_value=column.min_value, max_value=column.max_value
                )
            )
    if table.name == "survey_responses" and {"score", "survey_type"} <= present:
        for survey_type, (low, high) in SURVEY_SCORE_RANGES.items():
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column="score",
                    min_value=low,
                    max_value=high,
                    row_condition=Column("survey_type") == survey_type,
                )
            )
    return expectations


def type_mismatches(table: Table, files: Iterable) -> list[str]:
    """Contract columns whose Parquet type is outside the contract type's family, per file."""
    mismatches = []
    for file in files:
        schema = pq.read_schema(file)
        for column in table.columns:
            if column.name in schema.names:
                arrow_type = schema.field(column.name).type
                if not TYPE_FAMILIES[column.sql_type](arrow_type):
                    mismatches.append(f"{file}: {column.name} is {arrow_type}, contract {column.sql_type}")
    return mismatches


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int
    element_count: int
    sample: list
    detail: str

    def as_row(self) -> dict:
        return {
            "expectation": self.expectation,
            "column": self.column,
            "success": self.success,
            "unexpected_count": self.unexpected_count,
            "element_count": self.element_count,
            "sample": [str(value) for value in self.sample],
            "detail": self.detail,
        }


class RawContractValidator:
    """Loads each raw table once and validates GX suites against it."""

    def __init__(self, raw_data: RawData, max_invalid_share: float, max_invalid_rows: int) -> None:
        self.raw_data = raw_data
        self.max_invalid_share = max_invalid_share
        self.max_invalid_rows = max_invalid_rows
        self._frames: dict[str, pd.DataFrame] = {}

    @cached_property
    def _gx_datasource(self):
        context = gx.get_context(
            mode="ephemeral",
            project_config=DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(),
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False),
            ),
        )
        return context.data_sources.add_pandas("raw")

    def frame(self, table: Table) -> pd.DataFrame:
        """Every row of the table as landed."""
        if table.name not in self._frames:
            # Arrow-backed columns keep nulls in integer columns and decimals exact.
            self._frames[table.name] = self.raw_data.read_table(table).to_pandas(types_mapper=pd.ArrowDtype)
        return self._frames[table.name]

    def distinct_frame(self, table: Table) -> pd.DataFrame:
        """The table without exact duplicate rows."""
        key = f"{table.name}/distinct"
        if key not in self._frames:
            self._frames[key] = self.frame(table).drop_duplicates()
        return self._frames[key]

    def validate(
        self, table: Table, suite_name: str, expectations: list, frame: pd.DataFrame
    ) -> list[ExpectationOutcome]:
        if not expectations:
            return []
        asset_name = f"{table.qualified_name}.{suite_name}"
        batch = (
            self._gx_datasource.add_dataframe_asset(asset_name)
            .add_batch_definition_whole_dataframe("all_rows")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        suite = gx.ExpectationSuite(name=asset_name, expectations=expectations)
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
        validation = batch.validate(suite, result_format=result_format)
        return [_outcome(result) for result in validation.results]

    def result(self, table: Table, check_name: str) -> AssetCheckResult:
        key = raw_table_key(table.source, table.name)
        files = self.raw_data.table_files(table)
        if not files:
            return AssetCheckResult(
                asset_key=key,
                check_name=check_name,
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                description=f"No Parquet file at {self.raw_data.path() / table.path}.",
            )
        if check_name == SCHEMA_CHECK:
            return self._schema_result(table, files)
        frame = self.distinct_frame(table)
        present = set(frame.columns)
        if check_name == VALUES_CHECK:
            expectations = value_expectations(table, present)
        else:
            expectations = self._reference_expectations(table, present)
        outcomes = self.validate(table, check_name, expectations, frame)
        return self._tolerant_result(table, check_name, outcomes, exact_duplicates=len(self.frame(table)) - len(frame))

    def _schema_result(self, table: Table, files: list) -> AssetCheckResult:
        outcomes = self.validate(table, SCHEMA_CHECK, schema_expectations(table), self.frame(table))
        mismatches = type_mismatches(table, files)
        extra_columns = sorted(set(self.frame(table).columns) - set(table.column_names))
        failed = [outcome for outcome in outcomes if not outcome.success]
        passed = not failed and not mismatches
        problems = [f"{outcome.expectation}: {outcome.detail}" for outcome in failed] + mismatches
        return AssetCheckResult(
            asset_key=raw_table_key(table.source, table.name),
            check_name=SCHEMA_CHECK,
            passed=passed,
            severity=AssetCheckSeverity.ERROR,
            description="Schema matches the raw contract." if passed else "; ".join(problems)[:2000],
            metadata={
                "files": len(files),
                "rows": len(self.frame(table)),
                # Extra columns are ignored by staging: reported, not failed.
                "extra_columns": MetadataValue.json(extra_columns),
                "type_mismatches": MetadataValue.json(mismatches),
                # Unreadable files of a directory table are set aside (dbt lists them in
                # audit.audit_quarantined_raw_files) and the others load: reported, not failed.
                "set_aside_files": MetadataValue.json([str(file) for file in self.raw_data.unreadable_files(table)]),
                "expectations": MetadataValue.json([outcome.as_row() for outcome in outcomes]),
            },
        )

    def _beyond_tolerance(self, outcome: ExpectationOutcome) -> bool:
        if not outcome.success and not outcome.unexpected_count:
            return True  # the rule could not be evaluated
        allowed = max(self.max_invalid_share * outcome.element_count, self.max_invalid_rows)
        return outcome.unexpected_count > allowed

    def _tolerant_result(
        self, table: Table, check_name: str, outcomes: list[ExpectationOutcome], exact_duplicates: int
    ) -> AssetCheckResult:
        violated = [outcome for outcome in outcomes if not outcome.success]
        beyond_tolerance = [outcome for outcome in violated if self._beyond_tolerance(outcome)]
        summary = "; ".join(
            f"{outcome.expectation}({outcome.column}): {outcome.unexpected_count} of {outcome.element_count} rows"
            + (f", e.g. {outcome.sample[:3]}" if outcome.sample else "")
            + (f" [{outcome.detail}]" if outcome.detail else "")
            for outcome in violated
        )
        return AssetCheckResult(
            asset_key=raw_table_key(table.source, table.name),
            check_name=check_name,
            passed=not violated,
            # Within tolerance, staging quarantines the rows: a warning does not block the run.
            severity=AssetCheckSeverity.ERROR if beyond_tolerance else AssetCheckSeverity.WARN,
            description=summary[:2000] if violated else f"{len(outcomes)} expectations met.",
            metadata={
                "expectations": MetadataValue.json([outcome.as_row() for outcome in outcomes]),
                "violating_rows": sum(outcome.unexpected_count for outcome in violated),
                "exact_duplicate_rows_ignored": exact_duplicates,
            },
        )

    def _reference_expectations(self, table: Table, present: set[str]) -> list[gxe.Expectation]:
        expectations = []
        for column_name, foreign_key in table.foreign_keys:
            parent = TABLES_BY_NAME[foreign_key.table]
            if column_name not in present or not self.raw_data.table_files(parent):
                continue
            parent_frame = self.frame(parent)
            if foreign_key.column not in parent_frame.columns:
                continue
            parent_keys = parent_frame[foreign_key.column].dropna().unique().tolist()
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=column_name, value_set=parent_keys))
        return expectations


def _outcome(result) -> ExpectationOutcome:
    details = result.result or {}
    exception = (result.exception_info or {}).get("exception_message") if result.exception_info else None
    observed = details.get("observed_value")
    mismatch = (details.get("details") or {}).get("mismatched")
    return ExpectationOutcome(
        expectation=result.expectation_config.type,
        column=result.expectation_config.kwargs.get("column"),
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        element_count=int(details.get("element_count") or 0),
        sample=list(details.get("partial_unexpected_list") or []),
        detail=str(exception or mismatch or observed or ""),
    )


@multi_asset_check(
    specs=raw_check_specs(),
    can_subset=True,
    name="raw_contract_checks",
    retry_policy=TRANSIENT_FAILURE_RETRY_POLICY,
)
def raw_contract_checks(
    context: AssetCheckExecutionContext, raw_data: RawData, config: RawContractCheckConfig
) -> Iterator[AssetCheckResult]:
    validator = RawContractValidator(raw_data, config.max_invalid_share, config.max_invalid_rows)
    for table in TABLES:
        asset_key = raw_table_key(table.source, table.name)
        for check_name in (SCHEMA_CHECK, VALUES_CHECK, REFERENCES_CHECK):
            if AssetCheckKey(asset_key, check_name) in context.selected_asset_check_keys:
                yield validator.result(table, check_name)

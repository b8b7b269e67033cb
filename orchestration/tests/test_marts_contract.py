"""docs/marts.md is the public-mart contract: its table parses, and the check fails on a short warehouse."""

from __future__ import annotations

import duckdb
import pytest

from cs_warehouse.marts_contract import MARTS_DOC, contract_problems, documented_marts, main


@pytest.fixture(scope="module")
def marts() -> dict[str, list[str]]:
    return documented_marts(MARTS_DOC.read_text())


def test_the_page_lists_every_public_mart_with_its_columns(marts):
    assert len(marts) == 19
    assert marts["kpi_monthly"][:2] == ["month", "active_accounts_start"]
    # kpi_monthly_by_segment carries every kpi_monthly measure, listed out rather than "the same as";
    # the MRR left out for data quality is company level only (an excluded account has no segment)
    company_only = {"month", "excluded_accounts", "excluded_mrr"}
    assert set(marts["kpi_monthly"]) - company_only <= set(marts["kpi_monthly_by_segment"])
    assert all(columns for columns in marts.values())


def _warehouse(tables: dict[str, list[str]]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("create schema marts")
    for table, columns in tables.items():
        connection.execute(f"create table marts.{table} ({', '.join(f'{column} integer' for column in columns)})")
    return connection


def test_a_complete_warehouse_passes_and_a_short_one_names_what_is_missing(marts):
    assert contract_problems(_warehouse(marts), marts) == []
    short = {mart: columns for mart, columns in marts.items() if mart != "fct_alerts"}
    short["kpi_monthly"] = [column for column in marts["kpi_monthly"] if column != "ltv"]
    assert contract_problems(_warehouse(short), marts) == [
        "marts.kpi_monthly lacks ltv",
        "missing mart marts.fct_alerts",
    ]


def test_an_empty_contract_fails():
    assert contract_problems(_warehouse({}), {}) != []


def test_the_command_fails_on_a_missing_warehouse_file(tmp_path, capsys):
    assert main([str(tmp_path / "absent.duckdb")]) == 1
    assert "no such warehouse file" in capsys.readouterr().err

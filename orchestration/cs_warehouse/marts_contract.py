"""The public marts of docs/marts.md, checked against a built warehouse.

`python -m cs_warehouse.marts_contract WAREHOUSE.duckdb [...]` prints one line per mart and exits 1
when a mart or column listed in docs/marts.md is missing from schema `marts`, or when the page lists
no mart at all (so the check cannot pass on an empty contract).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
MARTS_DOC = REPO_ROOT / "docs" / "marts.md"
MARTS_SCHEMA = "marts"
# A row of the marts table: | `name` | grain | public columns | further columns |
_MART_ROW = re.compile(r"^\| `(?P<name>[a-z0-9_]+)` \|(?P<grain>[^|]*)\|(?P<public>[^|]*)\|(?P<further>[^|]*)\|\s*$")


def _column_names(cell: str) -> list[str]:
    return re.findall(r"`([a-z0-9_]+)`", cell)


def documented_marts(doc_text: str) -> dict[str, list[str]]:
    """Every mart of the marts table with its columns (public, then further), in page order."""
    marts: dict[str, list[str]] = {}
    for line in doc_text.splitlines():
        row = _MART_ROW.match(line)
        if row:
            marts[row["name"]] = _column_names(row["public"]) + _column_names(row["further"])
    return marts


def contract_problems(connection: duckdb.DuckDBPyConnection, marts: dict[str, list[str]]) -> list[str]:
    """One line per documented mart or column missing from the warehouse; empty when all are there."""
    if not marts:
        return [f"{MARTS_DOC} lists no mart: the contract is empty"]
    built: dict[str, set[str]] = {}
    for table, column in connection.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [MARTS_SCHEMA],
    ).fetchall():
        built.setdefault(table, set()).add(column)
    problems = []
    for mart, columns in marts.items():
        if mart not in built:
            problems.append(f"missing mart {MARTS_SCHEMA}.{mart}")
        elif missing := [column for column in columns if column not in built[mart]]:
            problems.append(f"{MARTS_SCHEMA}.{mart} lacks {', '.join(missing)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    warehouses = sys.argv[1:] if argv is None else argv
    if not warehouses:
        print("usage: python -m cs_warehouse.marts_contract WAREHOUSE.duckdb [...]", file=sys.stderr)
        return 2
    marts = documented_marts(MARTS_DOC.read_text())
    failed = False
    for warehouse in warehouses:
        if not Path(warehouse).is_file():
            print(f"{warehouse}: no such warehouse file (build it first)", file=sys.stderr)
            failed = True
            continue
        with duckdb.connect(warehouse, read_only=True) as connection:
            problems = contract_problems(connection, marts)
        for problem in problems:
            print(f"{warehouse}: {problem}", file=sys.stderr)
        if not problems:
            print(f"{warehouse}: all {len(marts)} public marts of docs/marts.md present with their columns")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

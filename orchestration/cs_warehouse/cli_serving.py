"""Commands that serve the built warehouse: publish, export, publish-postgres, report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .serving import EXPORT_FORMATS, export_tables, serving_database_path, warehouse_path, write_serving_database

DEFAULT_EXPORT_DIR = "build/export"
REPORT_PATH_ENV = "REPORT_PATH"
DEFAULT_REPORT_PATH = "build/report/cs_report.html"


def _database_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--database",
        default=None,
        help="serving database to read (default: env SERVING_PATH, else serving/<name of WAREHOUSE_PATH>)",
    )


def add_serving_commands(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "publish",
        help="write the serving database (public marts and reference tables) from the dbt build",
        description="Copy the public marts and reference tables of the full warehouse dbt built "
        "(WAREHOUSE_PATH) into the serving database BI reads (SERVING_PATH), as tables only, and move it "
        "into place atomically: connected readers keep working.",
    )
    export = commands.add_parser(
        "export",
        help="write every table of the serving database as Parquet or CSV files",
        description="One file per table, <out>/<schema>/<table>.<format>.",
    )
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True, help="file format")
    export.add_argument("--out", default=DEFAULT_EXPORT_DIR, help=f"output directory (default {DEFAULT_EXPORT_DIR})")
    _database_argument(export)
    postgres = commands.add_parser(
        "publish-postgres",
        help="copy the serving database into PostgreSQL",
        description="Load every serving table into PostgreSQL (schemas marts and reference), swapping "
        "the previous tables out in one transaction.",
    )
    postgres.add_argument(
        "--dsn",
        default=os.environ.get("SERVING_POSTGRES_DSN"),
        help="libpq connection string, e.g. 'host=localhost dbname=cs user=loader' (default: env SERVING_POSTGRES_DSN)",
    )
    postgres.add_argument("--reader-role", default=None, help="role granted read-only access to what is published")
    _database_argument(postgres)
    report = commands.add_parser(
        "report",
        help="render the CS report (one HTML file, charts embedded, opens offline)",
        description="Render the weekly customer-success report from the serving database.",
    )
    report.add_argument(
        "--out",
        default=None,
        help=f"HTML file to write (default: env {REPORT_PATH_ENV}, else {DEFAULT_REPORT_PATH})",
    )
    _database_argument(report)


def _serving_database(args: argparse.Namespace) -> Path:
    path = serving_database_path(warehouse_path(), args.database)
    if not path.exists():
        raise FileNotFoundError(f"No serving database at {path}: run `make run` or `cs-warehouse publish` first.")
    return path


def publish(args: argparse.Namespace) -> int:
    serving = serving_database_path(warehouse_path())
    served = write_serving_database(warehouse_path(), serving)
    print(
        f"Serving database: {serving} "
        f"({len(served)} tables, {sum(table.rows for table in served):,} rows; schemas "
        f"{', '.join(sorted({table.schema for table in served}))})"
    )
    return 0


def export(args: argparse.Namespace) -> int:
    database = _serving_database(args)
    written = export_tables(database, Path(args.out), args.format)
    print(f"Exported {len(written)} tables of {database} to {args.out}/<schema>/<table>.{args.format}")
    return 0


def publish_postgres(args: argparse.Namespace) -> int:
    from .postgres import publish_to_postgres

    if not args.dsn:
        print("cs-warehouse publish-postgres: give --dsn or set SERVING_POSTGRES_DSN", file=sys.stderr)
        return 2
    database = _serving_database(args)
    published = publish_to_postgres(database, args.dsn, reader_role=args.reader_role)
    print(f"Published {len(published)} tables ({sum(published.values()):,} rows) of {database} to PostgreSQL")
    return 0


def report(args: argparse.Namespace) -> int:
    from .project import REPO_ROOT
    from .report import render_report

    out = Path(args.out or os.environ.get(REPORT_PATH_ENV) or DEFAULT_REPORT_PATH)
    out = out if out.is_absolute() else REPO_ROOT / out
    written = render_report(_serving_database(args), out)
    print(f"CS report: {written} (open it in a browser; it works offline)")
    return 0


SERVING_COMMANDS = {"publish": publish, "export": export, "publish-postgres": publish_postgres, "report": report}


def run_serving_command(args: argparse.Namespace) -> int:
    try:
        return SERVING_COMMANDS[args.command](args)
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        print(f"cs-warehouse {args.command}: {error}", file=sys.stderr)
        return 2

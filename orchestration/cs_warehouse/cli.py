"""Command line: `cs-warehouse generate ...` writes a demo dataset; publish, export, publish-postgres and
report serve the built warehouse (cli_serving.py); fit-health-weights proposes health score weights
and formula parameters fitted to the warehouse's own churn history."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from cs_warehouse.cli_serving import SERVING_COMMANDS, add_serving_commands, run_serving_command
from cs_warehouse.generator import GeneratorConfig, NotDemoDataError, continued_history, generate, read_manifest
from cs_warehouse.generator.config import REPORTING_TIMEZONE, yesterday_in
from cs_warehouse.health_fit import (
    DEFAULT_MAX_RED_SHARE,
    HealthFitError,
    configured_thresholds,
    fit_health_weights,
    load_history,
    write_proposal,
)
from cs_warehouse.project import REPO_ROOT
from cs_warehouse.resources import ServingWarehouse

DEFAULT_HEALTH_WEIGHTS_OUT = REPO_ROOT / "build" / "health_weights"


def _positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (argparse turns the error into one line)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cs-warehouse", description="Customer-success warehouse tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    generate_command = commands.add_parser(
        "generate",
        help="write a realistic demo dataset (every raw table as Parquet)",
        description="Write every raw table of the raw contract as Parquet under --out, replacing a "
        "previous demo dataset there. The data is a cut of one simulated history, fixed by the seed, "
        "the scale and the history's start date; --end-date only says how far it has come. When --out "
        "already holds demo data of the same history (same --accounts, --months, --seed, --event-volume) "
        "and the end date lies within it, that history is continued: its earlier days stay identical, "
        "as in a real feed that gained days. The same arguments and start always give the same bytes.",
    )
    generate_command.add_argument("--out", required=True, help="output directory (RAW_DATA_DIR)")
    generate_command.add_argument(
        "--accounts", type=_positive_int, default=2000, help="customer accounts (default 2000)"
    )
    generate_command.add_argument(
        "--months",
        type=_positive_int,
        default=24,
        help="calendar months a new history starts with, ending with the end date's month (default 24)",
    )
    generate_command.add_argument(
        "--end-date",
        type=_iso_date,
        default=None,
        help=f"last day of data, YYYY-MM-DD (default: yesterday in {REPORTING_TIMEZONE})",
    )
    generate_command.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    history = generate_command.add_mutually_exclusive_group()
    history.add_argument(
        "--start-date",
        type=_iso_date,
        default=None,
        help="first day of the history to cut, YYYY-MM-DD (default: continue the history in --out, else "
        "start a new one --months before the end date)",
    )
    history.add_argument(
        "--new-history",
        action="store_true",
        help="start a new history --months before the end date even if --out holds one to continue",
    )
    generate_command.add_argument(
        "--event-volume",
        type=_positive_float,
        default=1.0,
        help="multiplier of feature events per active user-day (default 1.0)",
    )
    progress = generate_command.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="always show progress bars"
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress bars")
    add_serving_commands(commands)
    fit_command = commands.add_parser(
        "fit-health-weights",
        help="propose health score weights and formula parameters fitted to the warehouse's own churn history",
        description="Fit the four component weights of the health score and the caps and per-ticket "
        "penalties inside its components to churn within 90 days on the warehouse's older scored days, "
        "validate them on the most recent complete 90-day outcome window, and write the proposed "
        "weights and formula parameters (seed format) and a model card. Nothing in the warehouse or "
        "the seeds changes: adopting the proposal is a human step.",
    )
    fit_command.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="the built DuckDB warehouse (default: env WAREHOUSE_PATH, else warehouse.duckdb)",
    )
    fit_command.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_HEALTH_WEIGHTS_OUT,
        help=f"directory for the proposal and the model card (default {DEFAULT_HEALTH_WEIGHTS_OUT})",
    )
    fit_command.add_argument(
        "--max-red-share",
        type=_share,
        default=DEFAULT_MAX_RED_SHARE,
        help=f"largest share of accounts the proposed red list may hold (default {DEFAULT_MAX_RED_SHARE})",
    )
    return parser


def _share(text: str) -> float:
    """An argparse type: a share of accounts, above 0 and at most 1."""
    value = _positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be at most 1, got {text}")
    return value


def _fit_health_weights(args: argparse.Namespace) -> int:
    warehouse = args.warehouse or ServingWarehouse().serving_path()
    try:
        days, current_weights, current_parameters = load_history(warehouse)
        fit = fit_health_weights(
            days, current_weights, current_parameters, configured_thresholds(), args.max_red_share, progress=print
        )
    except HealthFitError as error:
        print(f"cs-warehouse fit-health-weights: {error}", file=sys.stderr)
        return 2
    weights_path, parameters_path, card_path = write_proposal(fit, warehouse, args.out)
    print(
        f"Validation AUC ({fit.validation.first_day} .. {fit.validation.last_day}): current "
        f"{fit.current_validation.auc:.3f}, proposed {fit.proposed_validation.auc:.3f}. "
        f"Wrote {weights_path}, {parameters_path} and {card_path}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in SERVING_COMMANDS:
        return run_serving_command(args)
    if args.command == "fit-health-weights":
        return _fit_health_weights(args)
    try:
        config = GeneratorConfig(
            accounts=args.accounts,
            months=args.months,
            end_date=args.end_date or yesterday_in(REPORTING_TIMEZONE),
            seed=args.seed,
            event_volume=args.event_volume,
            start_date=args.start_date,
        )
        if args.start_date is None and not args.new_history:
            continued = continued_history(config, Path(args.out))
            if continued is not None:
                print(f"Continuing the demo history in {args.out} that starts {continued.start}", file=sys.stderr)
                config = continued
            elif (read_manifest(args.out) or {}).get("history"):
                print(
                    f"Starting a new demo history in {args.out} from {config.start} (the one there is of another "
                    "scale or does not reach the end date): rebuild a warehouse built from the old one with "
                    "`dbt build --full-refresh`",
                    file=sys.stderr,
                )
        started = time.perf_counter()
        manifest = generate(config, args.out, show_progress=args.progress)
    except (NotDemoDataError, ValueError) as error:
        print(f"cs-warehouse generate: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    counts = manifest["row_counts"]
    window = manifest["window"]
    print(
        f"Wrote {sum(counts.values()):,} rows ({counts['events']:,} events, {counts['accounts']:,} accounts) "
        f"from {window['start_date']} to {window['end_date']} to {args.out} in {elapsed:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

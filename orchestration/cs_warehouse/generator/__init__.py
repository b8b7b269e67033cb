"""Demo data generator: a realistic customer-success dataset in the raw contract's layout.

`generate(config, out_dir)` simulates the customer lifecycle (lifecycle.py), derives every raw
table from it (crm.py, billing.py, product.py) and writes them as Parquet (output.py). The history
is simulated to a horizon independent of the end date and cut there (config.py), so a dataset
ending a day later is the same history with one more day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from tqdm import tqdm

from cs_warehouse.generator import billing, crm, product
from cs_warehouse.generator.config import GeneratorConfig
from cs_warehouse.generator.lifecycle import simulate
from cs_warehouse.generator.output import (
    MANIFEST_NAME,
    NotDemoDataError,
    prepare_output_dir,
    write_events,
    write_manifest,
    write_table,
)

__all__ = ["GeneratorConfig", "MANIFEST_NAME", "NotDemoDataError", "continued_history", "generate", "read_manifest"]


def read_manifest(out_dir: Path | str) -> dict | None:
    """The manifest of the demo dataset in out_dir, None when there is none."""
    path = Path(out_dir) / MANIFEST_NAME
    return json.loads(path.read_text()) if path.is_file() else None


def continued_history(config: GeneratorConfig, out_dir: Path | str) -> GeneratorConfig | None:
    """`config` starting where the history already in out_dir starts, when that dataset is of the
    same history (same scale and seed) and config's end date lies within it; else None."""
    manifest = read_manifest(out_dir)
    history = (manifest or {}).get("history")
    if history is None:
        return None
    try:
        # Raises when the end date lies outside that history's calendar.
        continued = replace(config, start_date=date.fromisoformat(history["start_date"]))
    except ValueError:
        return None
    return continued if continued.history() == history else None


def generate(config: GeneratorConfig, out_dir: Path | str, show_progress: bool | None = None) -> dict:
    """Write a full demo dataset to out_dir (replacing a previous one) and return its manifest.

    show_progress: progress bars on stderr; None shows them only on a terminal."""
    out_dir = Path(out_dir)
    disable_bars = None if show_progress is None else not show_progress

    def progress(iterable: Iterable, **kwargs) -> Iterable:
        return tqdm(iterable, disable=disable_bars, leave=False, **kwargs)

    wait_for_cleanup = prepare_output_dir(out_dir)
    row_counts: dict[str, int] = {}

    def write(name: str, table) -> None:
        write_table(out_dir, name, table)
        row_counts[name] = table.num_rows

    with tqdm(total=5, desc="generate", unit="stage", disable=disable_bars, leave=False) as stages:
        stages.set_postfix_str("customer lifecycle")
        lifecycle = simulate(config)
        stages.update()

        stages.set_postfix_str("crm")
        names = crm.name_accounts(config, lifecycle)
        write("owners", crm.owners_table())
        write("accounts", crm.accounts_table(config, lifecycle, names))
        contacts = crm.contacts_table(config, lifecycle, names)
        write("contacts", contacts.table)
        write("activities", crm.activities_table(config, lifecycle))
        tickets = crm.tickets_table(config, lifecycle, contacts)
        write("tickets", tickets.table)
        write("survey_responses", crm.survey_responses_table(config, lifecycle, contacts, tickets))
        stages.update()

        stages.set_postfix_str("billing")
        plans, prices = billing.price_items(lifecycle)
        write("plans", billing.plans_table())
        write("subscription_items", billing.subscription_items_table(lifecycle, plans, prices))
        invoices = billing.invoices_tables(config, lifecycle, plans, prices)
        write("invoices", invoices.invoices)
        write("invoice_lines", invoices.lines)
        write("subscriptions", billing.subscriptions_table(lifecycle, invoices.past_due_subscription))
        stages.update()

        stages.set_postfix_str("product users")
        users = product.simulate_users(config, lifecycle, names.domains)
        write("users", users.table)
        stages.update()

        stages.set_postfix_str("product events")
        simulator = product.EventSimulator(config, lifecycle, users)
        row_counts["events"], event_files = write_events(out_dir, simulator, config.seed, progress)
        stages.update()

    wait_for_cleanup()
    manifest = {
        "generator": "cs-warehouse demo data",
        "arguments": config.as_dict(),
        "history": config.history(),
        "window": {
            "start_date": config.start.isoformat(),
            "end_date": config.end_date.isoformat(),
            "timezone": config.timezone,
            "horizon_end_date": config.horizon_end.isoformat(),
        },
        "row_counts": dict(sorted(row_counts.items())),
        "event_files": event_files,
    }
    # Written last: its presence marks a complete demo dataset.
    write_manifest(out_dir, manifest)
    return manifest

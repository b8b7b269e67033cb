"""Time `cs-warehouse generate` end to end and report events per second and rows per table.

Each run is a fresh `cs-warehouse generate` process (imports, simulation, Parquet writing, the
manifest), the way `make run` calls it. Wall time depends on what else the machine is doing, so
the load average and the process CPU time are printed next to it, with the peak resident memory.

    .venv/bin/python scripts/benchmark_generator.py --accounts 2000 --months 24 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MANIFEST_NAME = "_demo_manifest.json"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--end-date", default="2026-10-31", help="fixed, so runs are comparable")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--event-volume", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the best and the median are reported)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: a temporary one)")
    return parser.parse_args()


def _generate_command(args: argparse.Namespace, out: Path) -> list[str]:
    executable = shutil.which("cs-warehouse", path=str(Path(sys.executable).parent)) or "cs-warehouse"
    return [
        executable,
        "generate",
        "--out", str(out),
        "--accounts", str(args.accounts),
        "--months", str(args.months),
        "--end-date", args.end_date,
        "--seed", str(args.seed),
        "--event-volume", str(args.event_volume),
        "--no-progress",
    ]  # fmt: skip


def _timed_run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="cs_warehouse_benchmark_") as scratch:
        out = args.out or Path(scratch) / "raw"
        command = _generate_command(args, out)
        load_before = os.getloadavg()[0]
        runs = [_timed_run(command) for _ in range(args.runs)]
        load_after = os.getloadavg()[0]
        manifest = json.loads((out / MANIFEST_NAME).read_text())
        size_bytes = sum(file.stat().st_size for file in out.rglob("*.parquet"))

    counts = manifest["row_counts"]
    events = counts["events"]
    walls = sorted(wall for wall, _ in runs)
    cpus = sorted(cpu for _, cpu in runs)
    print(
        f"scale: {args.accounts} accounts, {args.months} months ending {args.end_date}, seed {args.seed}, "
        f"event volume {args.event_volume}"
    )
    print(f"machine: {os.cpu_count()} cores, load average {load_before:.2f} before / {load_after:.2f} after")
    print("rows per table:")
    for table, rows in counts.items():
        print(f"  {table:<20} {rows:>12,}")
    print(f"  {'total':<20} {sum(counts.values()):>12,}")
    print(f"Parquet: {size_bytes / 1e6:.0f} MB, {manifest['event_files']} event files")
    print(f"runs: {len(runs)} (each a fresh process, end to end)")
    print(f"  wall seconds   best {walls[0]:.2f}   median {statistics.median(walls):.2f}")
    print(f"  CPU seconds    best {cpus[0]:.2f}   median {statistics.median(cpus):.2f}")
    print(f"events/s (wall, best run):    {events / walls[0]:,.0f}")
    print(f"events/s (wall, median run):  {events / statistics.median(walls):,.0f}")
    print(f"events/s per CPU second:      {events / statistics.median(cpus):,.0f}")
    # ru_maxrss of children is the largest peak of any finished child, in KiB on Linux.
    peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS (largest run):       {peak_rss_mib:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the dbt build at the `large` scale, full and incremental.

The lake is written straight from the simulator's resolved world (365 days,
~30,000 top-ups a day), not through workbooks: this benchmark measures dbt, and
writing and reading a year of xlsx would only slow it down. The last day is held
back. Then, in one run:

1. full build: `dbt build --full-refresh` on days 1..N-1;
2. one new day: day N's parts land in the lake, then `dbt build`;
3. one corrected old day: a re-export of day N-30 (day 1 in a short world; later
   exported_at, refunds, moved orders, level and engagement changes) lands, then
   `dbt build`.

Each incremental run must cost at most 10% of the full build. Every phase runs the
same command, the daily one: `dbt build --exclude-resource-type unit_test` (dbt's
advice: unit tests belong to development and CI, `make test` runs them), with
`--command run` the models alone (`dbt run`). The simulated lake (base days, day N,
the correction) is cached under <bench>/transform-lake-<scale>-<seed>/ and
hard-linked into the bench lake, so a rerun skips the simulation. Wall time and
the dbt process's peak RSS per phase are printed; figures go to
<bench>/transform.json, per-phase dbt run_results to <bench>/transform-<scale>/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from ingest.contracts import DOMAINS
from livelake.config import Paths
from livelake.dbt_runner import REPO_ROOT, dbt_invocation
from simulator.direct_lake import report_days, resolved_world, write_correction, write_days

TARGET_INCREMENTAL_SHARE = 0.10
# Bumped when what the cached lake holds changes (e.g. what a correction touches).
CACHE_FORMAT = 2


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link a cached lake (or one delivery of it) into the bench lake."""
    shutil.copytree(source, target, copy_function=os.link, dirs_exist_ok=True)


def cached_lake(cache: Path, scale: str, seed: int) -> dict:
    """Simulate once per (scale, seed): the lake of days 1..N-1, then day N, then the
    correction, each written in that order (so ingested_at grows as in real life)."""
    marker = cache / "lake.json"
    if marker.exists():
        meta = json.loads(marker.read_text())
        if meta.get("format") == CACHE_FORMAT:
            return meta
    shutil.rmtree(cache, ignore_errors=True)
    print(f"simulating the {scale} world ...", flush=True)
    world = resolved_world(scale, seed)
    days = report_days(world)
    rows = sum(world[d.table].height for d in DOMAINS)
    corrected_day = days[max(0, len(days) - 31)]
    write_days(cache / "base", world, days[:-1])
    write_days(cache / "new_day", world, days[-1:])
    write_correction(cache / "correction", world, corrected_day)
    meta = {
        "format": CACHE_FORMAT,
        "days": len(days),
        "lake_rows": rows,
        "corrected_day": str(corrected_day),
    }
    marker.write_text(json.dumps(meta) + "\n")
    return meta


def timed_build(data_dir: Path, phase: str, *args: str) -> tuple[float, float]:
    """Run `dbt <args>` (as livelake.dbt_runner does); wall seconds and the dbt
    process's peak RSS in GB. run_results.json is kept per phase."""
    command, env = dbt_invocation(list(args), data_dir=data_dir, work_dir=data_dir)
    target_path = data_dir / "target"
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=REPO_ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed with exit code {code}")
    shutil.copy(target_path / "run_results.json", data_dir / f"run_results_{phase}.json")
    return elapsed, usage.ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--command",
        default="build",
        choices=["build", "run"],
        help="what every phase runs: `dbt build` (models and data tests) or `dbt run`",
    )
    options = parser.parse_args()

    paths = Paths.from_env()
    cache = paths.bench / f"transform-lake-{options.scale}-{options.seed}"
    meta = cached_lake(cache, options.scale, options.seed)
    data_dir = paths.bench / f"transform-{options.scale}"
    shutil.rmtree(data_dir, ignore_errors=True)
    lake = data_dir / "lake"
    _link_tree(cache / "base", lake)
    print(f"lake linked from {cache}: {meta['days'] - 1} days, then building", flush=True)

    command = [options.command]
    if options.command == "build":
        command += ["--exclude-resource-type", "unit_test"]
    full, full_rss = timed_build(data_dir, "full", *command, "--full-refresh")
    _link_tree(cache / "new_day", lake)
    new_day, new_day_rss = timed_build(data_dir, "new_day", *command)
    _link_tree(cache / "correction", lake)
    corrected, corrected_rss = timed_build(data_dir, "corrected_day", *command)

    result = {
        "benchmark": "transform",
        "scale": options.scale,
        "days": meta["days"],
        "lake_rows": meta["lake_rows"],
        "corrected_day": meta["corrected_day"],
        "cores": os.cpu_count(),
        "command": f"dbt {' '.join(command)}",
        "full_build_seconds": full,
        "new_day_seconds": new_day,
        "corrected_day_seconds": corrected,
        "new_day_share": new_day / full,
        "corrected_day_share": corrected / full,
        "full_build_peak_rss_gb": full_rss,
        "new_day_peak_rss_gb": new_day_rss,
        "corrected_day_peak_rss_gb": corrected_rss,
        "target_share": TARGET_INCREMENTAL_SHARE,
        "met": max(new_day, corrected) / full <= TARGET_INCREMENTAL_SHARE,
    }
    paths.bench.mkdir(parents=True, exist_ok=True)
    (paths.bench / "transform.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = meta["lake_rows"]
    print(f"\ntransform benchmark: {options.scale} world, {meta['days']} days, {rows:,} lake rows")
    print(f"command: dbt {' '.join(command)}")
    print(f"full build (--full-refresh):   {full:8.1f} s  peak RSS {full_rss:5.1f} GB")
    for label, seconds, rss in (
        ("one new day", new_day, new_day_rss),
        (f"one corrected old day ({meta['corrected_day']})", corrected, corrected_rss),
    ):
        print(f"{label}: {seconds:8.1f} s  ({seconds / full:.1%} of full)  peak RSS {rss:5.1f} GB")
    print(f"target: each incremental run <= {TARGET_INCREMENTAL_SHARE:.0%} of the full build")
    print(f"figures written to {paths.bench / 'transform.json'}")


if __name__ == "__main__":
    main()

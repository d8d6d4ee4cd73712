"""Benchmark: the dbt build at the `large` scale, full and incremental.

The lake is written straight from the simulator's resolved world (365 days,
~30,000 top-ups a day), not through workbooks: this benchmark measures dbt, and
writing and reading a year of xlsx would only slow it down. The last day is held
back. Then, in one run:

1. full build: `dbt run --full-refresh` on days 1..N-1;
2. one new day: day N's parts land in the lake, then `dbt run`;
3. one corrected old day: a re-export of day N-30 (day 1 in a short world; later
   exported_at, refunds, moved orders, level and engagement changes) lands, then
   `dbt run`.

Each phase's `dbt run` is followed by its data tests, timed apart (`dbt test`
without unit tests, which dbt advises to keep to development and CI, and without
the snapshots' tests, as `dbt run` builds no snapshot): the models are what is
incremental, and each incremental `dbt run` must cost at most 10% of the full
one. run + test (what `dbt build` does) is printed beside it. An incremental
phase is short and this machine is shared, so it is measured --repeats times
from the same starting warehouse (restored from a copy, flushed to disk first)
and its median counts; the full build is measured once. The simulated lake
(base days, day N, the correction) is cached under <bench>/transform-lake-<scale>-<seed>/ and
hard-linked into the bench lake, so a rerun skips the simulation. Wall time and
the dbt process's peak RSS per phase are printed; figures go to
<bench>/transform.json, per-phase dbt run_results to <bench>/transform-<scale>/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from ingest.contracts import DOMAINS
from lake.atomic import flush
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


PHASES = ("full", "new_day", "corrected_day")


def copy_to_disk(source: Path, target: Path) -> None:
    """Copy a warehouse file and flush it: a copy still in the page cache would be
    written back during the next timed run (and its first checkpoint would wait
    for the whole file)."""
    shutil.copyfile(source, target)
    flush(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each incremental phase (median counts)"
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

    deliveries = {"full": None, "new_day": cache / "new_day", "corrected_day": cache / "correction"}
    warehouse = data_dir / "warehouse.duckdb"
    snapshot = data_dir / "warehouse.before-phase.duckdb"
    seconds: dict[str, dict[str, float]] = {}
    runs: dict[str, list[float]] = {}
    rss: dict[str, float] = {}
    for phase, delivery in deliveries.items():
        repeats = 1
        if delivery is not None:
            _link_tree(delivery, lake)
            copy_to_disk(warehouse, snapshot)
            repeats = max(1, options.repeats)
        refresh = ["--full-refresh"] if phase == "full" else []
        phase_runs, phase_tests = [], []
        for repeat in range(repeats):
            if repeat:
                copy_to_disk(snapshot, warehouse)
            run, run_rss = timed_build(data_dir, f"{phase}_run", "run", *refresh)
            test, test_rss = timed_build(
                data_dir,
                f"{phase}_test",
                "test",
                "--exclude-resource-type",
                "unit_test",
                "--exclude",
                "path:snapshots",
            )
            phase_runs.append(run)
            phase_tests.append(test)
            rss[phase] = max(rss.get(phase, 0.0), run_rss, test_rss)
        run, test = statistics.median(phase_runs), statistics.median(phase_tests)
        seconds[phase] = {"run": run, "test": test, "build": run + test}
        runs[phase] = phase_runs
    snapshot.unlink(missing_ok=True)

    def share(phase: str, kind: str) -> float:
        return seconds[phase][kind] / seconds["full"][kind]

    result = {
        "benchmark": "transform",
        "scale": options.scale,
        "days": meta["days"],
        "lake_rows": meta["lake_rows"],
        "corrected_day": meta["corrected_day"],
        "cores": os.cpu_count(),
        "seconds": seconds,
        "run_seconds_each": runs,
        "shares": {
            phase: {kind: share(phase, kind) for kind in ("run", "build")} for phase in PHASES[1:]
        },
        "peak_rss_gb": rss,
        "target_share": TARGET_INCREMENTAL_SHARE,
        "met": max(share(phase, "run") for phase in PHASES[1:]) <= TARGET_INCREMENTAL_SHARE,
    }
    paths.bench.mkdir(parents=True, exist_ok=True)
    (paths.bench / "transform.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = meta["lake_rows"]
    print(f"\ntransform benchmark: {options.scale} world, {meta['days']} days, {rows:,} lake rows")
    print(f"{'phase':<34} {'dbt run':>9} {'dbt test':>9} {'run share':>10} {'run+test share':>15}")
    labels = {
        "full": "full build (--full-refresh)",
        "new_day": "one new day",
        "corrected_day": f"one corrected old day ({meta['corrected_day']})",
    }
    for phase in PHASES:
        row = seconds[phase]
        shares = (
            ("", "")
            if phase == "full"
            else (f"{share(phase, 'run'):.1%}", f"{share(phase, 'build'):.1%}")
        )
        print(
            f"{labels[phase]:<34} {row['run']:8.1f}s {row['test']:8.1f}s "
            f"{shares[0]:>10} {shares[1]:>15}"
        )
    each = "; ".join(
        f"{phase} " + " / ".join(f"{value:.1f}" for value in runs[phase]) for phase in PHASES[1:]
    )
    print(f"incremental `dbt run` seconds, each repeat (the median counts): {each}")
    print(f"peak RSS: {', '.join(f'{phase} {gb:.1f} GB' for phase, gb in rss.items())}")
    print(
        f"target: each incremental `dbt run` <= {TARGET_INCREMENTAL_SHARE:.0%} of the full one"
        f" ({'met' if result['met'] else 'not met'})"
    )
    print(f"figures written to {paths.bench / 'transform.json'}")


if __name__ == "__main__":
    main()

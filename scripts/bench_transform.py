"""Benchmark: the dbt build at the `large` scale, full and incremental.

The lake is written straight from the simulator's resolved world (365 days,
~30,000 top-ups a day), not through workbooks: this benchmark measures dbt, and
writing and reading a year of xlsx would only slow it down. The last day is held
back. Then, in one run:

1. full build: `dbt build --full-refresh` on days 1..N-1;
2. one new day: day N's parts land in the lake, an incremental run (below);
3. one corrected old day: a re-export of day N-30 (day 1 in a short world; later
   exported_at, changed values) lands, the same incremental run.

Each incremental run must cost at most 10% of the full build. An incremental run
is `dbt build` (every model and every test) unless `--incremental-command run`
(models only); the output names the command. The simulated lake (base days, day N,
the correction) is cached under <bench>/transform-lake-<scale>-<seed>/ and
hard-linked into the bench lake, so a rerun skips the simulation. Wall time and
the dbt process's peak RSS per phase are printed; figures go to
<bench>/transform.json, per-phase dbt run_results to <bench>/transform-<scale>/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import polars as pl

from ingest.contracts import DOMAINS
from ingest.files import LINEAGE_SCHEMA, lake_columns
from lake.atomic import Staged
from lake.layout import part_name, partition_dir
from livelake.config import Paths
from livelake.dbt_runner import REPO_ROOT, dbt_invocation

TARGET_INCREMENTAL_SHARE = 0.10
TAIPEI = dt.timezone(dt.timedelta(hours=8))


def _world(scale: str, seed: int) -> dict[str, pl.DataFrame]:
    from simulator.plan import build_plan
    from simulator.scales import get_scale
    from simulator.truth import world_tables
    from simulator.world import simulate

    world = simulate(get_scale(scale), seed)
    return world_tables(world, build_plan(world, seed, xls=False))


def _write_export(
    staged: Staged, lake: Path, table: str, day: dt.date, rows: pl.DataFrame, version: int
) -> None:
    """One day's export of one table as the ingest would have written it."""
    domain = next(d for d in DOMAINS if d.table == table)
    exported = dt.datetime.combine(day + dt.timedelta(days=1 + version), dt.time(9), TAIPEI)
    sha = hashlib.sha256(f"{table}/{day}/{version}".encode()).hexdigest()
    frame = rows.with_columns(
        pl.lit(f"bench/{table}_{day:%Y%m%d}_v{version}.xlsx").alias("source_file"),
        pl.lit("Sheet1").alias("source_sheet"),
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("source_row"),
        pl.lit(sha).alias("file_sha256"),
        pl.lit(exported.astimezone(dt.UTC))
        .cast(LINEAGE_SCHEMA["exported_at"])
        .alias("exported_at"),
        pl.lit(dt.datetime.now(dt.UTC)).cast(LINEAGE_SCHEMA["ingested_at"]).alias("ingested_at"),
        pl.lit(None, pl.String).alias("extra_columns"),
    ).select(lake_columns(domain))
    staged.write_parquet(frame, partition_dir(lake, table, day) / part_name(sha))


def _day_of(table: str) -> pl.Expr:
    return pl.col("topup_at").dt.date() if table == "top_up" else pl.col("report_date")


def write_lake(lake: Path, world: dict[str, pl.DataFrame], days: list[dt.date]) -> None:
    wanted = set(days)
    staged = Staged()
    for domain in DOMAINS:
        frame = world[domain.table].with_columns(_day=_day_of(domain.table))
        for (day,), part in frame.partition_by("_day", as_dict=True).items():
            if day in wanted:
                _write_export(staged, lake, domain.table, day, part.drop("_day"), version=0)
    staged.commit()


def write_correction(lake: Path, world: dict[str, pl.DataFrame], day: dt.date) -> None:
    """A later re-export of one old day: some orders refunded, stats revised."""
    top_up = world["top_up"].filter(pl.col("topup_at").dt.date() == day)
    corrected = top_up.with_columns(
        pl.when((pl.col("status") == "success") & (pl.int_range(pl.len()) % 50 == 0))
        .then(pl.lit("refunded"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    stats = world["channel_stats"].filter(pl.col("report_date") == day)
    revised = stats.with_columns(pl.col("unique_viewers") + 1)
    staged = Staged()
    _write_export(staged, lake, "top_up", day, corrected, version=1)
    _write_export(staged, lake, "channel_stats", day, revised, version=1)
    staged.commit()


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link a cached lake (or one delivery of it) into the bench lake."""
    shutil.copytree(source, target, copy_function=os.link, dirs_exist_ok=True)


def cached_lake(cache: Path, scale: str, seed: int) -> dict:
    """Simulate once per (scale, seed): the lake of days 1..N-1, then day N, then the
    correction, each written in that order (so ingested_at grows as in real life)."""
    marker = cache / "lake.json"
    if marker.exists():
        return json.loads(marker.read_text())
    shutil.rmtree(cache, ignore_errors=True)
    print(f"simulating the {scale} world ...", flush=True)
    world = _world(scale, seed)
    days = sorted(world["channel_stats"]["report_date"].unique().to_list())
    rows = sum(world[d.table].height for d in DOMAINS)
    corrected_day = days[max(0, len(days) - 31)]
    write_lake(cache / "base", world, days[:-1])
    write_lake(cache / "new_day", world, days[-1:])
    write_correction(cache / "correction", world, corrected_day)
    meta = {"days": len(days), "lake_rows": rows, "corrected_day": str(corrected_day)}
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
        "--incremental-command",
        default="build",
        choices=["build", "run"],
        help="what an incremental run runs: `dbt build` (models and tests) or `dbt run`",
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

    incremental = options.incremental_command
    full, full_rss = timed_build(data_dir, "full", "build", "--full-refresh")
    _link_tree(cache / "new_day", lake)
    new_day, new_day_rss = timed_build(data_dir, "new_day", incremental)
    _link_tree(cache / "correction", lake)
    corrected, corrected_rss = timed_build(data_dir, "corrected_day", incremental)

    result = {
        "benchmark": "transform",
        "scale": options.scale,
        "days": meta["days"],
        "lake_rows": meta["lake_rows"],
        "corrected_day": meta["corrected_day"],
        "cores": os.cpu_count(),
        "incremental_command": f"dbt {incremental}",
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
    print(f"full build (dbt build --full-refresh): {full:8.1f} s  peak RSS {full_rss:5.1f} GB")
    for label, seconds, rss in (
        ("one new day", new_day, new_day_rss),
        (f"one corrected old day ({meta['corrected_day']})", corrected, corrected_rss),
    ):
        print(
            f"{label} (dbt {incremental}): {seconds:8.1f} s  ({seconds / full:.1%} of full)"
            f"  peak RSS {rss:5.1f} GB"
        )
    print(f"target: each incremental run <= {TARGET_INCREMENTAL_SHARE:.0%} of the full build")
    print(f"figures written to {paths.bench / 'transform.json'}")


if __name__ == "__main__":
    main()

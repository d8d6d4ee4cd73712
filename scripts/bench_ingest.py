"""Benchmark: the ingest of the `medium` world against a baseline and a floor.

Three measurements over the same files, in the same run, each in its own process
so its memory is its own:

- baseline: what the original write-up did, `pandas.read_excel(engine="openpyxl")`
  of every sheet, then `to_parquet`;
- floor: the fastest xlsx reader alone (calamine through fastexcel) reading every
  sheet into Arrow, with as many processes as the ingest uses, and nothing else;
- ingest: `livelake ingest` into an empty lake.

It prints the ratios (baseline / ingest, ingest / floor) and the peak memory of
each process tree, and writes them to data/bench/ingest.json. Ratios, not seconds,
are the result: they hold on a shared or slower machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from settings.paths import Paths

TARGET_SPEEDUP = 15.0
TARGET_FLOOR_RATIO = 1.5
TARGET_PEAK_MB = 1024


def _workbooks(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".xlsm"))


# --- the measured steps (run in a child process) --------------------------------------------


def _floor_one(path: str) -> int:
    import fastexcel

    rows = 0
    try:
        reader = fastexcel.read_excel(path)
    except Exception:
        return 0
    for name in reader.sheet_names:
        # eager: the cells materialised as Arrow, as any consumer needs them; a lazy
        # sheet's `.height` parses the sheet but never builds its cells.
        batch = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string", eager=True)
        rows += batch.num_rows
    return rows


def step_floor(inbox: Path, workers: int) -> int:
    files = [str(p) for p in _workbooks(inbox)]
    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(_floor_one, files, chunksize=4))


def step_baseline(inbox: Path, out: Path) -> int:
    import pandas as pd

    rows = 0
    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(_workbooks(inbox)):
        try:
            sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype=str)
        except Exception:
            continue  # unreadable files are skipped by the baseline too
        for j, frame in enumerate(sheets.values()):
            rows += len(frame)
            frame.to_parquet(out / f"{i}-{j}.parquet", compression="zstd")
    return rows


def step_ingest(inbox: Path, lake: Path, workers: int) -> int:
    from ingest.run import run_ingest
    from ingest.sources.local import LocalFolderSource

    report = run_ingest(LocalFolderSource(inbox), lake, workers=workers)
    return report.totals()["rows_read"]


# --- the harness ----------------------------------------------------------------------------


def _tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as children:
                    stack.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(step: str, *args: str) -> dict[str, float]:
    """Run one step in a child process; its wall time and the peak RSS of its tree."""
    command = [sys.executable, "-m", "scripts.bench_ingest", "--step", step, *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed with exit code {proc.returncode}")
    return {"seconds": seconds, "peak_mb": peak / 1024, "rows": int(stdout.strip() or 0)}


def ensure_world(root: Path, scale: str) -> Path:
    inbox = root / "inbox"
    if not (root / "truth" / "expected" / "_files.parquet").exists():
        from simulator.generate import generate

        print(f"generating the {scale} world into {root} (once; reused by later runs)")
        generate(inbox, root / "truth", scale=scale, seed=42, workers=2)
    return inbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--skip-baseline",
        action="store_true",
        help="for iterating: floor and ingest only, nothing written (the figures need both)",
    )
    parser.add_argument("--step", choices=["floor", "baseline", "ingest"])
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()

    if options.step:  # inside a measured child
        inbox = Path(options.args[0])
        if options.step == "floor":
            rows = step_floor(inbox, options.workers)
        elif options.step == "baseline":
            rows = step_baseline(inbox, Path(options.args[1]))
        else:
            rows = step_ingest(inbox, Path(options.args[1]), options.workers)
        print(rows)
        return

    paths = Paths.from_env()
    inbox = ensure_world(paths.bench / f"world-{options.scale}", options.scale)
    files = _workbooks(inbox)
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    with tempfile.TemporaryDirectory(dir=paths.bench) as scratch:
        work = Path(scratch)
        workers = ["--workers", str(options.workers)]
        floor = measure("floor", *workers, str(inbox))
        ingest = measure("ingest", *workers, str(inbox), str(work / "lake"))
        if options.skip_baseline:
            print(f"floor {floor['seconds']:.1f}s, ingest {ingest['seconds']:.1f}s: ", end="")
            print(f"{ingest['seconds'] / floor['seconds']:.2f}x the floor, ", end="")
            print(f"peak {ingest['peak_mb']:.0f} MB (baseline skipped, nothing written)")
            return
        baseline = measure("baseline", str(inbox), str(work / "baseline"))
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "benchmark": "ingest",
        "scale": options.scale,
        "files": len(files),
        "inbox_mb": round(size_mb, 1),
        "cores": os.cpu_count(),
        "workers": options.workers,
        "rows_read_by_ingest": ingest["rows"],
        "rows_read_by_baseline": baseline["rows"],
        "baseline": baseline,
        "floor": floor,
        "ingest": ingest,
        "speedup_vs_baseline": baseline["seconds"] / ingest["seconds"],
        "ingest_over_floor": ingest["seconds"] / floor["seconds"],
        "targets": {
            "speedup_vs_baseline": f">= {TARGET_SPEEDUP}",
            "ingest_over_floor": f"<= {TARGET_FLOOR_RATIO}",
            "peak_mb": f"< {TARGET_PEAK_MB}",
        },
    }
    result["met"] = {
        "speedup_vs_baseline": result["speedup_vs_baseline"] >= TARGET_SPEEDUP,
        "ingest_over_floor": result["ingest_over_floor"] <= TARGET_FLOOR_RATIO,
        "peak_mb": ingest["peak_mb"] < TARGET_PEAK_MB,
    }
    paths.bench.mkdir(parents=True, exist_ok=True)
    (paths.bench / "ingest.json").write_text(json.dumps(result, indent=2) + "\n")

    print(
        f"\ningest benchmark: {options.scale} world, {len(files)} files, {size_mb:.0f} MB, "
        f"{os.cpu_count()} cores, {options.workers} workers"
    )
    print(f"{'step':<10}{'seconds':>10}{'rows':>12}{'peak MB':>10}")
    for name, m in (("baseline", baseline), ("floor", floor), ("ingest", ingest)):
        print(f"{name:<10}{m['seconds']:>10.1f}{m['rows']:>12}{m['peak_mb']:>10.0f}")
    print(
        f"speed-up vs pandas+openpyxl: {result['speedup_vs_baseline']:.1f}x "
        f"(target >= {TARGET_SPEEDUP:.0f}x)"
    )
    print(
        f"ingest / raw read floor:     {result['ingest_over_floor']:.2f}x "
        f"(target <= {TARGET_FLOOR_RATIO}x)"
    )
    print(f"ingest peak memory:          {ingest['peak_mb']:.0f} MB (target < {TARGET_PEAK_MB} MB)")
    print(f"figures written to {paths.bench / 'ingest.json'}")


if __name__ == "__main__":
    main()

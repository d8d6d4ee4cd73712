"""Entry point of ``livelake generate``: simulate, plan the exports, write them, write the truth.

Deterministic: the same seed and scale give byte-identical files with the same
mtimes. Files are written by ``workers`` processes (spawned, so polars is never
forked); results are merged in path order, so the worker count never changes
the output.
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from simulator.jobs import FileResult, run_file_job, run_file_job_star
from simulator.plan import build_plan
from simulator.scales import get_scale
from simulator.truth import write_expected, write_world
from simulator.workbooks import xls_available
from simulator.world import simulate

_MANIFEST = "expected/_files.parquet"


@dataclass
class GenerateReport:
    files_written: int
    data_rows: int  # rows the ingest must load (expected/, all tables)
    days: int
    users: int
    scale: str
    seconds: float


def _clear_previous(inbox: Path, truth_dir: Path) -> None:
    """Remove a previous run's output: the inbox files it listed, and expected/ + world/.

    Anything else found in the inbox is left alone and makes the run fail, so a
    mistyped path never deletes someone's data."""
    manifest = truth_dir / _MANIFEST
    if manifest.exists() and inbox.exists():
        for p in pl.read_parquet(manifest)["source_file"].to_list():
            (inbox / p).unlink(missing_ok=True)
        for d in sorted((p for p in inbox.rglob("*") if p.is_dir()), reverse=True):
            if not any(d.iterdir()):
                d.rmdir()
    if inbox.exists() and any(inbox.iterdir()):
        raise FileExistsError(f"inbox {inbox} is not empty and was not written by the simulator")
    for sub in ("expected", "world"):
        shutil.rmtree(truth_dir / sub, ignore_errors=True)


def generate(
    inbox: Path, truth_dir: Path, scale: str = "small", seed: int = 42, workers: int = 2
) -> GenerateReport:
    t0 = time.perf_counter()
    inbox, truth_dir = Path(inbox), Path(truth_dir)
    sc = get_scale(scale)
    _clear_previous(inbox, truth_dir)
    inbox.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)

    world = simulate(sc, seed)
    plan = build_plan(world, seed, xls=xls_available())
    jobs = [(str(inbox), fp) for fp in plan.files]
    # biggest first, so a long file never starts last
    jobs.sort(key=lambda j: -sum(s.frame.height for s in j[1].sheets if s.frame is not None))
    results: dict[str, FileResult] = {}
    if workers > 1:
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            for res in ex.map(run_file_job_star, jobs, chunksize=1):
                results[res.path] = res
    else:
        for job in jobs:
            res = run_file_job(*job)
            results[res.path] = res

    n_files, n_rows = write_expected(plan, results, truth_dir / "expected")
    write_world(world, plan, truth_dir / "world")
    users = pl.read_parquet(truth_dir / "world" / "users.parquet").height
    return GenerateReport(
        files_written=n_files,
        data_rows=n_rows,
        days=sc.days,
        users=users,
        scale=sc.name,
        seconds=round(time.perf_counter() - t0, 2),
    )

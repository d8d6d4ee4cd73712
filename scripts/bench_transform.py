"""Benchmark: `dbt build` at the `large` scale, full and incremental, in bounded memory.

The lake is written straight from the simulator's resolved world (365 days,
~30,000 top-ups a day), not through workbooks: this benchmark measures dbt, and
writing and reading a year of xlsx would only slow it down. The last day is held
back. Then, in one run, with the memory limits every dbt run has
(settings.paths.memory_limit, chosen by livelake.dbt_runner: a build from scratch's,
LIVELAKE_DUCKDB_MEMORY_LIMIT, and an incremental run's,
LIVELAKE_DUCKDB_INCREMENTAL_MEMORY_LIMIT; spilling under the data dir):

1. full build: `dbt build --full-refresh` (models and every data test; unit tests
   left out, as `livelake build` runs it: livelake.dbt_runner.DAILY_BUILD) on
   days 1..N-1, from no warehouse; the models alone
   (`dbt run --full-refresh`) and the same full build without the memory limit
   (DuckDB's own default, 80% of RAM) are measured too, each from no warehouse;
2. one new day: day N lands in the lake (one committed run), then `dbt build`;
3. one corrected old day: a re-export of day N-30 (day 1 in a short world; later
   exported_at, refunds, moved orders, level and engagement changes) lands, then
   `dbt build`.

For BigQuery, each incremental phase is also priced the way `livelake build --target
prod --dry-run` estimates (livelake.cost.daily_scan: each model's prod config and
strategy, the lake's parts of the phase's run, the sizes of the warehouse's tables
after the phase), against the targets of at most 5 GB a new day and 10 GB a
corrected one.

An incremental phase is short and this machine is shared, so it is measured
--repeats times from the same starting warehouse (restored from a copy flushed to
disk), `dbt run` (the models alone) and `dbt build` each time, and the medians
count; each full measurement runs once, with its own dbt work dir (a fresh parse,
as on a fresh clone). A measurement's peak RSS is that of its own process tree (the
dbt process and any children), sampled from /proc: the benchmark itself simulates
the world in a child process and stays small, and a child's rusage would report
the memory of the process it was forked from.

The simulated lake is cached under <bench>/transform-lake-<scale>-<seed>/ as three
hard-linked snapshots (base days; plus day N; plus the correction), so a rerun skips
the simulation. Figures and targets (met / not met) go to <bench>/transform.json,
each run's dbt output and run_results to <bench>/transform-<scale>/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from lake.atomic import flush
from livelake.cost import (
    daily_scan,
    lake_parts,
    partitioned_models,
    read_columns,
    warehouse_bytes,
)
from livelake.dbt_runner import DAILY_BUILD, REPO_ROOT, dbt_invocation
from settings.paths import MEMORY_LIMIT_VARIABLE, Paths, memory_limit

# Bumped when what the cached lake holds changes; the cache also records a digest of
# the code that writes it (the simulator, the lake's writer), so a new layout rewrites it.
CACHE_FORMAT = 3
WRITER_CODE = ("simulator", "lake", "ingest/contracts.py", "ingest/files.py")
SNAPSHOTS = ("base", "new_day", "correction")
SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    unit: str  # "share" or "GB"; every target is value <= limit (< for memory)

    @property
    def met(self) -> bool:
        return self.value < self.limit if self.unit == "GB" else self.value <= self.limit

    def shown(self, number: float) -> str:
        return f"{number:.1%}" if self.unit == "share" else f"{number:.2f} GB"


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_gb: float


# -- the simulated lake ------------------------------------------------------------


def _simulate(cache: str, scale: str, seed: int) -> None:
    """In a child process (the large world takes many GB, which the benchmark must
    not hold while dbt runs): write the lake one committed run at a time and keep a
    hard-linked snapshot after the base days, after day N and after the correction."""
    from ingest.contracts import DOMAINS
    from simulator.direct_lake import report_days, resolved_world, write_correction, write_days

    root = Path(cache)
    world = resolved_world(scale, seed)
    days = report_days(world)
    corrected_day = days[max(0, len(days) - 31)]
    work = root / "work"
    write_days(work, world, days[:-1])
    _link_tree(work, root / "base")
    write_days(work, world, days[-1:])
    _link_tree(work, root / "new_day")
    write_correction(work, world, corrected_day)
    _link_tree(work, root / "correction")
    shutil.rmtree(work)
    meta = {
        "format": CACHE_FORMAT,
        "writer": writer_digest(),
        "days": len(days),
        "lake_rows": sum(world[d.table].height for d in DOMAINS),
        "corrected_day": str(corrected_day),
    }
    (root / "lake.json").write_text(json.dumps(meta) + "\n")


def writer_digest() -> str:
    """sha256 of the code that writes the cached lake."""
    digest = hashlib.sha256()
    for name in WRITER_CODE:
        root = REPO_ROOT / name
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def cached_lake(cache: Path, scale: str, seed: int) -> dict:
    marker = cache / "lake.json"
    if marker.exists():
        meta = json.loads(marker.read_text())
        if meta.get("format") == CACHE_FORMAT and meta.get("writer") == writer_digest():
            return meta
    shutil.rmtree(cache, ignore_errors=True)
    print(f"simulating the {scale} world (a child process) ...", flush=True)
    child = multiprocessing.get_context("spawn").Process(
        target=_simulate, args=(str(cache), scale, seed)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"simulating the {scale} world failed (exit {child.exitcode})")
    return json.loads(marker.read_text())


def _link_tree(source: Path, target: Path) -> None:
    """Make `target` hold every file of `source`, hard-linked. A file already there
    as the same inode is kept; one that differs (a counter the writer replaced by a
    rename) is replaced atomically. Writers only ever add files or rename over them,
    so a link never sees a later write."""
    for folder, _, names in os.walk(source):
        into = target / Path(folder).relative_to(source)
        into.mkdir(parents=True, exist_ok=True)
        for name in names:
            src, dst = Path(folder) / name, into / name
            if dst.exists() and os.path.samefile(src, dst):
                continue
            tmp = into / f".link-{name}"
            tmp.unlink(missing_ok=True)
            os.link(src, tmp)
            tmp.replace(dst)


# -- measuring one dbt process -----------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _status_kb(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM (the process's own peak since its exec) of `pid`, in kB."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


class TreePeak:
    """The peak RSS of one process and its descendants, sampled while it runs: the
    largest sum of the tree's resident sets, or one process's own high-water mark."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            tree, pids, total = _children(), [self.pid], 0
            while pids:
                pid = pids.pop()
                rss, hwm = _status_kb(pid)
                total += rss
                self.peak_kb = max(self.peak_kb, hwm)
                pids.extend(tree.get(pid, []))
            self.peak_kb = max(self.peak_kb, total)
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024**2


def measure(
    data_dir: Path, work_dir: Path, label: str, args: list[str], env_extra: dict[str, str]
) -> Measured:
    """Run `dbt <args>` as livelake.dbt_runner does; its wall seconds and the peak RSS
    of its process tree. Its output and run_results.json are kept under `label`."""
    command, env = dbt_invocation(args, data_dir=data_dir, work_dir=work_dir)
    env.update(env_extra)
    log = data_dir / f"dbt-{label}.out"
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=out, stderr=out)
        peak = TreePeak(process.pid)
        code = process.wait()
        elapsed = time.perf_counter() - started
        peak_gb = peak.stop()
    if code != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise SystemExit(f"dbt {' '.join(args)} ({label}) failed with exit code {code}:\n{tail}")
    shutil.copy(work_dir / "target" / "run_results.json", data_dir / f"run_results_{label}.json")
    print(f"  {label:<26} {elapsed:7.1f}s  peak RSS {peak_gb:5.2f} GB", flush=True)
    return Measured(elapsed, peak_gb)


def copy_to_disk(source: Path, target: Path) -> None:
    """Copy a warehouse file and flush it: a copy still in the page cache would be
    written back during the next timed run (and its first checkpoint would wait
    for the whole file)."""
    shutil.copyfile(source, target)
    flush(target)


def drop_warehouse(paths: Paths) -> None:
    for leftover in (paths.warehouse, paths.warehouse.with_name(f"{paths.warehouse.name}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(paths.spill, ignore_errors=True)


def duckdb_default_limit() -> str:
    """What DuckDB takes when no memory_limit is set: 80% of physical memory."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{int(total * 0.8 / 1e6)}MB"


# -- the benchmark -----------------------------------------------------------------


def prod_manifest(work_dir: Path, data_dir: Path) -> dict:
    """`dbt parse --target prod` (offline: no credentials, no network): the prod configs."""
    command, env = dbt_invocation(["parse"], data_dir=data_dir, target="prod", work_dir=work_dir)
    env = env | {"LIVELAKE_GCP_PROJECT": os.environ.get("LIVELAKE_GCP_PROJECT", "bench-estimate")}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    return json.loads((work_dir / "target" / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each incremental phase (medians count)"
    )
    parser.add_argument(
        "--skip-unbounded",
        action="store_true",
        help="no full build without the memory limit (its target is then not measured)",
    )
    options = parser.parse_args()

    paths = Paths.from_env()
    cache = paths.bench / f"transform-lake-{options.scale}-{options.seed}"
    meta = cached_lake(cache, options.scale, options.seed)
    data_dir = paths.bench / f"transform-{options.scale}"
    shutil.rmtree(data_dir, ignore_errors=True)
    bench = Paths(data_dir)
    _link_tree(cache / "base", bench.lake)
    limit, incremental_limit = memory_limit(), memory_limit(incremental=True)
    unbounded = duckdb_default_limit()
    bounded_env: dict[str, str] = {}  # the limits livelake.dbt_runner gives each run
    print(
        f"lake linked from the cache: {meta['days'] - 1} days; memory_limit {limit}, "
        f"{incremental_limit} incremental"
        + ("" if options.skip_unbounded else f" ({unbounded}, DuckDB's default, once)"),
        flush=True,
    )

    full: dict[str, Measured] = {}
    incremental: dict[str, dict[str, list[Measured]]] = {}
    done: dict[str, Measured] = {}  # every measurement so far, for a failed run's record
    scans: dict[str, list] = {}  # phase: the prod models' estimated scans (livelake.cost)
    scanned: dict[str, int] = {}
    consumed: set[int] = set()

    def measured(label: str, work_dir: Path, args: list[str], env: dict[str, str]) -> Measured:
        done[label] = measure(data_dir, work_dir, label, args, env)
        return done[label]

    try:
        full_build = [*DAILY_BUILD, "--full-refresh"]  # as `livelake build --full-refresh`
        full_runs = [
            ("full_models", ["run", "--full-refresh"], bounded_env),
            ("full_unbounded", full_build, {MEMORY_LIMIT_VARIABLE: unbounded}),
            ("full", full_build, bounded_env),  # its warehouse goes on
        ]
        if options.skip_unbounded:
            del full_runs[1]
        for label, args, env in full_runs:
            drop_warehouse(bench)
            work_dir = data_dir / "work" / label
            full[label] = measured(label, work_dir, args, env)
        daily_work = data_dir / "work" / "full"  # a daily run has its partial parse

        prod = prod_manifest(data_dir / "work" / "prod-parse", data_dir)
        snapshot = data_dir / "warehouse.before-phase.duckdb"
        for phase, delivery in (("new_day", "new_day"), ("corrected_day", "correction")):
            consumed = (
                {p.run_id for p in lake_parts(bench.lake)} if phase == "new_day" else consumed
            )
            _link_tree(cache / delivery, bench.lake)
            copy_to_disk(bench.warehouse, snapshot)
            runs: dict[str, list[Measured]] = {"models": [], "build": []}
            for repeat in range(max(1, options.repeats)):
                for kind, command in (("models", ["run"]), ("build", list(DAILY_BUILD))):
                    if repeat or kind == "build":
                        copy_to_disk(snapshot, bench.warehouse)
                    label = f"{phase}_{kind}_{repeat + 1}"
                    runs[kind].append(measured(label, daily_work, command, bounded_env))
            incremental[phase] = runs
            parts = lake_parts(bench.lake)
            new_runs = {p.run_id for p in parts} - consumed
            consumed |= new_runs
            sizes = warehouse_bytes(bench.warehouse, partitioned_models(prod))
            dev = json.loads((daily_work / "target" / "manifest.json").read_text())
            planned = read_columns(bench.warehouse, dev)  # the columns each model reads
            scans[phase] = sorted(
                daily_scan(prod, sizes, parts, new_runs, planned), key=lambda scan: -scan.total
            )
            scanned[phase] = sum(scan.total for scan in scans[phase])
    except SystemExit as failure:
        paths.bench.mkdir(parents=True, exist_ok=True)
        record = {
            "benchmark": "transform",
            "scale": options.scale,
            "failed": str(failure),
            "measured": {label: asdict(m) for label, m in done.items()},
        }
        (paths.bench / "transform.json").write_text(json.dumps(record, indent=2) + "\n")
        raise
    snapshot.unlink(missing_ok=True)

    def median(phase: str, kind: str) -> float:
        return statistics.median(m.seconds for m in incremental[phase][kind])

    def peak(phase: str) -> float:
        return max(m.peak_rss_gb for kind in ("models", "build") for m in incremental[phase][kind])

    labels = {"new_day": "one new day", "corrected_day": f"corrected {meta['corrected_day']}"}
    # (incremental kind, full phase it is a share of, what it says, the target share per phase)
    shares = (
        ("build", "full", "dbt build / full dbt build", {"new_day": 0.08, "corrected_day": 0.10}),
    )
    # The models alone cannot take longer than the models and their tests: a full run
    # measured slower than the full build was disturbed (a shared machine), so the
    # models' share is taken of the smaller of the two, the conservative figure.
    disturbed = full["full_models"].seconds > full["full"].seconds
    whole_seconds = {
        "full": full["full"].seconds,
        "full_models": min(full["full_models"].seconds, full["full"].seconds),
    }
    targets = [
        *(
            Target(
                f"{labels[p]}: {what}", median(p, kind) / whole_seconds[whole], share[p], "share"
            )
            for kind, whole, what, share in shares
            for p in incremental
        ),
        Target(
            "full build peak RSS",
            max(full["full"].peak_rss_gb, full["full_models"].peak_rss_gb),
            6.0,
            "GB",
        ),
        *(Target(f"{labels[p]}: peak RSS", peak(p), 2.0, "GB") for p in incremental),
        *(
            Target(f"{labels[p]}: BigQuery scan (estimate)", scanned[p] / 1e9, limit, "GB")
            for p, limit in (("new_day", 5.0), ("corrected_day", 10.0))
            if p in scanned
        ),
    ]
    slowdown = "full build with the limit / without"
    if "full_unbounded" in full:
        ratio = full["full"].seconds / full["full_unbounded"].seconds
        targets.append(Target(slowdown, ratio, 1.10, "share"))
    load_end = " ".join(f"{n:.1f}" for n in os.getloadavg())
    result = {
        "benchmark": "transform",
        "load_average_at_end": load_end,
        "scale": options.scale,
        "days": meta["days"],
        "lake_rows": meta["lake_rows"],
        "corrected_day": meta["corrected_day"],
        "cores": os.cpu_count(),
        "memory_limit": limit,
        "incremental_memory_limit": incremental_limit,
        "unbounded_memory_limit": unbounded,
        "full": {label: asdict(m) for label, m in full.items()},
        "incremental": {
            phase: {
                "build_seconds": median(phase, "build"),
                "models_seconds": median(phase, "models"),
                "peak_rss_gb": peak(phase),
                "each": {kind: [asdict(m) for m in ms] for kind, ms in runs.items()},
            }
            for phase, runs in incremental.items()
        },
        "bigquery_scan_bytes": {
            phase: {scan.model: asdict(scan) | {"total": scan.total} for scan in phase_scans}
            for phase, phase_scans in scans.items()
        },
        "targets": [{**asdict(t), "met": t.met} for t in targets],
        "not_measured": [] if "full_unbounded" in full else [slowdown],
        "disturbed": disturbed,
        "met": all(t.met for t in targets) and "full_unbounded" in full,
    }
    paths.bench.mkdir(parents=True, exist_ok=True)
    (paths.bench / "transform.json").write_text(json.dumps(result, indent=2) + "\n")

    rows = meta["lake_rows"]
    print(f"\ntransform benchmark: {options.scale} world, {meta['days']} days, {rows:,} lake rows")
    print(
        f"memory_limit {limit}, {incremental_limit} incremental; {os.cpu_count()} cores; "
        f"load average at the end {load_end}"
    )
    print(f"{'phase':<30} {'dbt build':>10} {'models':>9} {'peak RSS':>9}")
    print(
        f"{'full (--full-refresh)':<30} {full['full'].seconds:9.1f}s "
        f"{full['full_models'].seconds:8.1f}s "
        f"{max(full['full'].peak_rss_gb, full['full_models'].peak_rss_gb):6.2f} GB"
    )
    if "full_unbounded" in full:
        print(
            f"{'full, no memory limit':<30} {full['full_unbounded'].seconds:9.1f}s {'':>9} "
            f"{full['full_unbounded'].peak_rss_gb:6.2f} GB"
        )
    for phase in incremental:
        print(
            f"{labels[phase]:<30} {median(phase, 'build'):9.1f}s "
            f"{median(phase, 'models'):8.1f}s {peak(phase):6.2f} GB"
        )
    if disturbed:
        print(
            "the full models-only run took longer than the full build: the machine was not "
            "quiet; the models' shares are of the full build's time (conservative)"
        )
    print("incremental seconds, each repeat (the medians count):")
    for phase, runs in incremental.items():
        each = "; ".join(
            f"{kind} " + " / ".join(f"{m.seconds:.1f}" for m in ms) for kind, ms in runs.items()
        )
        print(f"  {labels[phase]}: {each}")
    for phase, phase_scans in scans.items():
        whole = sum(scan.whole_total for scan in phase_scans) / 1e9
        print(
            f"BigQuery, {labels[phase]}: {scanned[phase] / 1e9:.2f} GB estimated "
            f"(whole rows {whole:.2f} GB); the largest:"
        )
        for scan in phase_scans[:8]:
            print(
                f"  {scan.model:<44} {scan.strategy:<17} read {scan.read_bytes / 1e9:6.2f} GB"
                f"  own table {scan.target_bytes / 1e9:6.2f} GB"
                f"  (whole rows {scan.whole_total / 1e9:6.2f} GB)"
            )
    print("targets:")
    for target in targets:
        comparison = "<" if target.unit == "GB" else "<="
        print(
            f"  {target.name:<52} {target.shown(target.value):>9} "
            f"{comparison} {target.shown(target.limit):<9} "
            f"{'met' if target.met else 'NOT MET'}"
        )
    if "full_unbounded" not in full:
        print(f"  {slowdown:<52} not measured (--skip-unbounded)")
    print(f"figures written to {paths.bench / 'transform.json'}")


if __name__ == "__main__":
    main()

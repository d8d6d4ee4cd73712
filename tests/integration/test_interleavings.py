"""Ingests and builds interleaved, with real processes: nothing a build reads depends on
timing (docs/lake.md).

Each test runs `livelake` commands in its own data dir over the simulator's small
world (generated once per session; every test links its files into its own inbox):
an ingest of the first half of the workbooks and a build, then an ingest of the rest
that is paused (SIGSTOP on its process group) or killed (SIGKILL) at a chosen
moment while `livelake build` runs. Every build must pass, and the warehouse must
equal a from-scratch `livelake build --full-refresh` of the committed lake (its
records' parts, copied into another data dir) in every model's rows. A killed run
leaves nothing a build can see: none of its run_id and none of its files' rows.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from lake.lock import EXIT_BUSY, warehouse_lock_path
from lake.runs import RUNS, committed_runs
from simulator.generate import GenerateReport
from tests.transform.test_incremental import SCHEMAS, assert_same, materialised_tables

pytestmark = pytest.mark.xdist_group("interleavings")

LIVELAKE = str(Path(sys.executable).with_name("livelake"))
INGESTED = (0, 3)  # loaded; loaded with some file rejected (the world has bad files)
POLL_SECONDS = 0.001
PART = re.compile(r"part-(\d{12})-\d+\.parquet")


# -- running livelake --------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LIVELAKE_DATA_DIR": str(data_dir),
        # A paused reader must not be timed out for the pause.
        "LIVELAKE_INGEST_FILE_TIMEOUT_S": "3600",
        "COLUMNS": "200",
    }


def livelake(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LIVELAKE, *args], env=_env(data_dir), capture_output=True, text=True, timeout=900
    )


def start(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """`livelake <args>` in its own process group (the ingest and its workers)."""
    return subprocess.Popen(
        [LIVELAKE, *args],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def build_passes(data_dir: Path, *args: str) -> None:
    done = livelake(data_dir, "build", *args)
    assert done.returncode == 0, f"build {args} failed:\n{done.stdout[-6000:]}\n{done.stderr}"


def ingest_passes(data_dir: Path) -> None:
    done = livelake(data_dir, "ingest", "--workers", "1")
    assert done.returncode in INGESTED, f"ingest failed:\n{done.stdout[-4000:]}\n{done.stderr}"


def wait_for(what: str, condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll until `condition` holds; fail if `process` ends first."""
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(
                f"{process.args[1:]} ended (exit {process.returncode}) before {what}:\n{err}"
            )
        time.sleep(POLL_SECONDS)


# -- the lake and the warehouse ----------------------------------------------------


def record_count(lake: Path) -> int:
    return len(list((lake / RUNS).glob("run-*.json")))


def uncommitted_parts(lake: Path) -> list[Path]:
    """Parts in place that no commit record lists: a run still writing, or killed."""
    listed = {p.path for run in committed_runs(lake) for p in run.parts}
    return [
        path
        for path in lake.rglob("part-*.parquet")
        if path.relative_to(lake).as_posix() not in listed
    ]


def committed_copy(data_dir: Path, into: Path) -> Path:
    """A data dir whose lake holds exactly the committed lake of `data_dir`: every
    commit record and the parts they list, nothing else."""
    lake, target = data_dir / "lake", into / "lake"
    (target / RUNS).mkdir(parents=True)
    for record in (lake / RUNS).glob("run-*.json"):
        shutil.copy2(record, target / RUNS / record.name)
    for run in committed_runs(lake):
        for part in run.parts:
            (target / part.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(lake / part.path, target / part.path)
    return into


def assert_equals_from_scratch(data_dir: Path, scratch: Path, step: str) -> None:
    build_passes(committed_copy(data_dir, scratch), "--full-refresh")
    assert_same(materialised_tables(data_dir), materialised_tables(scratch), step)


def model_values(data_dir: Path, column_pattern: str) -> set:
    """Every value of every column whose name matches `column_pattern`, in every
    table and view of the project's schemas."""
    values: set = set()
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in ({', '.join(repr(s) for s in SCHEMAS)}) "
            "and regexp_matches(column_name, ?)",
            [column_pattern],
        ).fetchall()
        for schema, table, column in columns:
            rows = con.execute(f'select distinct "{column}" from {schema}."{table}"').fetchall()
            values.update(row[0] for row in rows)
    return values


# -- the world ---------------------------------------------------------------------


@pytest.fixture
def halves(
    small_world: tuple[Path, GenerateReport], tmp_path: Path
) -> tuple[Path, Callable[[], list[str]]]:
    """A data dir whose inbox links the first half of the small world's workbooks, and
    a function that links the rest (returning their inbox paths)."""
    inbox = small_world[0] / "inbox"
    files = sorted(p.relative_to(inbox) for p in inbox.rglob("*") if p.is_file())
    first, rest = files[: len(files) // 2], files[len(files) // 2 :]
    data_dir = tmp_path / "data"

    def link(names: list[Path]) -> list[str]:
        for name in names:
            (data_dir / "inbox" / name).parent.mkdir(parents=True, exist_ok=True)
            (data_dir / "inbox" / name).symlink_to(inbox / name)
        return [name.as_posix() for name in names]

    link(first)
    return data_dir, lambda: link(rest)


def _first_half_built(data_dir: Path) -> None:
    ingest_passes(data_dir)
    build_passes(data_dir)


# -- the tests ---------------------------------------------------------------------


def test_a_build_while_an_ingest_is_paused_at_every_moment(halves, tmp_path: Path) -> None:
    """A build racing an ingest: an ingest paused before it commits anything, mid-run
    (parts in place, no record) and after its record appears but before it exits;
    a build at each pause passes, and after it finishes the next build equals a
    from-scratch build."""
    data_dir, link_rest = halves
    lake = data_dir / "lake"
    _first_half_built(data_dir)
    records = record_count(lake)
    link_rest()

    ingest = start(data_dir, "ingest", "--workers", "1")
    moments: list[tuple[str, Callable[[], bool]]] = [
        (
            "it holds the lake's lock",
            lambda: f"pid {ingest.pid}," in (lake / ".lock").read_text(errors="replace"),
        ),
        ("it has parts in place", lambda: bool(uncommitted_parts(lake))),
        ("its record appears", lambda: record_count(lake) > records),
    ]
    try:
        for moment, reached in moments:
            wait_for(moment, reached, ingest)
            os.killpg(ingest.pid, signal.SIGSTOP)
            assert ingest.poll() is None, f"the ingest exited before the pause at: {moment}"
            if moment != "its record appears":
                assert record_count(lake) == records, moment
            build_passes(data_dir)
            os.killpg(ingest.pid, signal.SIGCONT)
        _, err = ingest.communicate(timeout=600)
    finally:
        if ingest.poll() is None:
            os.killpg(ingest.pid, signal.SIGKILL)
    assert ingest.returncode in INGESTED, err
    assert record_count(lake) == records + 1

    build_passes(data_dir)
    assert_equals_from_scratch(data_dir, tmp_path / "scratch", "after the paused ingest")


def test_a_killed_ingest_leaves_nothing_a_build_sees(halves, tmp_path: Path) -> None:
    """kill -9 mid-run, build before the next ingest: none of the killed run's rows
    reach a model; then the next ingest and build are green and complete."""
    data_dir, link_rest = halves
    lake = data_dir / "lake"
    _first_half_built(data_dir)
    records = record_count(lake)
    rest = link_rest()

    ingest = start(data_dir, "ingest", "--workers", "1")
    try:
        wait_for("it has parts in place", lambda: bool(uncommitted_parts(lake)), ingest)
    finally:
        os.killpg(ingest.pid, signal.SIGKILL)
        ingest.communicate()
    assert record_count(lake) == records, "the ingest committed before it was killed"
    killed = {int(PART.fullmatch(p.name)[1]) for p in uncommitted_parts(lake)}
    assert len(killed) == 1, killed
    (killed_run,) = killed
    assert killed_run > max(run.run_id for run in committed_runs(lake))

    build_passes(data_dir)
    assert killed_run not in model_values(data_dir, "run_id$")
    assert not model_values(data_dir, "^source_file$") & set(rest)
    assert_equals_from_scratch(data_dir, tmp_path / "scratch-killed", "after the kill")

    ingest_passes(data_dir)
    assert record_count(lake) == records + 1
    assert not uncommitted_parts(lake)  # the next run swept the killed one's parts
    build_passes(data_dir)
    assert killed_run not in model_values(data_dir, "run_id$")
    assert model_values(data_dir, "^source_file$") & set(rest)
    assert_equals_from_scratch(data_dir, tmp_path / "scratch-next", "after the next ingest")


def test_two_builds_at_once(halves, tmp_path: Path) -> None:
    """A second build is refused with who holds the warehouse (exit 4), a third waits
    with --wait; neither corrupts the warehouse."""
    data_dir, link_rest = halves
    _first_half_built(data_dir)
    link_rest()
    ingest_passes(data_dir)

    lock = warehouse_lock_path(data_dir / "warehouse.duckdb")
    first = start(data_dir, "build")
    waiting: subprocess.Popen[str] | None = None
    try:
        wait_for(
            "the build holds the warehouse",
            lambda: lock.exists() and f"pid {first.pid}, build" in lock.read_text(),
            first,
        )
        second = livelake(data_dir, "build")
        waiting = start(data_dir, "build", "--wait")
        out, err = first.communicate(timeout=900)
        assert first.returncode == 0, f"{out[-6000:]}\n{err}"
        waited_out, waited_err = waiting.communicate(timeout=900)
    finally:
        for process in (first, waiting):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert second.returncode == EXIT_BUSY, second.stderr
    message = " ".join(second.stderr.split())
    assert "another build, publish or compaction is using" in message
    assert f"pid {first.pid}, build" in message and "pass --wait" in message
    assert waiting is not None and waiting.returncode == 0, f"{waited_out[-6000:]}\n{waited_err}"

    build_passes(data_dir)
    assert_equals_from_scratch(data_dir, tmp_path / "scratch", "after two builds at once")

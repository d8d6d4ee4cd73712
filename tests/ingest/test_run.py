"""Run-level promises: idempotency, duplicates, the ledger, the lock, crash safety."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.contracts import lake_schema
from ingest.run import EXIT_BUSY
from lake.lock import LakeBusyError, lake_lock
from lake.runs import EarlierLayoutError, committed_runs
from tests.conftest import ingest, lake_table, side_table
from tests.ingest.xlsx import SheetSpec, top_up_rows, write_workbook

TABLE_FILES = "*/dt=*/*.parquet"


def _bulk_inbox(inbox: Path, files: int, rows: int) -> None:
    """Many top-up workbooks, a bad row and a footer in each: enough work to kill mid-run."""
    for f in range(files):
        day = dt.date(2025, 3, 1) + dt.timedelta(days=f % 20)
        body = [
            [
                f"{f:03d}-{i:05d}",
                str(1000 + i % 97),
                dt.datetime.combine(day, dt.time(i % 24)),
                10 + i % 50,
                "Success",
            ]
            for i in range(rows)
        ]
        body[5][3] = "oops"  # one quarantined row per file
        write_workbook(
            inbox / f"batch{f // 10}" / f"TopUp_{f:03d}.xlsx",
            SheetSpec(
                "s",
                [
                    ["Top-up report"],
                    [f"Exported at: 2025-03-{f % 20 + 2:02d} 09:00:00"],
                    [],
                    *top_up_rows(*body),
                    ["Total"],
                ],
            ),
        )


def _snapshot(lake: Path) -> dict[str, object]:
    """Everything a reader can see in the lake, minus the run's id and timestamp: the
    committed parts (folder and rows; their names carry the run id), which are all the
    parts on disk, and the rows of every table."""
    listed = [p for run in committed_runs(lake) for p in run.parts]
    on_disk = sorted(p.relative_to(lake).as_posix() for p in lake.glob("**/*.parquet"))
    assert sorted(p.path for p in listed) == on_disk  # nothing unlisted is left behind
    visible = sorted((p.path.rsplit("/", 1)[0], p.rows) for p in listed)
    tables = {}
    for kind in ("top_up", "_quarantine", "_rejected"):
        files = list((lake / kind).glob("**/*.parquet")) if (lake / kind).exists() else []
        if not files:
            continue
        frame = pl.concat([pl.read_parquet(p) for p in files], how="vertical")
        frame = frame.drop("ingested_at", "run_id").sort(
            frame.columns[:3] if kind != "_rejected" else ["source_file"]
        )
        tables[kind] = hashlib.sha256(frame.write_csv().encode()).hexdigest()
    manifest = pl.read_parquet(lake / "_manifest" / "*.parquet").drop("ingested_at", "run_id")
    tables["_manifest"] = hashlib.sha256(
        manifest.sort("file_sha256").write_csv().encode()
    ).hexdigest()
    return {"files": visible, "tables": tables}


@pytest.fixture(scope="module")
def bulk_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inbox = tmp_path_factory.mktemp("bulk") / "inbox"
    _bulk_inbox(inbox, files=24, rows=1500)
    return inbox


def _cli(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "LIVELAKE_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "livelake.cli", "ingest", "--json", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_second_run_changes_nothing(world: Path) -> None:
    _bulk_inbox(world / "inbox", files=4, rows=50)
    first = ingest(world, workers=2)
    before = _snapshot(world / "lake")
    second = ingest(world, workers=2)
    assert {f.status for f in first.files} == {"loaded"}
    assert {f.status for f in second.files} == {"already_ingested"}
    assert _snapshot(world / "lake") == before
    assert second.totals()["rows_loaded"] == 0


def test_same_file_dropped_twice_is_a_noop(world: Path) -> None:
    path = write_workbook(
        world / "inbox" / "TopUp_20250301.xlsx",
        SheetSpec("s", top_up_rows(["A1", "1", dt.datetime(2025, 3, 1), 5, "Success"])),
    )
    shutil.copy(path, world / "inbox" / "topup report (1).xlsx")
    report = ingest(world)
    assert {f.source_file: f.status for f in report.files} == {
        "TopUp_20250301.xlsx": "loaded",
        "topup report (1).xlsx": "duplicate",
    }
    assert lake_table(world, "top_up").height == 1


def test_ledger_every_row_read_is_loaded_or_quarantined(world: Path) -> None:
    _bulk_inbox(world / "inbox", files=3, rows=40)
    report = ingest(world)
    for f in report.files:
        r = f.result
        assert r.rows_read == r.rows_loaded + r.rows_quarantined == 40
        assert r.rows_quarantined == 1
    assert lake_table(world, "top_up").height == 3 * 39
    assert side_table(world, "_quarantine").height == 3


def test_a_second_run_is_refused_while_one_holds_the_lake(world: Path) -> None:
    write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec("s", top_up_rows(["A1", "1", dt.datetime(2025, 3, 1), 5, "Success"])),
    )
    with lake_lock(world / "lake"):
        with pytest.raises(LakeBusyError, match="another run is writing"):
            ingest(world)
        proc = _cli(world)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_BUSY
        assert "another run is writing" in stderr and "--wait" in stderr
    assert not (world / "lake" / "top_up").exists()
    assert ingest(world).files[0].status == "loaded"  # the lock is gone with its holder


def test_json_summary_for_machines(world: Path) -> None:
    _bulk_inbox(world / "inbox", files=2, rows=10)
    proc = _cli(world)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    summary = json.loads(stdout)
    assert summary["totals"]["rows_read"] == 20
    assert summary["totals"]["rows_loaded"] == 18
    assert summary["totals"]["rows_quarantined"] == 2
    assert [f["status"] for f in summary["files"]] == ["loaded", "loaded"]


def test_kill_9_at_any_moment_then_rerun_equals_a_clean_run(
    bulk_inbox: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean"
    (clean / "lake").mkdir(parents=True)
    os.symlink(bulk_inbox, clean / "inbox")
    started = time.monotonic()
    proc = _cli(clean)
    proc.communicate(timeout=300)
    clean_seconds = time.monotonic() - started
    assert proc.returncode == 0
    expected = _snapshot(clean / "lake")
    assert len(expected["files"]) > 20  # a part per day and side table: much to kill amid

    crashed = tmp_path / "crashed"
    (crashed / "lake").mkdir(parents=True)
    os.symlink(bulk_inbox, crashed / "inbox")
    kills = 0
    # Kill moments as shares of a clean run (the machine's speed varies). A killed run
    # commits nothing: the run is the unit of commit.
    for share in (0.2, 0.35, 0.5, 0.65, 0.8):
        delay = share * clean_seconds
        proc = _cli(crashed)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)  # a worker outliving its run would hang here
        # Every part on disk is whole, and every part a committed run lists is there.
        for part in (crashed / "lake").glob("**/*.parquet"):
            pl.read_parquet_schema(part)
        for run in committed_runs(crashed / "lake"):
            for listed in run.parts:
                assert (crashed / "lake" / listed.path).is_file()
    assert kills >= 2, "the run finished before it could be killed: make the inbox bigger"
    proc = _cli(crashed)
    proc.communicate(timeout=300)
    assert proc.returncode == 0
    assert not list((crashed / "lake").glob("**/.tmp-*"))
    assert _snapshot(crashed / "lake") == expected


def test_a_run_is_one_commit_and_every_row_names_it(world: Path) -> None:
    _bulk_inbox(world / "inbox", files=3, rows=20)
    first = ingest(world, workers=2)
    (record,) = committed_runs(world / "lake")
    assert record.run_id == first.run_id == 1
    assert sorted(f.source_file for f in record.files) == sorted(f.source_file for f in first.files)
    assert {f.status for f in record.files} == {"loaded"}
    on_disk = sorted(
        p.relative_to(world / "lake").as_posix() for p in (world / "lake").glob("**/*.parquet")
    )
    assert sorted(p.path for p in record.parts) == on_disk
    assert all(p.split("/")[-1].startswith("part-000000000001-") for p in on_disk)
    started = dt.datetime.fromisoformat(record.started_at)
    for frame in (
        lake_table(world, "top_up"),
        side_table(world, "_manifest"),
        side_table(world, "_quarantine"),
    ):
        assert frame["run_id"].dtype == pl.Int64
        assert set(frame["run_id"]) == {1}
        assert set(frame["ingested_at"]) == {started}
    # The parts hold exactly the schema the contract states, as DuckDB reads them.
    part = world / "lake" / next(p.path for p in record.parts if p.table == "top_up")
    with duckdb.connect() as con:
        described = con.sql(
            f"describe select * from read_parquet('{part}', hive_partitioning = false)"
        ).fetchall()
    assert {name: dtype.lower() for name, dtype, *_ in described} == lake_schema("top_up")
    again = ingest(world, workers=2)
    assert again.run_id == 2
    assert [r.run_id for r in committed_runs(world / "lake")] == [1]  # nothing new: no record


def test_an_earlier_layout_is_refused(world: Path) -> None:
    old = world / "lake" / "_manifest" / f"part-{'ab' * 32}.parquet"
    old.parent.mkdir(parents=True)
    pl.DataFrame({"file_sha256": ["ab" * 32]}).write_parquet(old)
    _bulk_inbox(world / "inbox", files=1, rows=10)
    with pytest.raises(EarlierLayoutError, match="livelake build --full-refresh"):
        ingest(world)
    assert sorted((world / "lake").rglob("*.parquet")) == [old]

"""One file never takes the others down, and never blocks the lake forever.

Each test writes the hostile workbook itself: a stray value or format far from the
data, a shared-strings table past the budget, a worker that really dies (a workbook
whose stale declared range would make calamine abort, or a hook of the tests,
tests/ingest/workerhook, that aborts, segfaults, SIGKILLs or spins inside a real
worker), and asserts what loads at which rows, what is reported,
the ledger, and that the next run neither crashes nor changes anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
import xlwt
from openpyxl.styles import Font

from ingest.jobs import FileJob
from ingest.pool import WorkersCannotStartError, run_batches
from ingest.readers.limits import BUDGET_ENV, TIMEOUT_ENV
from ingest.run import EXIT_OK, EXIT_REJECTED, RunReport
from lake.crashes import deaths, record_death
from lake.lock import lake_lock
from tests.conftest import ingest, lake_table, side_table
from tests.ingest.xlsx import SheetSpec, top_up_rows, write_workbook

T = dt.datetime


def _good(path: Path, order: str, hour: int = 9) -> Path:
    return write_workbook(
        path, SheetSpec("s", top_up_rows([order, "7", T(2025, 3, 1, hour), 5, "Success"]))
    )


def _stray_value(path: Path, order: str = "S1") -> Path:
    """A top-up sheet (rows 1-2) and a value typed by mistake at XFD1048576."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("s")
    for c, value in enumerate(["Order ID", "User ID", "Top-up Time", "Amount", "Status"]):
        sheet.write_string(0, c, value)
    for c, value in enumerate([order, "7", "2025-03-01 10:00:00", "5", "Success"]):
        sheet.write_string(1, c, value)
    sheet.write_string(1048575, 16383, "x")
    workbook.close()
    return path


def _by_name(report: RunReport) -> dict[str, object]:
    return {f.source_file: f for f in report.files}


def _lake_files(world: Path) -> list[str]:
    return sorted(p.relative_to(world).as_posix() for p in (world / "lake").rglob("*.parquet"))


def _ledger_holds(report: RunReport) -> None:
    for f in report.files:
        if f.result is not None:
            r = f.result
            assert r.rows_read == r.rows_loaded + r.rows_quarantined + r.rows_duplicate, f


def _lock_is_free(world: Path) -> None:
    with lake_lock(world / "lake"):
        pass


# --- stray cells -------------------------------------------------------------------------


def test_stray_value_at_xfd1048576_rejects_that_sheet_alone(world: Path) -> None:
    """Before: calamine asked for 512 GiB and aborted the process (exit 134), every run."""
    path = world / "inbox" / "stray.xlsx"
    _stray_value(path)
    # Its second sheet is fine and loads.
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:XFD1048576"/>' in archive.read("xl/worksheets/sheet1.xml")
    workbook = openpyxl.load_workbook(path)
    good = workbook.create_sheet("ok")
    for row in top_up_rows(["G1", "8", T(2025, 3, 2, 8), 12, "Success"]):
        good.append(row)
    workbook.save(path)
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    (f,) = report.files
    assert f.status == "partial"
    (message,) = f.result.messages
    assert "stray.xlsx [s]: rejected: sheet 's' was not read: its cells reach XFD1048576" in message
    assert "(1,048,576 rows x 16,384 columns = 17,179,869,184 cells)" in message
    assert BUDGET_ENV in message and "Ctrl+End" in message
    frame = lake_table(world, "top_up")
    assert frame.select("source_sheet", "source_row", "order_id").rows() == [("ok", 2, "G1")]
    _ledger_holds(report)
    before = _lake_files(world)
    assert ingest(world).files[0].status == "already_ingested"
    assert _lake_files(world) == before


def test_stray_format_far_away_reads_the_cells_that_exist(world: Path) -> None:
    """A format (no value) at XFD1048576 declares the whole sheet used; it loads."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "s"
    for row in top_up_rows(
        ["F1", "7", T(2025, 3, 1, 10), 5, "Success"], ["F2", "8", T(2025, 3, 1, 11), 6, "Failed"]
    ):
        sheet.append(row)
    sheet["XFD1048576"].font = Font(bold=True)
    workbook.save(world / "inbox" / "fmt.xlsx")
    with zipfile.ZipFile(world / "inbox" / "fmt.xlsx") as archive:
        assert b'ref="A1:XFD1048576"' in archive.read("xl/worksheets/sheet1.xml")
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    frame = lake_table(world, "top_up")
    assert frame.select("source_row", "order_id", "amount", "status").rows() == [
        (2, "F1", 5, "success"),
        (3, "F2", 6, "failed"),
    ]
    _ledger_holds(report)


def test_twenty_good_workbooks_and_one_stray_cell(world: Path) -> None:
    """One stray cell rejects its own workbook only: the 20 load, the one is reported, the
    next run is quiet."""
    for i in range(20):
        _good(world / "inbox" / f"good_{i:02d}.xlsx", f"G{i:02d}", hour=i)
    _stray_value(world / "inbox" / "stray.xlsx")
    report = ingest(world, workers=2)
    assert report.exit_code == EXIT_REJECTED
    statuses = {name: f.status for name, f in _by_name(report).items()}
    assert statuses == {
        **{f"good_{i:02d}.xlsx": "loaded" for i in range(20)},
        "stray.xlsx": "rejected",
    }
    assert "XFD1048576" in _by_name(report)["stray.xlsx"].result.messages[0]
    frame = lake_table(world, "top_up")
    assert frame["order_id"].to_list() == [f"G{i:02d}" for i in range(20)]
    assert set(frame["source_row"].to_list()) == {2}
    _ledger_holds(report)
    before = _lake_files(world)
    again = ingest(world, workers=2)
    assert again.exit_code == EXIT_OK
    assert {f.status for f in again.files} == {"already_ingested"}
    assert _lake_files(world) == before


# --- memory budget ------------------------------------------------------------------------


def test_shared_strings_past_the_budget_reject_the_file_naming_the_budget(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUDGET_ENV, "1")
    body = [[f"B{i:05d}-{'x' * 400}", "7", T(2025, 3, 1, 9), 5, "Success"] for i in range(4000)]
    write_workbook(world / "inbox" / "bomb.xlsx", SheetSpec("s", top_up_rows(*body)))
    _good(world / "inbox" / "small.xlsx", "OK1")
    size = (world / "inbox" / "bomb.xlsx").stat().st_size
    assert size < 1 << 20  # a small file that unpacks past the budget
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    files = _by_name(report)
    assert files["small.xlsx"].status == "loaded"
    assert files["bomb.xlsx"].status == "rejected"
    (message,) = files["bomb.xlsx"].result.messages
    assert re.search(
        r"it unpacks to [\d.]+ MB \(xl/sharedStrings.xml alone is [\d.]+ MB\)", message
    )
    assert f"more than the per-file budget of 1 MB ({BUDGET_ENV})" in message
    assert lake_table(world, "top_up")["order_id"].to_list() == ["OK1"]
    (rejected,) = side_table(world, "_rejected").rows(named=True)
    assert rejected["source_file"] == "bomb.xlsx" and BUDGET_ENV in rejected["reason"]


# --- a worker that dies ----------------------------------------------------------------


def _three_in_one_batch(world: Path) -> None:
    _good(world / "inbox" / "a.xlsx", "A1")
    _good(world / "inbox" / "crash.xlsx", "C1")
    _good(world / "inbox" / "z.xlsx", "Z1")


@pytest.mark.parametrize(
    ("how", "signal_name"), [("abort", "SIGABRT"), ("segv", "SIGSEGV"), ("kill", "SIGKILL")]
)
def test_a_worker_that_dies_is_retried_once_then_its_file_rejected_in_the_same_run(
    world: Path, crash_on: Callable[..., None], how: str, signal_name: str
) -> None:
    """An unattended run settles the file in one pass: exit 3, never exit 1."""
    _three_in_one_batch(world)
    crash_on("crash.xlsx", how)
    first = ingest(world)  # one worker, one batch: a.xlsx and z.xlsx read again after it
    assert first.exit_code == EXIT_REJECTED
    files = _by_name(first)
    assert (files["a.xlsx"].status, files["z.xlsx"].status) == ("loaded", "loaded")
    assert files["crash.xlsx"].status == "rejected"
    (message,) = files["crash.xlsx"].result.messages
    assert "crash.xlsx: rejected: the reader crashed on it 2 times" in message
    assert message.count(signal_name) == 2
    assert lake_table(world, "top_up")["order_id"].to_list() == ["A1", "Z1"]
    sha = files["crash.xlsx"].sha256
    assert [d.reason.split(" (")[0] for d in deaths(world / "lake", sha)] == [
        f"its worker was killed by {signal_name}"
    ] * 2
    manifest = side_table(world, "_manifest").filter(pl.col("file_sha256") == sha)
    assert manifest.select("source_file", "status", "rows_read").rows() == [
        ("crash.xlsx", "rejected", 0)
    ]
    assert json.loads(manifest["messages"][0]) == [message]
    (rejected,) = side_table(world, "_rejected").rows(named=True)
    assert (rejected["source_file"], rejected["file_sha256"]) == ("crash.xlsx", sha)
    _lock_is_free(world)

    before = _lake_files(world)
    again = ingest(world)  # the hook is still armed: the file is never read again
    assert again.exit_code == EXIT_OK
    assert {f.status for f in again.files} == {"already_ingested"}
    assert _lake_files(world) == before


def test_a_worker_that_dies_once_reads_the_file_again_in_the_same_run(
    world: Path, crash_on: Callable[..., None]
) -> None:
    """A death that was the machine's, not the file's: read again, it loads."""
    _three_in_one_batch(world)
    crash_on("crash.xlsx", "once")
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    assert {f.status for f in report.files} == {"loaded"}
    sha = _by_name(report)["crash.xlsx"].sha256
    assert [d.reason for d in deaths(world / "lake", sha)] == ["its worker was killed by SIGABRT"]
    assert lake_table(world, "top_up")["order_id"].to_list() == ["A1", "C1", "Z1"]


def _lying_dimension(path: Path) -> Path:
    """The stray-value workbook with its dimension rewritten to A1:E2 (not updated
    after the stray value was typed): calamine trusts it, and aborts."""
    _stray_value(path, order="L1")
    return _rewrite_dimension(path, b'ref="A1:XFD1048576"', b'ref="A1:E2"')


def _rewrite_dimension(path: Path, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert old in parts[sheet]
    parts[sheet] = parts[sheet].replace(old, new)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_stale_declared_range_is_rejected_in_the_first_run_naming_the_cell(
    world: Path,
) -> None:
    """Before: calamine aborted the worker (the run exited 1), and only the next run
    rejected the file. The pre-check reads the cell references present, not only the
    declared range."""
    _good(world / "inbox" / "a.xlsx", "A1")
    _lying_dimension(world / "inbox" / "liar.xlsx")
    first = ingest(world)
    files = _by_name(first)
    assert first.exit_code == EXIT_REJECTED
    assert files["a.xlsx"].status == "loaded"
    assert files["liar.xlsx"].status == "rejected"
    (message,) = files["liar.xlsx"].result.messages
    assert "liar.xlsx [s]: rejected: sheet 's' was not read: its cells reach XFD1048576" in message
    assert not (world / "lake" / "_crashes").exists()  # no worker died
    again = ingest(world)
    assert again.exit_code == EXIT_OK
    assert {f.status for f in again.files} == {"already_ingested"}
    assert lake_table(world, "top_up")["order_id"].to_list() == ["A1"]


def test_a_stale_declared_range_with_a_near_cell_loads(world: Path) -> None:
    """A cell just past a stale declared range (J5 beyond A1:E2) is within the budget:
    the check reads how far the cells really reach and leaves the sheet to calamine."""
    path = world / "inbox" / "near.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("s")
    for c, value in enumerate(["Order ID", "User ID", "Top-up Time", "Amount", "Status"]):
        sheet.write_string(0, c, value)
    for c, value in enumerate(["N1", "7", "2025-03-01 10:00:00", "5", "Success"]):
        sheet.write_string(1, c, value)
    sheet.write_string(4, 9, "x")
    workbook.close()
    _rewrite_dimension(path, b'ref="A1:J5"', b'ref="A1:E2"')
    report = ingest(world)
    (f,) = report.files
    assert f.status != "rejected", f.result.messages
    assert lake_table(world, "top_up")["order_id"].to_list() == ["N1"]
    _ledger_holds(report)


def test_a_file_recorded_dead_twice_is_rejected_without_being_read(
    world: Path, crash_on: Callable[..., None]
) -> None:
    """A run killed after the second death but before committing the rejection."""
    _three_in_one_batch(world)
    first = ingest(world, workers=0)
    sha = _by_name(first)["crash.xlsx"].sha256
    for record in (world / "lake" / "_runs").glob("run-*.json"):
        record.unlink()  # as if that run had been killed before its commit
    for _ in range(2):
        record_death(world / "lake", sha, "crash.xlsx", "r0", "its worker was killed by SIGSEGV")
    crash_on("crash.xlsx")  # reading it would crash
    report = ingest(world)
    crash = _by_name(report)["crash.xlsx"]
    assert crash.status == "rejected"
    assert "crashed on it 2 times" in crash.result.messages[0]
    assert report.exit_code == EXIT_REJECTED


# --- a reader that spins ---------------------------------------------------------------


def test_a_reader_past_the_time_limit_is_stopped_and_its_file_rejected(
    world: Path, monkeypatch: pytest.MonkeyPatch, crash_on: Callable[..., None]
) -> None:
    _three_in_one_batch(world)
    crash_on("crash.xlsx", "spin")
    monkeypatch.setenv(TIMEOUT_ENV, "1.5")
    report = ingest(world)
    assert report.exit_code == EXIT_REJECTED
    files = _by_name(report)
    assert (files["a.xlsx"].status, files["z.xlsx"].status) == ("loaded", "loaded")
    assert files["crash.xlsx"].status == "rejected"
    (message,) = files["crash.xlsx"].result.messages
    assert "the reader was still on it after" in message
    assert f"the per-file time limit of 1.5 s ({TIMEOUT_ENV})" in message
    _lock_is_free(world)
    again = ingest(world)
    assert again.exit_code == EXIT_OK
    assert {f.status for f in again.files} == {"already_ingested"}
    assert lake_table(world, "top_up")["order_id"].to_list() == ["A1", "Z1"]


def test_a_worker_that_dies_between_reader_calls_splits_its_batch(
    world: Path, crash_on: Callable[..., None]
) -> None:
    """A death that names no file: each file of the batch is read alone, so the next
    death names its file, and only that one (read once more, it dies again)."""
    _three_in_one_batch(world)
    crash_on("crash.xlsx", "after")
    report = ingest(world)
    files = _by_name(report)
    assert (files["a.xlsx"].status, files["z.xlsx"].status) == ("loaded", "loaded")
    assert files["crash.xlsx"].status == "rejected"
    assert files["crash.xlsx"].note.count("SIGABRT") == 2
    assert len(deaths(world / "lake", files["crash.xlsx"].sha256)) == 2
    assert lake_table(world, "top_up")["order_id"].to_list() == ["A1", "Z1"]


def test_a_batch_that_spins_outside_the_reader_is_stopped_too(
    world: Path, monkeypatch: pytest.MonkeyPatch, crash_on: Callable[..., None]
) -> None:
    _three_in_one_batch(world)
    crash_on("crash.xlsx", "spin-after")
    # The batch of three is stopped after 2 x 4 s, then crash.xlsx alone after 2 x 2 s;
    # a limit short enough for a quick test, long enough for a loaded machine.
    monkeypatch.setenv(TIMEOUT_ENV, "2")
    report = ingest(world)
    files = _by_name(report)
    assert (files["a.xlsx"].status, files["z.xlsx"].status) == ("loaded", "loaded")
    assert files["crash.xlsx"].status == "rejected"
    assert f"the per-file time limit of 2 s ({TIMEOUT_ENV})" in files["crash.xlsx"].note
    assert report.exit_code == EXIT_REJECTED
    _lock_is_free(world)


def test_workers_that_cannot_start_stop_the_run_and_blame_no_file(
    world: Path, monkeypatch: pytest.MonkeyPatch, crash_on: Callable[..., None]
) -> None:
    """A broken installation kills every worker before it reads: no file is failed,
    none gets a crash record (it would be rejected for the environment's fault)."""
    _three_in_one_batch(world)
    crash_on(":start")
    with pytest.raises(WorkersCannotStartError, match="die before reading anything"):
        ingest(world)
    assert not (world / "lake" / "_crashes").exists()
    assert not (world / "lake" / "_manifest").exists()
    _lock_is_free(world)
    monkeypatch.delenv("LIVELAKE_TESTS_CRASH_ON")
    assert {f.status for f in ingest(world).files} == {"loaded"}


@pytest.mark.parametrize("value", [True, False], ids=["value", "format"])
def test_legacy_xls_stray_cell_at_iv65536(world: Path, value: bool) -> None:
    """calamine holds an .xls sheet densely too: a stray value at its last cell made one
    worker hold 1.4 GB. The sheet is bounded first; a formatted blank there loads."""
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("s")
    for r, row in enumerate(
        top_up_rows(
            ["X1", "7", "2025-03-01 10:00:00", 5, "Success"],
            ["X2", "8", "2025-03-01 11:00:00", 6, "Failed"],
        )
    ):
        for c, cell in enumerate(row):
            sheet.write(r, c, cell)
    if value:
        sheet.write(65535, 255, "x")
    else:
        sheet.write(65535, 255, None, xlwt.easyxf("font: bold on"))
    workbook.save(str(world / "inbox" / "old.xls"))
    report = ingest(world)
    if value:
        assert report.exit_code == EXIT_REJECTED
        (message,) = report.files[0].result.messages
        assert "old.xls [s]: rejected: sheet 's' was not read: its cells reach IV65536" in message
        assert "(65,536 rows x 256 columns = 16,777,216 cells)" in message
        assert not (world / "lake" / "top_up").exists()
    else:
        assert report.exit_code == EXIT_OK
        frame = lake_table(world, "top_up")
        assert frame.select("source_row", "order_id", "status").rows() == [
            (2, "X1", "success"),
            (3, "X2", "failed"),
        ]
    _ledger_holds(report)
    before = _lake_files(world)
    assert ingest(world).files[0].status == "already_ingested"
    assert _lake_files(world) == before


def test_an_error_of_the_run_while_finishing_a_batch_is_not_a_worker_death(world: Path) -> None:
    """`finish` failing (an OSError such as a closed stdout) is the run's own failure:
    it reaches the caller as it is, and no file is blamed for a death."""
    path = _good(world / "inbox" / "good.xlsx", "G1")
    job = FileJob(
        path=path,
        source_file="good.xlsx",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        size_bytes=path.stat().st_size,
        mtime=dt.datetime.now(dt.UTC),
        lake=world / "lake",
        ingested_at=dt.datetime.now(dt.UTC),
        run_id=1,
    )
    finished: list[list[object]] = []

    def finish(batch: list[FileJob], outcomes: list[object], parts: list[object]) -> None:
        finished.append(outcomes)
        raise OSError(32, "Broken pipe")

    with pytest.raises(OSError, match="Broken pipe"):
        run_batches([[job]], workers=1, timeout_s=60, finish=finish)
    assert len(finished) == 1
    assert [type(outcome).__name__ for outcome in finished[0]] == ["FileResult"]

"""An unattended run (Airflow at 10:00, nobody watching) settles every file in one
pass, and its log reads like a terminal's: `livelake` as a process, stdout and
stderr redirected to files, with the hostile workbooks a new user drops in."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from tests.conftest import lake_table
from tests.ingest.xlsx import SheetSpec, top_up_rows, write_workbook

pytestmark = pytest.mark.orchestration

LIVELAKE = Path(sys.executable).with_name("livelake")


def _stray(path: Path, ref_row: int, ref_col: int, declared: bytes) -> None:
    """A top-up sheet (A1:E2) and a value typed by mistake far away; the sheet's
    declared range rewritten to `declared` (a writer that did not update it)."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("s")
    for c, value in enumerate(["Order ID", "User ID", "Top-up Time", "Amount", "Status"]):
        sheet.write_string(0, c, value)
    for c, value in enumerate(["S1", "7", "2025-03-01 10:00:00", "5", "Success"]):
        sheet.write_string(1, c, value)
    sheet.write_string(ref_row, ref_col, "x")
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    start = xml.index(b'<dimension ref="') + len(b'<dimension ref="')
    parts["xl/worksheets/sheet1.xml"] = xml[:start] + declared + xml[xml.index(b'"', start) :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _past_excel(path: Path) -> None:
    """A cell at ZZZZ6, past Excel's last column: xlsxwriter cannot write it, so the
    reference is edited into the XML (a hand-rolled exporter's bug)."""
    _stray(path, 5, 3, b"A1:E6")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'r="D6"', b'r="ZZZZ6"'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _livelake(data_dir: Path, *args: str) -> tuple[int, str, str]:
    """The command with stdout and stderr redirected to files, as a scheduler's log."""
    out, err = data_dir / "stdout.log", data_dir / "stderr.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIVELAKE_", "COLUMNS"))}
    with out.open("w") as stdout, err.open("w") as stderr:
        code = subprocess.run(
            [str(LIVELAKE), *args],
            env=env | {"LIVELAKE_DATA_DIR": str(data_dir)},
            stdout=stdout,
            stderr=stderr,
            timeout=300,
        ).returncode
    return code, out.read_text(), err.read_text()


def test_hostile_workbooks_are_rejected_in_the_first_run_and_the_log_keeps_each_message_whole(
    tmp_path: Path,
) -> None:
    # A long data directory: a message naming it is far wider than 80 columns.
    data_dir = tmp_path / ("a-long-folder-name-for-the-data-directory-" * 3)
    inbox = data_dir / "inbox"
    inbox.mkdir(parents=True)
    for i in range(3):
        write_workbook(
            inbox / f"good_{i}.xlsx",
            SheetSpec("s", top_up_rows([f"G{i}", "7", "2025-03-01 09:00:00", 5, "Success"])),
        )
    _stray(inbox / "stale_range.xlsx", 1048575, 16383, b"A1:E2")
    _past_excel(inbox / "past_excel.xlsx")

    code, out, err = _livelake(data_dir, "ingest")
    assert code == 3, err
    lines = out.splitlines()
    stale = (
        "error stale_range.xlsx [s]: rejected: sheet 's' was not read: its cells reach "
        "XFD1048576 (1,048,576 rows x 16,384 columns = 17,179,869,184 cells), more than "
        "the per-file budget of 256 MB (LIVELAKE_INGEST_FILE_BUDGET_MB) allows"
    )
    past = (
        "error past_excel.xlsx [s]: rejected: sheet 's' was not read: its cells reach "
        "ZZZZ6, past Excel's last cell XFD1048576"
    )
    assert any(line.startswith(stale) for line in lines), out
    assert any(line.startswith(past) for line in lines), out
    assert "files: 3 loaded, 0 partial, 2 rejected, 0 duplicate, 0 already ingested, 0 failed" in (
        lines
    )
    assert not (data_dir / "lake" / "_crashes").exists()  # no worker died or stalled
    assert lake_table(data_dir, "top_up")["order_id"].to_list() == ["G0", "G1", "G2"]
    # Every line is a table's or starts a message: none is the rest of a wrapped one.
    starts = ("ingest run ", "┏", "┃", "┡", "│", "├", "└", "error ", "files: ")
    assert [line for line in lines if not line.startswith(starts)] == []
    assert sum(line.startswith("│ good_") for line in lines) == 3  # a row per file
    assert err == ""

    code, _, err = _livelake(data_dir, "kpis")
    assert code == 1
    assert f"error no serving copy at {data_dir / 'serving.duckdb'}: run `livelake run`\n" == err

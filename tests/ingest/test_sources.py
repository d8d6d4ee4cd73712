"""Every file in the inbox is accounted for: read, or listed as ignored with its reason.

Also: names that are not UTF-8 (Big5 bytes from a Windows archive) load with a valid
UTF-8 `source_file`, and both summaries print them on any locale.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.run import EXIT_OK
from ingest.sources.base import display_name
from ingest.sources.local import LocalFolderSource
from tests.conftest import ingest, lake_table, side_table
from tests.ingest.xlsx import SheetSpec, top_up_rows, write_workbook

T = dt.datetime
BIG5_NAME = "儲值紀錄_0301.xlsx".encode("cp950")


def _good(path: Path, order: str) -> Path:
    return write_workbook(
        path, SheetSpec("s", top_up_rows([order, "7", T(2025, 3, 1, 9), 5, "Success"]))
    )


def _hostile_inbox(inbox: Path) -> None:
    _good(inbox / "TopUp.xlsx", "A1")
    _good(inbox / "sub" / "more.xlsx", "B1")
    (inbox / "~$TopUp.xlsx").write_bytes(b"\x00owner")
    (inbox / ".DS_Store").write_bytes(b"\x00")
    _good(inbox / ".cache" / "old.xlsx", "H1")
    (inbox / "TopUp (2).xlsx.crdownload").write_bytes(b"PK\x03")
    (inbox / "export.xlsx.part").write_bytes(b"PK\x03")
    (inbox / "notes.pdf").write_bytes(b"%PDF-1.4")
    (inbox / "README").write_text("read me")
    os.symlink("TopUp_missing.xlsx", inbox / "dangling.xlsx")
    os.symlink("loop_b.xlsx", inbox / "loop_a.xlsx")
    os.symlink("loop_a.xlsx", inbox / "loop_b.xlsx")
    os.symlink("sub", inbox / "folder_link")
    _good(inbox.parent / "elsewhere.xlsx", "L1")
    os.symlink(inbox.parent / "elsewhere.xlsx", inbox / "linked.xlsx")


EXPECTED_IGNORED = [
    {"file": ".DS_Store", "reason": "hidden file"},
    {"file": ".cache/", "reason": "hidden folder"},
    {"file": "README", "reason": "not a supported format (a file without an extension); "
     "the ingest reads .xlsx .xlsm .xlsb .xls .ods .csv"},
    {"file": "TopUp (2).xlsx.crdownload", "reason": "partial download or temporary file "
     "(it is read once complete, under its own name)"},
    {"file": "dangling.xlsx", "reason": "broken symlink (its target does not exist)"},
    {"file": "export.xlsx.part", "reason": "partial download or temporary file "
     "(it is read once complete, under its own name)"},
    {"file": "folder_link", "reason": "symlink to a folder (not followed)"},
    {"file": "loop_a.xlsx", "reason": "symlink loop (it never reaches a file)"},
    {"file": "loop_b.xlsx", "reason": "symlink loop (it never reaches a file)"},
    {"file": "notes.pdf", "reason": "not a supported format (.pdf files); "
     "the ingest reads .xlsx .xlsm .xlsb .xls .ods .csv"},
    {"file": "~$TopUp.xlsx", "reason": "Excel owner file (Excel writes it while the "
     "workbook is open; not data)"},
]  # fmt: skip


def test_every_file_is_read_or_ignored_with_its_reason(world: Path) -> None:
    _hostile_inbox(world / "inbox")
    report = ingest(world)
    assert report.exit_code == EXIT_OK
    assert {f.source_file: f.status for f in report.files} == {
        "TopUp.xlsx": "loaded",
        "linked.xlsx": "loaded",  # a symlink to a regular file is followed
        "sub/more.xlsx": "loaded",
    }
    assert report.ignored == EXPECTED_IGNORED
    assert report.to_dict()["ignored"] == EXPECTED_IGNORED
    frame = lake_table(world, "top_up")
    assert frame.select("source_file", "source_row", "order_id").rows() == [
        ("TopUp.xlsx", 2, "A1"),
        ("linked.xlsx", 2, "L1"),
        ("sub/more.xlsx", 2, "B1"),
    ]
    again = ingest(world)
    assert {f.status for f in again.files} == {"already_ingested"}
    assert again.ignored == EXPECTED_IGNORED


def test_a_big5_file_name_loads_with_its_chinese_name(world: Path) -> None:
    inbox = os.fsencode(world / "inbox")
    _good(world / "tmp.xlsx", "C1")
    os.rename(os.fsencode(world / "tmp.xlsx"), os.path.join(inbox, BIG5_NAME))
    # Bytes that are neither UTF-8 nor Big5 are written as \xNN escapes.
    (world / "inbox" / "bad.csv").write_bytes(b"x")
    os.rename(os.fsencode(world / "inbox" / "bad.csv"), os.path.join(inbox, b"\xff\xfe.csv"))
    report = ingest(world)
    names = {f.source_file: f.status for f in report.files}
    assert names == {"儲值紀錄_0301.xlsx": "loaded", "\\xff\\xfe.csv": "rejected"}
    row = lake_table(world, "top_up").row(0, named=True)
    assert (row["source_file"], row["source_row"], row["order_id"]) == (
        "儲值紀錄_0301.xlsx",
        2,
        "C1",
    )
    assert side_table(world, "_rejected")["source_file"].to_list() == ["\\xff\\xfe.csv"]


def test_display_name_is_deterministic_and_valid_utf8() -> None:
    name = os.fsdecode(b"dir\xff/" + BIG5_NAME)
    shown = display_name(Path(name))
    assert shown == "dir\\xff/儲值紀錄_0301.xlsx"
    shown.encode("utf-8", errors="strict")
    assert display_name(Path("plain/名稱.xlsx")) == "plain/名稱.xlsx"


@pytest.mark.parametrize(
    "env",
    [{"PYTHONIOENCODING": "utf-8:strict"}, {"LANG": "C", "LC_ALL": "C"}],
    ids=["utf8-strict", "lang-c"],
)
def test_summaries_print_any_name_on_any_locale(world: Path, env: dict[str, str]) -> None:
    inbox = os.fsencode(world / "inbox")
    _good(world / "tmp.xlsx", "C1")
    os.rename(os.fsencode(world / "tmp.xlsx"), os.path.join(inbox, BIG5_NAME))
    (world / "inbox" / "notes.pdf").write_bytes(b"%PDF")
    os.rename(os.fsencode(world / "inbox" / "notes.pdf"), os.path.join(inbox, b"\xb3\xf8.pdf"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO"))}
    base.update(env, LIVELAKE_DATA_DIR=str(world))
    for args in (["--json"], []):
        proc = subprocess.run(
            [sys.executable, "-m", "livelake.cli", "ingest", *args],
            env=base,
            capture_output=True,
            timeout=120,
        )
        assert proc.returncode == EXIT_OK, proc.stderr.decode(errors="replace")
        out = proc.stdout.decode("utf-8", errors="strict")
        if args:
            summary = json.loads(out)
            assert [f["source_file"] for f in summary["files"]] == ["儲值紀錄_0301.xlsx"]
            assert summary["ignored"][0]["file"] == "報.pdf"
            assert summary["ignored"][0]["reason"].startswith("not a supported format (.pdf")
        else:  # the human summary of the second run: the file is already ingested
            assert "儲值紀錄_0301.xlsx" in out and "報.pdf" in out


def test_the_folder_is_walked_once_per_run(world: Path) -> None:
    _good(world / "inbox" / "a.xlsx", "A1")
    source = LocalFolderSource(world / "inbox")
    assert [f.source_file for f in source.files()] == ["a.xlsx"]
    _good(world / "inbox" / "b.xlsx", "B1")  # arrives mid-run: the next run takes it
    assert [f.source_file for f in source.files()] == ["a.xlsx"]
    assert source.ignored() == []

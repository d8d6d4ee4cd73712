"""`Exported at` / `匯出時間` parses in every spelling; present but unreadable rejects
the file naming the text, never a silent fall-back to the mtime
(docs/input-contract.md, "Exported at")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.run import EXIT_REJECTED
from tests.conftest import lake_table, side_table
from tests.ingest.ledger import ingest_checked
from tests.ingest.xlsx import TOP_UP_HEADER, SheetSpec, write_workbook

T = dt.datetime(2025, 3, 1, 9)
UTC = dt.UTC


def _book(world: Path, *title: str | list) -> Path:
    rows = [[line] if isinstance(line, str) else line for line in title]
    return write_workbook(
        world / "inbox" / "t.xlsx",
        SheetSpec("s", [["儲值紀錄"], *rows, [], TOP_UP_HEADER, ["A1", "1", T, 30, "Success"]]),
    )


@pytest.mark.parametrize(
    ("line", "utc"),
    [
        ("Exported at: 2025-03-02 09:15:02", dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        ("Exported at: 2025/03/02 09:15", dt.datetime(2025, 3, 2, 1, 15, tzinfo=UTC)),
        ("匯出時間：2025/03/02 09:15:02", dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        ("匯出時間：2025/3/2 下午 03:15:02", dt.datetime(2025, 3, 2, 7, 15, 2, tzinfo=UTC)),
        ("匯出時間：2025年3月2日 上午 09:15:02", dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        ("匯出時間：2025年03月02日 下午3時15分", dt.datetime(2025, 3, 2, 7, 15, tzinfo=UTC)),
        ("匯出時間：民國114年3月2日 09:15:02", dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        ("匯出日期: 2025-03-02", dt.datetime(2025, 3, 1, 16, 0, tzinfo=UTC)),
        ("Export time: 2025-03-02T01:15:02Z", dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        ("Exported at 2025-03-02 09:15:02 +08:00", dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        (["Exported at:", "2025-03-02 09:15:02"], dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC)),
        (
            "\ufeffＥｘｐｏｒｔｅｄ ａｔ：２０２５-03-02 09:15:02",
            dt.datetime(2025, 3, 2, 1, 15, 2, tzinfo=UTC),
        ),
    ],
)
def test_exported_at_in_every_spelling(world: Path, line: str | list, utc: dt.datetime) -> None:
    _book(world, line)
    report = ingest_checked(world)
    [file] = report.files
    assert (file.result.exported_at, file.result.exported_at_from) == (utc, "title")
    assert lake_table(world, "top_up")["exported_at"].to_list() == [utc]


@pytest.mark.parametrize(
    "text", ["2025-13-02 09:15:02", "yesterday 9am", "2025/03/02 25:15:02", "09:15:02"]
)
def test_an_unreadable_exported_at_rejects_the_file_naming_it(world: Path, text: str) -> None:
    _book(world, f"Exported at: {text}")
    report = ingest_checked(world)
    assert report.exit_code == EXIT_REJECTED
    [file] = report.files
    assert file.status == "rejected"
    [message] = file.result.messages
    assert repr(text) in message and "t.xlsx" in message
    assert file.result.rows_rejected == 1
    assert file.result.rows_read == 0
    assert not (world / "lake" / "top_up").exists()
    rejected = side_table(world, "_rejected").row(0, named=True)
    assert (rejected["source_sheet"], rejected["rows"]) == ("s", 1)
    assert text in rejected["reason"]

"""A batch's table is written as one part per day, in one partitioned sink."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ingest.files import Parts
from ingest.jobs import FileJob


def _parts(lake: Path) -> Parts:
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    return Parts(FileJob(lake / "x.xlsx", "x.xlsx", "0" * 64, 1, now, lake, now, 7))


def test_one_part_per_day_rows_in_order_without_the_day_column(tmp_path: Path) -> None:
    days = [dt.date(2025, 3, 1), dt.date(2025, 3, 2), dt.date(2025, 3, 4)]
    frame = pl.DataFrame(
        {
            "_dt": [days[i % 3] for i in range(3000)],
            "n": list(range(3000)),
            "text": [f"row {i}" for i in range(3000)],
        }
    )
    parts = _parts(tmp_path)
    parts.write_days("top_up", frame, "_dt")
    written = parts.written()
    assert sorted(p.dt for p in written) == [d.isoformat() for d in days]
    for part in written:
        assert part.temporary.parent == tmp_path / "top_up" / f"dt={part.dt}"
        got = pl.read_parquet(part.temporary)
        day = dt.date.fromisoformat(part.dt)
        expected = frame.filter(pl.col("_dt") == day).drop("_dt")
        assert got.equals(expected)
        assert part.rows == expected.height == 1000


def test_a_single_day_and_no_day(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    one = pl.DataFrame({"_dt": [dt.date(2025, 3, 1)] * 2, "n": [2, 1]})
    parts.write_days("top_up", one, "_dt")
    parts.write_days("top_up", one.clear(), "_dt")
    (written,) = parts.written()
    assert written.dt == "2025-03-01" and written.rows == 2
    assert pl.read_parquet(written.temporary)["n"].to_list() == [2, 1]

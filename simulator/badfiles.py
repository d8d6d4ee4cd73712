"""Files that are not readable workbooks: the ingest must reject them whole.

A download cut short (the first 60% of a real workbook's bytes), a CSV export
renamed to ``.xlsx``, and a 0-byte file. They reuse real rows so that a lenient
reader that "recovers" them would visibly double-count.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Literal

import polars as pl

from simulator.layouts import RenderedSheet
from simulator.workbooks import write_xlsx


def write_bad(
    path: Path,
    kind: Literal["truncated", "csv", "empty"],
    frame: pl.DataFrame | None,
    rendered: list[RenderedSheet],
) -> None:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        write_xlsx(path, rendered)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * 0.6)])
    elif kind == "csv":
        assert frame is not None
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["Order ID", "User ID", "Top-up Time", "Amount (TWD)", "Status"])
        for row in frame.select("order_id", "user_id", "topup_at", "amount", "status").iter_rows():
            w.writerow(
                [row[0], row[1], f"{row[2]:%Y-%m-%d %H:%M:%S}", f"{row[3] / 100:.2f}", row[4]]
            )
        path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    else:
        raise ValueError(kind)

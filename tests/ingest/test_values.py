"""The fast timestamp stages agree with the full parser on every cell they type."""

from __future__ import annotations

import polars as pl

from ingest.contracts import TOP_UP
from ingest.values import fast_stages, parse_cells

CELLS = [
    "2025-03-01 10:22:33",
    "2025-3-1 1:02:03",
    " 2025-03-01 10:22:33",
    "2025-03-01  10:22:33",
    "2025-03-01 23:59:60",
    "2025-02-30 10:00:00",
    "2025/03/01 10:22:33",
    "2025/3/1 10:22:33",
    "2025-03-01T10:22:33+08:00",
    "2025-03-01T10:22:33-05:00",
    "2025-03-01T10:22:33+0800",
    "2025-03-01T10:22:33Z",
    "2025-03-01T10:22:33.5+08:00",
    "2025/3/1 下午 02:22:33",
    "2025-03-01 10:22",
    "45717.4322",
    "45717",
    "1e5",
    "NaN",
    "-",
    "",
    None,
]


def test_fast_stages_type_cells_as_the_full_parser_does() -> None:
    column = TOP_UP.column("topup_at")
    frame = pl.LazyFrame({"raw": CELLS}, schema={"raw": pl.String})
    for stage in fast_stages(column, pl.col("raw"), "fast"):
        frame = frame.with_columns(stage)
    fast = frame.collect()["fast"]
    full = parse_cells(CELLS, column)["value"]
    typed = [(cell, f, v) for cell, f, v in zip(CELLS, fast, full, strict=True) if f is not None]
    assert typed, "no cell took a fast stage"
    assert [f for _, f, _ in typed] == [v for _, _, v in typed], typed
    # The common formats do take the fast stages.
    assert fast[0] is not None and fast[6] is not None and fast[8] is not None

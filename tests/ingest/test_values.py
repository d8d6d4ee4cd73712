"""The fast stages (timestamps, key IDs) agree with the full parser on every cell they type."""

from __future__ import annotations

import polars as pl

from ingest.contracts import TOP_UP, Column
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
    "2025/3/1 上午 12:22:33",
    "2025/3/1 下午 12:00:00",
    "2025/3/1 下午 00:22:33",
    "2025/3/1 下午 13:22:33",
    "2025/3/1 下午 02:22:60",
    "2025/2/30 上午 02:22:33",
    "2025/3/1  下午 02:22:33",
    "2025/3/1 下午 02:22",
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
    assert fast[CELLS.index("2025/3/1 下午 02:22:33")] is not None


ID_CELLS = [
    "GPA.2047-9010-3311-17106",
    "2502220017108",
    "2502220017108.0",
    "2502220017108.00",
    " 2502220017108",
    "\u00a02502220017108\u3000",
    "２５０２２２００１７１０８",
    "2.50222E+12",
    "1e5",
    "12.50",
    "0.0",
    "-",
    "-12",
    "_x",
    "#N/A",
    "Err:502",
    "a b",
    "",
    None,
]


def _fast(column: Column, cells: list[str | None], distinct: bool) -> pl.Series:
    frame = pl.LazyFrame({"raw": cells}, schema={"raw": pl.String})
    for stage in fast_stages(column, pl.col("raw"), "fast", distinct=distinct):
        frame = frame.with_columns(stage)
    return frame.collect()["fast"]


def test_a_key_id_takes_a_fast_stage_typing_as_the_full_parser_does() -> None:
    column = TOP_UP.column("order_id")
    fast = _fast(column, ID_CELLS, distinct=True)
    full = parse_cells(ID_CELLS, column)
    typed = [
        (cell, f, v, e)
        for cell, f, v, e in zip(ID_CELLS, fast, full["value"], full["error"], strict=True)
        if f is not None
    ]
    assert [f for _, f, _, _ in typed] == [v for _, _, v, _ in typed], typed
    assert all(e is None for _, _, _, e in typed), typed
    assert [cell for cell, *_ in typed] == ID_CELLS[:6] + ["1e5", "12.50", "0.0"]
    # An ID outside the key repeats: it is typed per distinct value, with no fast stage.
    assert not fast_stages(column, pl.col("raw"), "fast")

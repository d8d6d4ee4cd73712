"""Turn the data rows under a header into typed contract rows, or quarantine them.

Every data row of a sheet ends up in exactly one of two frames: `rows` (typed, in
the domain's canonical columns) or `quarantine` (with the column at fault, the
reason and the raw values). Blank rows and footers (`Total`, `合計`, notes) are not
data and are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ingest.contracts import Kind
from ingest.headers import Header
from ingest.values import ColumnPlan, plan_column

_FOOTER = r"^(?:total|合計|总计|總計|小計|小计|\*|※|註|注|備註|note)"

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "source_row": pl.Int64(),
    "column": pl.String(),
    "reason": pl.String(),
    "errors": pl.String(),  # JSON list of {column, reason, raw}
    "raw": pl.String(),  # JSON object {header label: cell text}
}


@dataclass
class NormalisedSheet:
    rows: pl.DataFrame  # canonical columns + source_row + extra_columns
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    footer_rows: int

    @property
    def rows_read(self) -> int:
        return self.rows.height + self.quarantine.height


def _unique_labels(header: Header, columns: list[int]) -> dict[int, str]:
    """Header labels made unique, so they can name JSON keys."""
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for i in columns:
        label = header.labels[i] or f"column {i + 1}"
        n = seen.get(label, 0)
        seen[label] = n + 1
        out[i] = label if n == 0 else f"{label} ({n + 1})"
    return out


_DISTINCT = {Kind.ENUM, Kind.MONEY, Kind.INT, Kind.DATE}


def _data_rows(body: pl.DataFrame, cells: list[str]) -> tuple[pl.DataFrame, int]:
    """Drop blank rows and footers; return the data rows and how many footers there were.

    The first non-blank cell of a row tells blank rows (none) and footers (`Total`,
    `合計`, `* notes`) apart from data. calamine gives null for an empty cell, so the
    first non-null cell is that cell, unless it holds only spaces (a channel_id that
    means "no room"): those few rows are looked at cell by cell.
    """
    first = pl.coalesce([pl.col(c) for c in cells]).str.strip_chars()
    body = body.with_columns(_first=first)
    spaced = body.filter(pl.col("_first") == "")
    if spaced.height:
        first_filled = pl.coalesce(
            [pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)) for c in cells]
        ).str.strip_chars()
        body = pl.concat(
            [body.filter(pl.col("_first") != ""), spaced.with_columns(_first=first_filled)]
        ).sort("source_row")
    data = body.filter(pl.col("_first").is_not_null())
    is_footer = pl.col("_first").str.normalize("NFKC").str.to_lowercase().str.contains(_FOOTER)
    footer = data.select(is_footer.alias("f"))["f"]
    return data.filter(~footer).drop("_first"), int(footer.sum())


def _evaluate(frame: pl.DataFrame, plans: list[ColumnPlan], ids: list[int]) -> pl.DataFrame:
    """Add `_v<id>` (value) and `_e<id>` (error) of each plan, in one lazy query.

    Each stage is its own projection, so a stage's temporary columns are computed
    once, and the whole sheet is one collect rather than one per stage.
    """
    if not plans:
        return frame
    staged = frame.lazy()
    for depth in range(max(len(p.stages) for p in plans)):
        staged = staged.with_columns(
            [e for p in plans if depth < len(p.stages) for e in p.stages[depth]]
        )
    outputs = [p.value.alias(f"_v{n}") for p, n in zip(plans, ids, strict=True)]
    outputs += [p.error.alias(f"_e{n}") for p, n in zip(plans, ids, strict=True)]
    temporaries = {e.meta.output_name() for p in plans for stage in p.stages for e in stage}
    return staged.with_columns(outputs).drop(temporaries).collect()


def normalise(grid: pl.DataFrame, header: Header) -> NormalisedSheet:
    domain = header.domain
    body = grid.slice(header.data_start).with_row_index("source_row", offset=header.data_start + 1)
    data, footer_rows = _data_rows(body, grid.columns)

    plans = []
    by_name = {name: i for i, name in header.canonical.items()}
    for n, column in enumerate(domain.columns):
        index = by_name.get(column.name)
        source = f"c{index}" if index is not None else None
        raw = pl.col(source) if source is not None else pl.lit(None, pl.String)
        plans.append((column, raw, source, plan_column(source, column, f"_p{n}")))

    # Columns with few distinct values (enums, amounts, counts, report dates) are
    # parsed once per distinct value and joined back; the others row by row.
    direct = [n for n, (c, _, src, _) in enumerate(plans) if src is None or c.kind not in _DISTINCT]
    data = _evaluate(data, [plans[n][3] for n in direct], direct)
    for n, (_, _, source, plan) in enumerate(plans):
        if n in direct:
            continue
        distinct = data.select(pl.col(source).unique())
        parsed = _evaluate(distinct, [plan], [n]).select(source, f"_v{n}", f"_e{n}")
        data = data.join(parsed, on=source, how="left", nulls_equal=True)
    error_cols = [pl.col(f"_e{n}") for n in range(len(plans))]
    bad = pl.any_horizontal([e.is_not_null() for e in error_cols])

    labels = _unique_labels(header, sorted(set(header.canonical) | set(header.extras)))
    extra_labels = {i: labels[i] for i in sorted(header.extras)}
    if extra_labels:
        extra = pl.struct(
            [pl.col(f"c{i}").alias(label) for i, label in extra_labels.items()]
        ).struct.json_encode()
    else:
        extra = pl.lit(None, pl.String)
    rows = data.filter(~bad).select(
        pl.col("source_row").cast(pl.Int64),
        *[pl.col(f"_v{n}").alias(column.name) for n, (column, *_) in enumerate(plans)],
        extra.alias("extra_columns"),
    )

    # The quarantine's JSON is built for the bad rows only: they are few.
    failed = data.filter(bad)
    errors = [
        pl.when(e.is_not_null()).then(
            pl.struct(
                pl.lit(column.name).alias("column"), e.alias("reason"), raw.alias("raw")
            ).struct.json_encode()
        )
        for e, (column, raw, *_) in zip(error_cols, plans, strict=True)
    ]
    raw_json = pl.struct([pl.col(f"c{i}").alias(label) for i, label in labels.items()])
    quarantine = failed.select(
        pl.lit(domain.table).alias("table"),
        pl.col("source_row").cast(pl.Int64),
        pl.coalesce(
            [
                pl.when(e.is_not_null()).then(pl.lit(c.name))
                for e, (c, *_) in zip(error_cols, plans, strict=True)
            ]
        ).alias("column"),
        pl.coalesce(error_cols).alias("reason"),
        pl.concat_str(
            pl.lit("["), pl.concat_str(errors, separator=",", ignore_nulls=True), pl.lit("]")
        ).alias("errors"),
        raw_json.struct.json_encode().alias("raw"),
    )
    return NormalisedSheet(rows=rows, quarantine=quarantine, footer_rows=footer_rows)

"""Turn the data rows under a header into typed contract rows, or quarantine them.

Every data row of a sheet ends up in exactly one of two frames: `rows` (typed, in
the domain's canonical columns) or `quarantine` (with the column at fault, the
reason and the raw values). Blank rows and footers (`Total`, `合計`, notes) are not
data and are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ingest.headers import Header
from ingest.values import plan_column

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


def normalise(grid: pl.DataFrame, header: Header) -> NormalisedSheet:
    domain = header.domain
    body = grid.slice(header.data_start).with_row_index("source_row", offset=header.data_start + 1)
    # calamine gives null for an empty cell, so the first non-null cell tells blank
    # rows (none) and footers (`Total`, `合計`, `* notes`) apart from data.
    first_cell = pl.coalesce([pl.col(c) for c in grid.columns])
    body = body.with_columns(
        _first=first_cell.str.strip_chars().str.normalize("NFKC").str.to_lowercase()
    )
    data = body.filter(pl.col("_first").is_not_null() & (pl.col("_first") != ""))
    is_footer = pl.col("_first").str.contains(_FOOTER)
    footer_rows = data.filter(is_footer).height
    data = data.filter(~is_footer).drop("_first")

    plans = []
    by_name = {name: i for i, name in header.canonical.items()}
    for n, column in enumerate(domain.columns):
        index = by_name.get(column.name)
        raw = pl.col(f"c{index}") if index is not None else pl.lit(None, pl.String)
        plans.append((column, raw, plan_column(raw, column, f"_p{n}")))
    for depth in range(max(len(p.stages) for _, _, p in plans)):
        data = data.with_columns(
            [e for _, _, p in plans if depth < len(p.stages) for e in p.stages[depth]]
        )
    data = data.with_columns([p.error.alias(f"_e{n}") for n, (_, _, p) in enumerate(plans)])
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
        *[p.value.alias(column.name) for column, _, p in plans],
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
        for e, (column, raw, _) in zip(error_cols, plans, strict=True)
    ]
    raw_json = pl.struct([pl.col(f"c{i}").alias(label) for i, label in labels.items()])
    quarantine = failed.select(
        pl.lit(domain.table).alias("table"),
        pl.col("source_row").cast(pl.Int64),
        pl.coalesce(
            [
                pl.when(e.is_not_null()).then(pl.lit(c.name))
                for e, (c, _, _) in zip(error_cols, plans, strict=True)
            ]
        ).alias("column"),
        pl.coalesce(error_cols).alias("reason"),
        pl.concat_str(
            pl.lit("["), pl.concat_str(errors, separator=",", ignore_nulls=True), pl.lit("]")
        ).alias("errors"),
        raw_json.struct.json_encode().alias("raw"),
    )
    return NormalisedSheet(rows=rows, quarantine=quarantine, footer_rows=footer_rows)

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


def _stage(frame: pl.LazyFrame, plans: list[ColumnPlan], ids: list[int]) -> pl.LazyFrame:
    """Add `_v<id>` (value) and `_e<id>` (error) of each plan.

    Each stage is its own projection, so a stage's temporary columns are computed
    once and read by the next stage.
    """
    if not plans:
        return frame
    for depth in range(max(len(p.stages) for p in plans)):
        frame = frame.with_columns(
            [e for p in plans if depth < len(p.stages) for e in p.stages[depth]]
        )
    outputs = [p.value.alias(f"_v{n}") for p, n in zip(plans, ids, strict=True)]
    outputs += [p.error.alias(f"_e{n}") for p, n in zip(plans, ids, strict=True)]
    temporaries = {e.meta.output_name() for p in plans for stage in p.stages for e in stage}
    return frame.with_columns(outputs).drop(temporaries)


def normalise(grid: pl.DataFrame, header: Header) -> NormalisedSheet:
    """One lazy plan per sheet, collected once: polars' fixed cost per query
    outweighs the work on a sheet of a thousand rows."""
    domain = header.domain
    body = (
        grid.lazy()
        .slice(header.data_start)
        .with_row_index("source_row", offset=header.data_start + 1)
    )
    # The first non-blank cell of a row tells blank rows (none; the reader turns
    # cells of spaces into nulls) and footers (`Total`, `合計`, `* notes`) from data.
    first = pl.coalesce([pl.col(c) for c in grid.columns]).str.strip_chars()
    body = body.with_columns(_first=first).filter(pl.col("_first").is_not_null())
    footer = pl.col("_first").str.normalize("NFKC").str.to_lowercase().str.contains(_FOOTER)
    body = body.with_columns(_footer=footer)
    footer_count = body.select(pl.col("_footer").sum().alias("footers"))
    data_plan = body.filter(~pl.col("_footer")).drop("_first", "_footer")

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
    # Three collects per sheet: the rows (row-by-row columns parsed), then the
    # distinct-value look-ups joined on, then the output frames.
    parsed, footers = pl.collect_all(
        [_stage(data_plan, [plans[n][3] for n in direct], direct), footer_count]
    )
    joined = parsed.lazy()
    for n, (_, _, source, plan) in enumerate(plans):
        if n in direct:
            continue
        distinct = _stage(parsed.lazy().select(pl.col(source).unique()), [plan], [n])
        joined = joined.join(distinct, on=source, how="left", nulls_equal=True)
    data = joined.collect()
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
    return NormalisedSheet(rows=rows, quarantine=quarantine, footer_rows=int(footers.item() or 0))

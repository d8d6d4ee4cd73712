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
from ingest.values import parse_column

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
    cells = [c for c in grid.columns]
    trimmed = [pl.col(c).str.replace_all("\u00a0", " ").str.strip_chars() for c in cells]
    non_empty = [pl.when(t != "").then(t) for t in trimmed]
    first_cell = pl.coalesce(non_empty) if non_empty else pl.lit(None, pl.String)
    body = body.with_columns(_first=first_cell.str.normalize("NFKC").str.to_lowercase())
    data = body.filter(pl.col("_first").is_not_null())
    is_footer = pl.col("_first").str.contains(_FOOTER)
    footer_rows = data.filter(is_footer).height
    data = data.filter(~is_footer).drop("_first")

    values: list[pl.Expr] = []
    errors: list[pl.Expr] = []
    by_name = {name: i for i, name in header.canonical.items()}
    for column in domain.columns:
        index = by_name.get(column.name)
        raw = pl.col(f"c{index}") if index is not None else pl.lit(None, pl.String)
        parsed = parse_column(raw, column)
        values.append(parsed.value.alias(column.name))
        errors.append(
            pl.when(parsed.error.is_not_null()).then(
                pl.struct(
                    pl.lit(column.name).alias("column"),
                    parsed.error.alias("reason"),
                    raw.alias("raw"),
                )
            )
        )

    labels = _unique_labels(header, sorted(set(header.canonical) | set(header.extras)))
    raw_json = pl.struct([pl.col(f"c{i}").alias(label) for i, label in labels.items()])
    extra_labels = {i: labels[i] for i in sorted(header.extras)}
    if extra_labels:
        extra = pl.struct(
            [pl.col(f"c{i}").alias(label) for i, label in extra_labels.items()]
        ).struct.json_encode()
    else:
        extra = pl.lit(None, pl.String)

    typed = data.select(
        pl.col("source_row").cast(pl.Int64),
        *values,
        pl.concat_list(errors).list.drop_nulls().alias("_errors"),
        extra.alias("extra_columns"),
        raw_json.struct.json_encode().alias("_raw"),
    )
    bad = pl.col("_errors").list.len() > 0
    rows = typed.filter(~bad).drop("_errors", "_raw")
    quarantine = typed.filter(bad).select(
        pl.lit(domain.table).alias("table"),
        "source_row",
        pl.col("_errors").list.first().struct.field("column").alias("column"),
        pl.col("_errors").list.first().struct.field("reason").alias("reason"),
        pl.concat_str(
            pl.lit("["),
            pl.col("_errors").list.eval(pl.element().struct.json_encode()).list.join(","),
            pl.lit("]"),
        ).alias("errors"),
        pl.col("_raw").alias("raw"),
    )
    return NormalisedSheet(rows=rows, quarantine=quarantine, footer_rows=footer_rows)

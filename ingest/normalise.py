"""Turn the data rows under a header into typed contract rows, or quarantine them.

Every data row of a sheet ends up in exactly one of two frames: `rows` (typed, in
the domain's canonical columns) or `bad` (with the column at fault and the reason).
Blank rows and footers (`Total`, `合計`, notes) are not data and are counted apart.

A worker types the sheets of several workbooks together, one domain at a time:
polars' fixed cost per query outweighs the work on a sheet of a thousand rows. So
each sheet is first renamed to the domain's canonical columns (`sheet_rows`, which
also carries its lineage key and Excel row numbers), the sheets of a domain are
stacked, and `normalise` types the stack in a handful of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ingest.contracts import Column, Domain
from ingest.headers import Header
from ingest.text import nfkc_expr
from ingest.values import fast_stages, plan_column

SHEET = "_sheet"  # a sheet's key within the batch, set by the caller
_FIRST = "_first"  # a row's first non-blank cell
_FOOTER = r"^(?:total|合計|总计|總計|小計|小计|\*|※|註|注|備註|note)"


@dataclass
class Normalised:
    rows: pl.DataFrame  # SHEET, source_row, canonical columns, extra_columns
    bad: pl.DataFrame  # SHEET, source_row, column, reason, errors (JSON {column, reason, raw})
    footers: dict[int, int]  # footer rows per sheet key (sheets without any left out)


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


def _labelled_json(header: Header, columns: list[int]) -> pl.Expr:
    """Some grid columns as a JSON object per row, keyed by their (unique) header labels."""
    labels = _unique_labels(header, sorted(set(header.canonical) | set(header.extras)))
    fields = [pl.col(f"c{i}").alias(labels[i]) for i in columns]
    return pl.struct(fields).struct.json_encode()


def sheet_rows(grid: pl.DataFrame, header: Header, key: int) -> pl.DataFrame:
    """The rows under a sheet's header in the domain's canonical columns (null where the
    sheet lacks one), keyed by `key`, with their Excel row number, their first non-blank
    cell (which tells blank rows and footers from data) and the extra columns as JSON."""
    by_name = {name: i for i, name in header.canonical.items()}
    columns = [
        (pl.col(f"c{by_name[c.name]}") if c.name in by_name else pl.lit(None, pl.String)).alias(
            c.name
        )
        for c in header.domain.columns
    ]
    extras = sorted(header.extras)
    extra = _labelled_json(header, extras) if extras else pl.lit(None, pl.String)
    # The reader turns cells of spaces into nulls, so a blank row has no first cell.
    first = pl.coalesce([pl.col(c) for c in grid.columns]).str.strip_chars()
    return grid.slice(header.data_start).select(
        pl.lit(key, pl.UInt32).alias(SHEET),
        (pl.int_range(pl.len(), dtype=pl.Int64) + header.data_start + 1).alias("source_row"),
        first.alias(_FIRST),
        *columns,
        extra.alias("extra_columns"),
    )


def raw_json(grid: pl.DataFrame, header: Header, source_rows: list[int]) -> list[str]:
    """The raw cells of some rows as JSON objects {header label: cell text}, for the
    quarantine; built only for the bad rows, which are few."""
    columns = sorted(set(header.canonical) | set(header.extras))
    picked = grid[[r - 1 for r in source_rows]]
    return picked.select(_labelled_json(header, columns))[:, 0].to_list()


def _is_footer(first: pl.Expr) -> pl.Expr:
    """`Total`, `合計`, `* notes` in any width or case."""
    return nfkc_expr(first).str.to_lowercase().str.contains(_FOOTER)


def normalise(domain: Domain, sheets: list[pl.DataFrame]) -> Normalised:
    """Type the stacked `sheet_rows` of one domain.

    Each column is parsed once per distinct raw value (counts, amounts, enums, dates
    and most IDs repeat a lot) and joined back; timestamps, nearly all distinct, are
    typed row by row in their common formats first (`fast_stages`), and only the
    distinct values left over take the full parser.
    """
    body = (
        pl.concat(sheets, how="vertical")
        .lazy()
        .filter(pl.col(_FIRST).is_not_null())
        .with_columns(_footer=_is_footer(pl.col(_FIRST)))
    )
    footers = body.filter("_footer").group_by(SHEET).len()
    rows = body.filter(~pl.col("_footer")).drop(_FIRST, "_footer")
    fast: dict[int, str] = {}
    for n, column in enumerate(domain.columns):
        stages = fast_stages(column, pl.col(column.name), f"_f{n}")
        for stage in stages:
            rows = rows.with_columns(stage)
        if stages:
            fast[n] = f"_f{n}"
    parsed, footer_counts = pl.collect_all([rows, footers])

    lookups = []
    for n, column in enumerate(domain.columns):
        values = parsed.lazy()
        if n in fast:
            values = values.filter(pl.col(fast[n]).is_null())
        values = values.select(pl.col(column.name).unique())
        lookups.append(_typed(values, column, n))
    joined = parsed.lazy()
    for column, table in zip(domain.columns, pl.collect_all(lookups), strict=True):
        joined = joined.join(table.lazy(), on=column.name, how="left", nulls_equal=True)

    # A raw value is typed either fast or by its look-up, never both: the look-ups hold
    # only the values the fast stages left null, so `_e<n>` is null on fast-typed cells.
    values = [
        (pl.coalesce(pl.col(fast[n]), pl.col(f"_v{n}")) if n in fast else pl.col(f"_v{n}")).alias(
            column.name
        )
        for n, column in enumerate(domain.columns)
    ]
    raws = [pl.col(c).alias(f"_raw_{c}") for c in domain.column_names]
    error_cols = [pl.col(f"_e{n}") for n in range(len(domain.columns))]
    data = joined.select(
        SHEET, "source_row", *values, *error_cols, *raws, "extra_columns"
    ).collect()

    bad = pl.any_horizontal([e.is_not_null() for e in error_cols])
    rows = data.filter(~bad).select(SHEET, "source_row", *domain.column_names, "extra_columns")
    failed = data.filter(bad)
    described = [
        pl.when(e.is_not_null()).then(
            pl.struct(
                pl.lit(column.name).alias("column"),
                e.alias("reason"),
                pl.col(f"_raw_{column.name}").alias("raw"),
            ).struct.json_encode()
        )
        for e, column in zip(error_cols, domain.columns, strict=True)
    ]
    bad_rows = failed.select(
        SHEET,
        "source_row",
        pl.coalesce(
            [
                pl.when(e.is_not_null()).then(pl.lit(c.name))
                for e, c in zip(error_cols, domain.columns, strict=True)
            ]
        ).alias("column"),
        pl.coalesce(error_cols).alias("reason"),
        pl.concat_str(
            pl.lit("["), pl.concat_str(described, separator=",", ignore_nulls=True), pl.lit("]")
        ).alias("errors"),
    )
    return Normalised(
        rows=rows,
        bad=bad_rows,
        footers=dict(zip(*footer_counts.get_columns(), strict=True)),
    )


def _typed(values: pl.LazyFrame, column: Column, n: int) -> pl.LazyFrame:
    """The distinct raw values of a column with `_v<n>` (typed value) and `_e<n>` (error)."""
    plan = plan_column(column.name, column, f"_p{n}")
    for stage in plan.stages:
        values = values.with_columns(stage)
    temporaries = [e.meta.output_name() for stage in plan.stages for e in stage]
    return values.with_columns(plan.value.alias(f"_v{n}"), plan.error.alias(f"_e{n}")).drop(
        temporaries
    )

"""Turn the data rows under a header into typed contract rows, or quarantine them.

Every data row of a sheet ends up in exactly one of three places: `rows` (typed, in
the domain's canonical columns), `bad` (with the column at fault and the reason) or
the count of exact repeats (`duplicates`: a row identical to an earlier one of its
sheet, loaded once). Blank rows are not data. The footer (`Total`, `合計`, notes) is
the trailing block of rows, after the last row that has a value in every required
column, that lack one: a row with them all is data whatever its first cell says
(a streamer called "Totalia"); footer rows are named by Excel row, not loaded.

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
from ingest.values import CONFLICTING_DUPLICATE, MISSING, fast_stages, plan_column

SHEET = "_sheet"  # a sheet's key within the batch, set by the caller
_FIRST = "_first"  # a row's first non-blank cell


@dataclass
class Normalised:
    rows: pl.DataFrame  # SHEET, source_row, canonical columns, extra_columns
    bad: pl.DataFrame  # SHEET, source_row, column, reason, errors (JSON {column, reason, raw})
    footers: dict[int, list[int]]  # Excel rows of the footer, per sheet key (if any)
    duplicates: dict[int, int]  # exact repeats per sheet key (if any)


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


def sheet_rows(grid: pl.DataFrame, header: Header, key: int) -> pl.LazyFrame:
    """The rows under a sheet's header in the domain's canonical columns (null where the
    sheet lacks one), keyed by `key`, with their Excel row number, their first non-blank
    cell (which tells blank rows and footers from data) and the extra columns as JSON.
    Lazy: the sheets of a domain are stacked and typed in one query."""
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
    return (
        grid.lazy()
        .slice(header.data_start)
        .select(
            pl.lit(key, pl.UInt32).alias(SHEET),
            (pl.int_range(pl.len(), dtype=pl.Int64) + header.data_start + 1).alias("source_row"),
            first.alias(_FIRST),
            *columns,
            extra.alias("extra_columns"),
        )
    )


def raw_json(grid: pl.DataFrame, header: Header, source_rows: list[int]) -> list[str]:
    """The raw cells of some rows as JSON objects {header label: cell text}, for the
    quarantine; built only for the bad rows, which are few."""
    columns = sorted(set(header.canonical) | set(header.extras))
    picked = grid[[r - 1 for r in source_rows]]
    return picked.select(_labelled_json(header, columns))[:, 0].to_list()


def normalise(domain: Domain, sheets: list[pl.LazyFrame]) -> Normalised:
    """Type the stacked `sheet_rows` of one domain.

    Each column is parsed once per distinct raw value (counts, amounts, enums, dates
    and most IDs repeat a lot) and joined back; timestamps and the key's IDs, nearly
    all distinct, are typed row by row in their common formats first (`fast_stages`),
    and only the distinct values left over take the full parser.
    """
    rows = pl.concat(sheets, how="vertical").filter(pl.col(_FIRST).is_not_null()).drop(_FIRST)
    fast: dict[int, str] = {}
    for n, column in enumerate(domain.columns):
        distinct = column.name in domain.key
        stages = fast_stages(column, pl.col(column.name), f"_f{n}", distinct=distinct)
        for stage in stages:
            rows = rows.with_columns(stage)
        if stages:
            fast[n] = f"_f{n}"
    parsed = rows.collect()

    lookups = []
    for n, column in enumerate(domain.columns):
        values = parsed.lazy()
        if n in fast:
            values = values.filter(pl.col(fast[n]).is_null())
        values = values.select(pl.col(column.name).unique())
        lookups.append(_typed(values, column, n))
    joined = parsed.lazy()
    for n, (column, table) in enumerate(zip(domain.columns, pl.collect_all(lookups), strict=True)):
        if table.height:
            joined = joined.join(table.lazy(), on=column.name, how="left", nulls_equal=True)
        else:  # every cell fast-typed: nothing to join
            joined = joined.with_columns(
                pl.lit(None, table.schema[f"_v{n}"]).alias(f"_v{n}"),
                pl.lit(None, pl.String).alias(f"_e{n}"),
            )

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
    data, footer_rows = _footer(domain, data)
    data, repeats = _repeats(domain, data)
    # A conflicting duplicate is reported first, on the key's first column: it is why
    # every row of that key is out, whatever else is wrong with one of them.
    dup = len(domain.columns)
    error_cols = [pl.col(f"_e{dup}"), *error_cols]
    columns = [domain.column(domain.key[0]), *domain.columns]

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
        for e, column in zip(error_cols, columns, strict=True)
    ]
    bad_rows = failed.select(
        SHEET,
        "source_row",
        pl.coalesce(
            [
                pl.when(e.is_not_null()).then(pl.lit(c.name))
                for e, c in zip(error_cols, columns, strict=True)
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
        footers=dict(footer_rows.iter_rows()),
        duplicates=dict(repeats.iter_rows()),
    )


def _footer(domain: Domain, data: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows that are not the footer, and the footer's Excel rows per sheet.

    The footer is the trailing block of a sheet's rows that lack a value in a required
    column, after its last row that has them all. A sheet without any such row has no
    data row to end, so no footer: its rows are all data (and quarantined).
    """
    required = [n for n, c in enumerate(domain.columns) if c.required]
    lacks = pl.any_horizontal([pl.col(f"_e{n}").eq_missing(MISSING) for n in required])
    last_data = pl.when(~lacks).then(pl.col("source_row")).max().over(SHEET)
    footer = (lacks & (pl.col("source_row") > last_data)).fill_null(False)
    marked = data.with_columns(footer.alias("_footer"))
    rows = (
        marked.filter("_footer")
        .group_by(SHEET)
        .agg(pl.col("source_row").sort())
        .select(SHEET, "source_row")
    )
    return marked.filter(~pl.col("_footer")).drop("_footer"), rows


def _repeats(domain: Domain, data: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Conflicting duplicates marked (`_e<n>`, n = the number of columns), exact repeats
    dropped and counted per sheet.

    Rows of one sheet with the same key (typed, and typed without error) are an exact
    repeat when every raw cell is equal: the first is kept, the others are counted.
    Otherwise the sheet says two things about one order or day, and no row of that key
    can be trusted: all of them are quarantined.
    """
    keys = [domain.column_names.index(k) for k in domain.key]
    group = [SHEET, *domain.key]
    key_ok = pl.all_horizontal([pl.col(f"_e{n}").is_null() for n in keys])
    conflict = f"_e{len(domain.columns)}"
    # One window over every row finds the keys seen twice (rare); only their rows are
    # hashed and compared.
    twice = key_ok & (pl.len().over(group) > 1)
    counted = data.with_columns(twice.alias("_twice"), pl.lit(None, pl.String).alias(conflict))
    seen_twice = counted.filter("_twice")
    if seen_twice.height == 0:
        return counted.drop("_twice"), pl.DataFrame(schema={SHEET: pl.UInt32, "len": pl.UInt32})
    content = pl.struct(
        [pl.col(f"_raw_{c}") for c in domain.column_names] + [pl.col("extra_columns")]
    ).hash()
    distinct = content.n_unique().over(group)
    first = pl.col("source_row").min().over(group)
    judged = seen_twice.with_columns(
        pl.when(distinct > 1)
        .then(pl.lit(CONFLICTING_DUPLICATE))
        .otherwise(pl.lit(None, pl.String))
        .alias(conflict),
        ((distinct == 1) & (pl.col("source_row") != first)).alias("_repeat"),
    )
    counts = judged.filter("_repeat").group_by(SHEET).len()
    kept = pl.concat(
        [counted.filter(~pl.col("_twice")), judged.filter(~pl.col("_repeat")).drop("_repeat")],
        how="vertical",
    )
    return kept.drop("_twice"), counts


def _typed(values: pl.LazyFrame, column: Column, n: int) -> pl.LazyFrame:
    """The distinct raw values of a column with `_v<n>` (typed value) and `_e<n>` (error)."""
    plan = plan_column(column.name, column, f"_p{n}")
    for stage in plan.stages:
        values = values.with_columns(stage)
    temporaries = [e.meta.output_name() for stage in plan.stages for e in stage]
    return values.with_columns(plan.value.alias(f"_v{n}"), plan.error.alias(f"_e{n}")).drop(
        temporaries
    )

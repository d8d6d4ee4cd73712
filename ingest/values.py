"""Typed values from raw cell text, vectorised per column.

Formats accepted are those of reports.md, "Cell values": numbers as numbers or text
(`1,490`, `NT$1,490`, `$1490.00`, `1490元`, full-width digits, `(120)` for -120),
`-`/`—`/blank for no value; timestamps as Excel date cells, Excel serial numbers,
`2025/03/01 10:22:33`, `2025-03-01 10:22`, `2025/3/1 下午 02:22:33`, ISO 8601 with an
offset. Timestamps come out as naive Asia/Taipei wall time.

Typing happens once per distinct raw value of a column (ingest.normalise), except
where `fast_stages` already typed the cell: timestamps are nearly all distinct, so the
formats reports.md names for them are parsed straight from the raw text, and only
the rest take the full parser.

Each column is parsed in stages (`ColumnPlan.stages`), each stage materialised as
temporary columns before the next reads them. polars does not share common
sub-expressions inside when/then chains, so without the stages the cleaned text of
a column would be recomputed by every branch that reads it: staging made the
parse several times faster.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from ingest.contracts import Column, Kind
from ingest.text import nfkc_expr
from ingest.vocab import VOCABULARIES

MONEY = pl.Decimal(18, 2)
TAIPEI_OFFSET_MINUTES = 8 * 60
_EXCEL_EPOCH_SERIAL = 25569  # 1970-01-01 as an Excel (1900 system) serial
_MAX_SERIAL = 2958465  # 9999-12-31
BLANKS = ["", "-", "—", "–", "−"]

# Reasons, short and stable so they can be counted and tested.
MISSING = "missing"
UNPARSEABLE = "unparseable"
NEGATIVE = "negative"
UNKNOWN_VALUE = "unknown_value"
NOT_INTEGER = "not_integer"

LAKE_TYPES: dict[Kind, pl.DataType] = {
    Kind.ID: pl.String(),
    Kind.TEXT: pl.String(),
    Kind.ENUM: pl.String(),
    Kind.MONEY: MONEY,
    Kind.INT: pl.Int64(),
    Kind.TIMESTAMP: pl.Datetime("us"),
    Kind.DATE: pl.Date(),
}


@dataclass(frozen=True)
class ColumnPlan:
    stages: list[list[pl.Expr]]  # temporary columns, stage by stage
    value: pl.Expr  # the typed value, defaults applied
    error: pl.Expr  # the reason the cell is bad, or null


def clean_text(raw: pl.Expr, kind: Kind) -> pl.Expr:
    """Stage 1: the cell as comparable text (NFKC folds full-width and NBSP)."""
    if kind is Kind.TEXT:  # names keep their own characters
        return raw.str.replace_all("\u00a0", " ").str.strip_chars()
    text = nfkc_expr(raw).str.strip_chars()
    if kind in (Kind.MONEY, Kind.INT):
        return text.str.replace_all(r"(?i)nt\$|\$|元|twd|,|\s", "").str.replace(
            r"^\((.*)\)$", "-$1"
        )
    if kind in (Kind.ENUM, Kind.TIMESTAMP, Kind.DATE):
        return text.str.replace_all(r"\s+", " ").str.to_lowercase()
    return text


def _money(text: pl.Expr) -> pl.Expr:
    # More than two decimals are accepted only as float noise of a numeric cell
    # (1490.0700000001); a real third decimal (12.345) is not a TWD amount.
    as_float = text.cast(pl.Float64, strict=False)
    noise = text.str.contains(r"^-?\d+\.\d{3,}$") & ((as_float - as_float.round(2)).abs() < 1e-6)
    exact = text.str.contains(r"^-?\d+(\.\d{1,2})?$")
    return (
        pl.when(exact)
        .then(text)
        .when(noise)
        .then(as_float.round(2).cast(pl.String))
        .cast(MONEY, strict=False)
    )


def _datetime_parts(text: pl.Expr, prefix: str) -> list[pl.Expr]:
    """Stage 2 of a timestamp: the wall-clock core, the meridiem and the offset apart."""
    core = (
        text.str.replace_all(r"上午|下午|\bam\b|\bpm\b", " ")
        .str.replace(r"(z|[+-]\d{2}:?\d{2})$", "")
        .str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", "$1-$2-$3")
        .str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})t", "$1 ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return [
        core.alias(f"{prefix}_core"),
        text.str.extract(r"(上午|下午|\bam\b|\bpm\b)").alias(f"{prefix}_meridiem"),
        text.str.extract(r"\d(z|[+-]\d{2}:?\d{2})$").alias(f"{prefix}_offset"),
    ]


def _epoch_seconds(text: pl.Expr, prefix: str) -> pl.Expr:
    """Stage 3 of a timestamp: seconds since 1970 on the Asia/Taipei wall clock."""
    core = pl.col(f"{prefix}_core")
    meridiem = pl.col(f"{prefix}_meridiem")
    offset = pl.col(f"{prefix}_offset")
    stamp = pl.coalesce(
        core.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False),
        core.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M", strict=False),
        core.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )
    seconds = (stamp.dt.epoch("ms") / 1000).round(0).cast(pl.Int64)
    hour = stamp.dt.hour()
    pm = meridiem.is_in(["下午", "pm"])
    shift = (
        pl.when(meridiem.is_null())
        .then(0)
        .when(pm & (hour < 12))
        .then(12 * 3600)
        .when(~pm & (hour == 12))
        .then(-12 * 3600)
        .otherwise(0)
    )
    hour_ok = meridiem.is_null() | ((hour >= 1) & (hour <= 12))
    offset_minutes = (
        pl.when(offset.is_null())
        .then(pl.lit(TAIPEI_OFFSET_MINUTES))
        .when(offset == "z")
        .then(pl.lit(0))
        .otherwise(
            pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
            * (
                offset.str.slice(1, 2).cast(pl.Int32, strict=False) * 60
                + offset.str.replace(":", "").str.slice(3, 2).cast(pl.Int32, strict=False)
            )
        )
    )
    # An explicit offset is moved onto the Taipei wall clock (UTC+8, no DST).
    from_text = pl.when(hour_ok).then(
        seconds + shift + (TAIPEI_OFFSET_MINUTES - offset_minutes) * 60
    )
    return pl.coalesce(from_text, _from_serial(text.cast(pl.Float64, strict=False)))


# Timestamp formats parsed straight from the raw cell: what calamine writes for a date
# cell, then the exports reports.md names. (format, offset given in the text)
_FAST_STAMPS: tuple[tuple[str, bool], ...] = (
    ("%Y-%m-%d %H:%M:%S", False),
    ("%Y/%m/%d %H:%M:%S", False),
    ("%Y-%m-%dT%H:%M:%S%:z", True),
    ("%Y-%m-%dT%H:%M:%SZ", False),  # Z is UTC
)


def fast_stages(column: Column, raw: pl.Expr, name: str) -> list[pl.Expr]:
    """Stages writing column `name`: the typed value of the cells in a common format, else null.

    Every cell a stage types is one the full parser (`plan_column`) types to the same
    value, so only the cells left null need it. Each stage reads only the cells the
    stages before left null (polars skips null cells), which is what makes it cheap.
    Only timestamps have fast stages: other columns repeat few distinct values.
    """
    if column.kind is not Kind.TIMESTAMP:
        return []
    done = pl.col(name)
    stages: list[pl.Expr] = []
    for fmt, with_offset in _FAST_STAMPS:
        todo = raw if not stages else pl.when(done.is_null()).then(raw)
        if with_offset:  # an instant: moved onto the Taipei wall clock
            stamp = todo.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
            seconds = stamp.dt.epoch("s") + TAIPEI_OFFSET_MINUTES * 60
        else:
            stamp = todo.str.strptime(pl.Datetime("us"), fmt, strict=False)
            seconds = stamp.dt.epoch("s")
            if fmt.endswith("Z"):
                seconds = seconds + TAIPEI_OFFSET_MINUTES * 60
        stages.append(seconds if not stages else pl.coalesce(done, seconds))
    serial = pl.when(done.is_null()).then(raw).cast(pl.Float64, strict=False)
    stages.append(pl.coalesce(done, _from_serial(serial)))
    stamp = pl.from_epoch(done, time_unit="s").cast(LAKE_TYPES[column.kind])
    return [e.alias(name) for e in stages] + [stamp.alias(name)]


def _from_serial(serial: pl.Expr) -> pl.Expr:
    """Seconds since 1970 of an Excel serial number (the 1900 date system), else null."""
    return pl.when((serial >= 1) & (serial <= _MAX_SERIAL)).then(
        ((serial - _EXCEL_EPOCH_SERIAL) * 86400).round(0).cast(pl.Int64)
    )


@functools.lru_cache(maxsize=512)
def plan_column(source: str | None, column: Column, prefix: str) -> ColumnPlan:
    """How to turn one raw text column (`source`; None if absent) into a typed column.

    Cached: a workbook's sheets repeat the same few layouts, and building polars
    expressions costs more than running them on a small sheet.
    """
    raw = pl.col(source) if source is not None else pl.lit(None, pl.String)
    kind = column.kind
    dtype = LAKE_TYPES[kind]
    text_name, value_name = f"{prefix}_t", f"{prefix}_v"
    text = pl.col(text_name)
    stages: list[list[pl.Expr]] = [[clean_text(raw, kind).alias(text_name)]]
    reason: pl.Expr = pl.lit(UNPARSEABLE)
    match kind:
        case Kind.ID:
            parsed = text.str.replace(r"^(\d+)\.0+$", "$1")
        case Kind.TEXT:
            parsed = text
        case Kind.MONEY:
            parsed = _money(text)
        case Kind.INT:
            parsed = text.str.replace(r"^(-?\d+)\.0*$", "$1").cast(pl.Int64, strict=False)
            fractional = text.str.contains(r"^-?\d+\.\d*[1-9]\d*$")
            reason = pl.when(fractional).then(pl.lit(NOT_INTEGER)).otherwise(pl.lit(UNPARSEABLE))
        case Kind.ENUM:
            assert column.vocab is not None
            parsed = text.replace_strict(
                VOCABULARIES[column.vocab], default=None, return_dtype=pl.String
            )
            reason = pl.lit(UNKNOWN_VALUE)
        case Kind.TIMESTAMP | Kind.DATE:
            stages.append(_datetime_parts(text, prefix))
            epoch = pl.from_epoch(_epoch_seconds(text, prefix), time_unit="s")
            parsed = epoch.dt.date() if kind is Kind.DATE else epoch.cast(pl.Datetime("us"))
    stages.append([parsed.cast(dtype).alias(value_name)])

    value = pl.col(value_name)
    blank = text.is_null() | text.is_in(BLANKS)
    default = pl.lit(column.blank).cast(dtype) if column.blank is not None else pl.lit(None, dtype)
    error = (
        pl.when(blank)
        .then(pl.lit(MISSING) if column.required else pl.lit(None, pl.String))
        .when(value.is_null())
        .then(reason)
    )
    if column.non_negative:
        error = error.when(value < 0).then(pl.lit(NEGATIVE))
    return ColumnPlan(
        stages=stages,
        value=pl.when(blank).then(default).otherwise(value),
        error=error.otherwise(pl.lit(None, pl.String)),
    )


def parse_cells(cells: list[str | None], column: Column) -> pl.DataFrame:
    """Parse a list of cells as one column: `value` and `error`, for tests and one-offs."""
    frame = pl.LazyFrame({"raw": cells}, schema={"raw": pl.String})
    plan = plan_column("raw", column, "_p")
    for stage in plan.stages:
        frame = frame.with_columns(stage)
    return frame.select(plan.value.alias("value"), plan.error.alias("error")).collect()

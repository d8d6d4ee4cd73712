"""Typed values from raw cell text, vectorised per column.

Formats accepted are those of docs/input-contract.md, "Cell values": numbers as
numbers or text (`1,490`, `NT$1,490`, `$1490.00`, `1490元`, full-width digits, `(120)`
for -120), `-`/`—`/blank for no value; timestamps as Excel date cells, Excel serial
numbers, `2025/03/01 10:22:33`, `2025-03-01 10:22`, `2025/3/1 下午 02:22:33`,
`2025年3月1日 上午10時22分`, with an offset in any common spelling (`+08:00`, `+0800`,
`Z`, `UTC`, `GMT+8`). Timestamps come out as naive Asia/Taipei wall time. A cell that
cannot stand gets a reason instead of a value (`REASONS`): an unreadable offset, a date
or a time alone where a timestamp is required, an Excel zero date, an ID in scientific
notation, a formula's error value.

Typing happens once per distinct raw value of a column (ingest.normalise), except
where `fast_stages` already typed the cell: timestamps are nearly all distinct, so the
formats the contract names for them are parsed straight from the raw text, and only
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

from ingest.contracts import KIND_TYPES, Column, Kind
from ingest.text import nfkc_expr, strip_invisible_expr
from ingest.vocab import VOCABULARIES

MONEY = pl.Decimal(18, 2)
TAIPEI_OFFSET_MINUTES = 8 * 60
_EXCEL_EPOCH_SERIAL = 25569  # 1970-01-01 as an Excel (1900 system) serial
_MAX_SERIAL = 2958465  # 9999-12-31
# Seconds since 1970 of 1900-01-01: calamine writes an Excel date cell holding 0 (or a
# time-only cell) on 1899-12-31, which is never a real day of the back office.
_MIN_SECONDS = -2208988800
BLANKS = ["", "-", "—", "–", "−"]

# Reasons, short and stable so they can be counted and tested (docs/input-contract.md
# lists each with an example; ingest.contract_doc reads `REASONS`).
MISSING = "missing"
UNPARSEABLE = "unparseable"
NEGATIVE = "negative"
UNKNOWN_VALUE = "unknown_value"
NOT_INTEGER = "not_integer"
BAD_OFFSET = "bad_offset"
INCOMPLETE_TIMESTAMP = "incomplete_timestamp"
ZERO_DATE = "zero_date"
ID_PRECISION_LOST = "id_precision_lost"
FORMULA_ERROR = "formula_error"
CONFLICTING_DUPLICATE = "conflicting_duplicate"

# Every reason a row can be quarantined for, with what it means (for the docs).
REASONS: dict[str, str] = {
    MISSING: "a required column has no value (empty, spaces only, `-` or `—`)",
    UNPARSEABLE: "the cell cannot be read as its column's type",
    NEGATIVE: "a negative `amount` (a refund keeps the positive amount and says `refunded`)",
    UNKNOWN_VALUE: "a spelling the column's vocabulary does not list",
    NOT_INTEGER: "a count with a fractional part",
    BAD_OFFSET: "a timestamp whose offset after the time cannot be read",
    INCOMPLETE_TIMESTAMP: "a date without a time, or a time without a date, where a "
    "timestamp is required",
    ZERO_DATE: "an Excel date cell holding 0 (shown as 1899-12-31 or 1900-01-00)",
    ID_PRECISION_LOST: "an ID written in scientific notation (`1.23457E+11`): its digits are gone",
    FORMULA_ERROR: "a formula with an error value (`#N/A`, `#DIV/0!`, ...) or without a "
    "cached value",
    CONFLICTING_DUPLICATE: "the same key (an order_id; a streamer-, channel- or user-day) "
    "twice in one sheet with different content: every such row",
}

# What Excel, LibreOffice and Google Sheets show for a formula that failed, and what
# ingest.cellinfo writes into a formula cell that has no cached value.
FORMULA_ERRORS: tuple[str, ...] = (
    "#N/A",
    "#DIV/0!",
    "#REF!",
    "#VALUE!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#UNKNOWN!",
    "#BUSY!",
    "#GETTING_DATA",
    "Err:502",
    "Err:504",
    "Err:508",
    "Err:511",
    "Err:522",
    "Err:523",
)
NO_CACHED_VALUE = "<formula without a cached value>"
# Matched on the cell's text, stripped (the literals need no escaping but `?`).
_FORMULA_ERROR_RE = (
    "^(?:(?:"
    + "|".join(e.replace("?", "\\?") for e in FORMULA_ERRORS)
    + ")$|"
    + NO_CACHED_VALUE
    + ")"
)


def formula_error(raw: pl.Expr) -> pl.Expr:
    """Whether a raw cell is a formula's error value or a formula without a cached value."""
    return raw.str.strip_chars().str.contains(_FORMULA_ERROR_RE).fill_null(False)


# The polars type that writes each DuckDB type of the lake's schema (ingest.contracts).
POLARS_TYPES: dict[str, pl.DataType] = {
    "varchar": pl.String(),
    "bigint": pl.Int64(),
    "decimal(18,2)": MONEY,
    "timestamp": pl.Datetime("us"),
    "timestamp with time zone": pl.Datetime("us", "UTC"),
    "date": pl.Date(),
}
LAKE_TYPES: dict[Kind, pl.DataType] = {kind: POLARS_TYPES[t] for kind, t in KIND_TYPES.items()}


@dataclass(frozen=True)
class ColumnPlan:
    stages: list[list[pl.Expr]]  # temporary columns, stage by stage
    value: pl.Expr  # the typed value, defaults applied
    error: pl.Expr  # the reason the cell is bad, or null


def clean_text(raw: pl.Expr, kind: Kind) -> pl.Expr:
    """Stage 1: the cell as comparable text (NFKC folds full-width and NBSP)."""
    if kind is Kind.TEXT:  # names keep their own characters (joiners too)
        return strip_invisible_expr(raw).str.replace_all("\u00a0", " ").str.strip_chars()
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


_MERIDIEM = r"上午|下午|\bam\b|\bpm\b|\ba\.m\.|\bp\.m\."
_STAMP = (
    r"^(?:r(?P<roc>\d{2,3})|(?P<y>\d{4}))[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:(?:t|\s)\s*(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?\s*(?P<tail>.*)$"
)
_OFFSET = r"^(?:utc|gmt)?\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<mm>\d{2}))?$"
_UTC_NAMES = ["z", "utc", "gmt", "ut"]


def _datetime_parts(text: pl.Expr, prefix: str) -> list[list[pl.Expr]]:
    """Stage 2 of a timestamp: the meridiem, and the date, time and what follows the time
    (the offset) apart. `2025年3月2日`, `民國114年3月2日` (the Republic of China year,
    + 1911), `9時15分` and `上午`/`下午` are spelled out first, only in the cells that
    have them (polars skips the cells masked to null)."""
    cjk = text.str.contains("[年時点點]")
    spelled = pl.coalesce(
        pl.when(cjk)
        .then(text)
        .str.replace(r"^(?:民國\s*)?(\d{2,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "r$1-$2-$3")
        .str.replace(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "$1-$2-$3")
        .str.replace(r"(\d{1,2})\s*[時点點]\s*(\d{1,2})\s*分\s*(\d{1,2})\s*秒", "$1:$2:$3")
        .str.replace(r"(\d{1,2})\s*[時点點]\s*(\d{1,2})\s*分", "$1:$2"),
        text,
    )
    meridiem = pl.col(f"{prefix}_meridiem")
    rest = pl.coalesce(
        pl.when(meridiem.is_not_null())
        .then(pl.col(f"{prefix}_spelled"))
        .str.replace_all(_MERIDIEM, " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(),
        pl.col(f"{prefix}_spelled"),
    )
    return [
        [spelled.alias(f"{prefix}_spelled")],
        [pl.col(f"{prefix}_spelled").str.extract(f"({_MERIDIEM})").alias(f"{prefix}_meridiem")],
        [rest.alias(f"{prefix}_rest")],
        [
            pl.col(f"{prefix}_rest").str.extract_groups(_STAMP).alias(f"{prefix}_parts"),
            pl.col(f"{prefix}_rest")
            .str.contains(r"^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$")
            .alias(f"{prefix}_clock"),
        ],
    ]


def _offset_minutes(tail: pl.Expr) -> pl.Expr:
    """Minutes east of UTC that the text after the time names, else null (unreadable).

    `+08:00`, `+0800`, `+8`, ` +0000`, `Z`, `UTC`, `GMT`, `GMT+8`, `UTC+08:00`; nothing
    after the time means Asia/Taipei.
    """
    parts = tail.str.extract_groups(_OFFSET)
    hours = parts.struct.field("h").cast(pl.Int32, strict=False)
    minutes = parts.struct.field("mm").cast(pl.Int32, strict=False).fill_null(0)
    sign = pl.when(parts.struct.field("sign") == "-").then(-1).otherwise(1)
    signed = pl.when((hours <= 14) & (minutes < 60)).then(sign * (hours * 60 + minutes))
    return (
        pl.when(tail == "")
        .then(pl.lit(TAIPEI_OFFSET_MINUTES))
        .when(tail.is_in(_UTC_NAMES))
        .then(pl.lit(0))
        .otherwise(signed)
    )


def _epoch_seconds(text: pl.Expr, prefix: str, kind: Kind) -> list[list[pl.Expr]]:
    """Stages 3 to 6 of a timestamp: seconds since 1970 on the Asia/Taipei wall clock
    (`<prefix>_sec`), and why there are none (`<prefix>_why`) when the text is a date,
    a time or an offset that cannot stand.

    A date without a time (or a time without a date) is no timestamp; calamine writes
    an Excel date cell holding 0 as 1899-12-31 00:00 and a time-only cell on that day,
    which are no dates at all (docs/input-contract.md, "Cell values"). Each stage reads
    the columns the one before materialised: the reason reads the value many times.
    """
    col = lambda name: pl.col(f"{prefix}_{name}")  # noqa: E731 - a short local reader
    parts = col("parts")
    roc = (parts.struct.field("roc").cast(pl.Int32, strict=False) + 1911).cast(pl.String)
    year = pl.coalesce(parts.struct.field("y"), roc)
    split = [
        pl.concat_str(year, parts.struct.field("m"), parts.struct.field("d"), separator="-").alias(
            f"{prefix}_date"
        ),
        parts.struct.field("time").str.replace(",", ".").alias(f"{prefix}_time"),
        parts.struct.field("tail").alias(f"{prefix}_tail"),
    ]
    core = pl.concat_str(col("date"), pl.lit(" "), col("time"))
    stamp = pl.coalesce(
        core.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False),
        core.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M", strict=False),
    )
    day = col("date").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    read = [
        (stamp.dt.epoch("ms") / 1000).round(0).cast(pl.Int64).alias(f"{prefix}_clock_s"),
        stamp.dt.hour().alias(f"{prefix}_hour"),
        day.cast(pl.Datetime("us")).dt.epoch("s").alias(f"{prefix}_midnight"),
        _offset_minutes(col("tail")).alias(f"{prefix}_offset"),
        text.cast(pl.Float64, strict=False).alias(f"{prefix}_serial"),
    ]
    meridiem, hour, offset, serial = col("meridiem"), col("hour"), col("offset"), col("serial")
    pm = meridiem.is_in(["下午", "pm", "p.m."])
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
    # An explicit offset is moved onto the Taipei wall clock (UTC+8, no DST).
    timed = pl.when(hour_ok & offset.is_not_null()).then(
        col("clock_s") + shift + (TAIPEI_OFFSET_MINUTES - offset) * 60
    )
    date_only = col("time").is_null() & (col("tail") == "") & col("midnight").is_not_null()
    from_text = pl.when(col("time").is_not_null()).then(timed)
    if kind is Kind.DATE:  # a date may come with or without its time
        from_text = from_text.when(date_only).then(col("midnight"))
    valued = [
        pl.coalesce(from_text, _from_serial(serial)).alias(f"{prefix}_any"),
        (col("clock_s").is_not_null() & hour_ok & offset.is_null()).alias(f"{prefix}_badoff"),
        date_only.alias(f"{prefix}_dateonly"),
    ]
    value = col("any")
    zero_day = value.is_not_null() & (value < _MIN_SECONDS)
    at_midnight = value % 86400 == 0
    why = (
        pl.when(zero_day & (at_midnight | pl.lit(kind is Kind.DATE)))
        .then(pl.lit(ZERO_DATE))
        .when(zero_day)
        .then(pl.lit(INCOMPLETE_TIMESTAMP))
        .when(value.is_not_null())
        .then(pl.lit(None, pl.String))
        .when(serial == 0)
        .then(pl.lit(ZERO_DATE))
        .when(col("badoff"))
        .then(pl.lit(BAD_OFFSET))
    )
    if kind is Kind.TIMESTAMP:
        partial = col("dateonly") | col("clock") | ((serial > 0) & (serial < 1))
        why = why.when(partial).then(pl.lit(INCOMPLETE_TIMESTAMP))
    final = [
        pl.when(~zero_day).then(value).alias(f"{prefix}_sec"),
        why.otherwise(pl.lit(None, pl.String)).alias(f"{prefix}_why"),
    ]
    return [split, read, valued, final]


# Timestamp formats parsed straight from the raw cell: what calamine writes for a date
# cell, then the exports the contract names (docs/input-contract.md).
# (format, offset given in the text)
_MERIDIEM_STAMP = r"^\d{4}/\d{1,2}/\d{1,2} [上下]午 \d{1,2}:[0-5]\d:[0-5]\d$"
_FAST_STAMPS: tuple[tuple[str, bool], ...] = (
    ("%Y-%m-%d %H:%M:%S", False),
    ("%Y/%m/%d %H:%M:%S", False),
    ("%Y-%m-%dT%H:%M:%S%:z", True),
    ("%Y-%m-%dT%H:%M:%SZ", False),  # Z is UTC
)


def fast_stages(
    column: Column, raw: pl.Expr, name: str, *, distinct: bool = False
) -> list[pl.Expr]:
    """Stages writing column `name`: the typed value of the cells in a common format, else null.

    Every cell a stage types is one the full parser (`plan_column`) types to the same
    value, so only the cells left null need it. Each stage reads only the cells the
    stages before left null (polars skips null cells), which is what makes it cheap.
    Only the columns whose values are nearly all distinct have fast stages, where
    typing each distinct value and joining it back costs more than typing the rows:
    timestamps, and an ID that is `distinct` (one of its domain's key, an order_id).
    Other columns repeat few distinct values.
    """
    if column.kind is Kind.ID and distinct:
        return [_fast_id(raw).alias(name)]
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
    # `2025/3/1 下午 02:22:33`, as chrono's 12-hour clock (12 上午 is 00h, 12 下午 is 12h,
    # as the full parser has it); anything looser is left to the full parser.
    twelve = (
        pl.when(done.is_null() & raw.str.contains(_MERIDIEM_STAMP))
        .then(raw)
        .str.replace("上午", "AM", literal=True)
        .str.replace("下午", "PM", literal=True)
        .str.strptime(pl.Datetime("us"), "%Y/%m/%d %p %I:%M:%S", strict=False)
    )
    stages.append(pl.coalesce(done, twelve.dt.epoch("s")))
    serial = pl.when(done.is_null()).then(raw).cast(pl.Float64, strict=False)
    stages.append(pl.coalesce(done, _from_serial(serial)))
    # Before 1900 is an Excel date cell holding 0 or a time-only cell: the full parser
    # says which.
    stages.append(pl.when(done >= _MIN_SECONDS).then(done))
    stamp = pl.from_epoch(done, time_unit="s").cast(LAKE_TYPES[column.kind])
    return [e.alias(name) for e in stages] + [stamp.alias(name)]


def _fast_id(raw: pl.Expr) -> pl.Expr:
    """An ID of ASCII letters, digits, `.`, `_` and `-` (a letter or digit first), spaces
    around it stripped and a numeric cell's `.0` dropped, as the full parser types it:
    NFKC leaves such text as it is and turns the spaces (NBSP, U+3000) into spaces that
    are stripped anyway; it holds no `+` (scientific notation), is no blank and no
    formula's error value. Any other cell is left null, for the full parser."""
    core = raw.str.strip_chars()
    numeric = pl.when(core.str.contains(r"^\d+\.0+$")).then(core).str.replace(r"\.0+$", "")
    return pl.when(core.str.contains(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")).then(
        pl.coalesce(numeric, core)
    )


def _from_serial(serial: pl.Expr) -> pl.Expr:
    """Seconds since 1970 of an Excel serial number (the 1900 date system), else null."""
    return pl.when((serial >= 1) & (serial <= _MAX_SERIAL)).then(
        ((serial - _EXCEL_EPOCH_SERIAL) * 86400).round(0).cast(pl.Int64, strict=False)
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
            # Excel writes a long number it turned into text as `1.23457E+11`: the
            # digits are gone and distinct orders would merge.
            scientific = text.str.contains(r"(?i)^[+-]?\d+(?:\.\d+)?e\+\d{1,3}$")
            parsed = pl.when(~scientific).then(text.str.replace(r"^(\d+)\.0+$", "$1"))
            reason = (
                pl.when(scientific).then(pl.lit(ID_PRECISION_LOST)).otherwise(pl.lit(UNPARSEABLE))
            )
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
            stages.extend(_datetime_parts(text, prefix))
            stages.extend(_epoch_seconds(text, prefix, kind))
            epoch = pl.from_epoch(pl.col(f"{prefix}_sec"), time_unit="s")
            parsed = epoch.dt.date() if kind is Kind.DATE else epoch.cast(pl.Datetime("us"))
            reason = pl.coalesce(pl.col(f"{prefix}_why"), pl.lit(UNPARSEABLE))
    stages.append([parsed.cast(dtype).alias(value_name)])

    value = pl.col(value_name)
    blank = text.is_null() | text.is_in(BLANKS)
    default = pl.lit(column.blank).cast(dtype) if column.blank is not None else pl.lit(None, dtype)
    error = (
        pl.when(formula_error(raw))
        .then(pl.lit(FORMULA_ERROR))
        .when(blank)
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

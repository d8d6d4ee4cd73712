"""Typed values from raw cell text, one vectorised expression per column.

Each parser takes the raw text column and returns a `Parsed` pair: the typed value
and the reason it failed (null where the cell is fine). Whole columns are parsed at
once in polars, which keeps the ingest within reach of the raw xlsx read time.

Formats accepted are those of reports.md, "Cell values": numbers as numbers or text
(`1,490`, `NT$1,490`, `$1490.00`, `1490元`, full-width digits, `(120)` for -120),
`-`/`—`/blank for no value; timestamps as Excel date cells, Excel serial numbers,
`2025/03/01 10:22:33`, `2025-03-01 10:22`, `2025/3/1 下午 02:22:33`, ISO 8601 with an
offset. Timestamps come out as naive Asia/Taipei wall time.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ingest.contracts import Column, Kind
from ingest.vocab import VOCABULARIES

MONEY = pl.Decimal(18, 2)
TAIPEI_OFFSET_MINUTES = 8 * 60
_EXCEL_EPOCH_SERIAL = 25569  # 1970-01-01 as an Excel (1900 system) serial
_MAX_SERIAL = 2958465  # 9999-12-31

# Reasons, short and stable so they can be counted and tested.
MISSING = "missing"
UNPARSEABLE = "unparseable"
NEGATIVE = "negative"
UNKNOWN_VALUE = "unknown_value"
NOT_INTEGER = "not_integer"


@dataclass(frozen=True)
class Parsed:
    value: pl.Expr
    error: pl.Expr  # a reason string, or null


def _normalised(raw: pl.Expr) -> pl.Expr:
    """NFKC (full-width digits and letters, NBSP -> space) and trimmed."""
    return raw.str.normalize("NFKC").str.strip_chars()


def is_blank(raw: pl.Expr) -> pl.Expr:
    """No value: empty, whitespace only, `-` or a dash."""
    text = _normalised(raw)
    return raw.is_null() | text.is_in(["", "-", "—", "–", "−"])


def _numeric_text(raw: pl.Expr) -> pl.Expr:
    """`NT$1,490` -> `1490`, `(120)` -> `-120`, `1490元` -> `1490`."""
    text = (
        _normalised(raw)
        .str.replace_all(r"(?i)nt\$|\$|元|twd|,|\s", "")
        .str.replace(r"^\((.*)\)$", "-$1")
    )
    return text


def parse_money(raw: pl.Expr) -> Parsed:
    text = _numeric_text(raw)
    ok = text.str.contains(r"^-?\d+(\.\d{1,2})?$")
    # More than two decimals are accepted only as float noise of a numeric cell
    # (1490.0700000001); a real third decimal (12.345) is not a TWD amount.
    as_float = text.cast(pl.Float64, strict=False)
    noise = text.str.contains(r"^-?\d+\.\d{3,}$") & ((as_float - as_float.round(2)).abs() < 1e-6)
    value = (
        pl.when(ok)
        .then(text)
        .when(noise)
        .then(as_float.round(2).cast(pl.String))
        .cast(MONEY, strict=False)
    )
    error = pl.when(value.is_null()).then(pl.lit(UNPARSEABLE))
    return Parsed(value, error)


def parse_int(raw: pl.Expr) -> Parsed:
    text = _numeric_text(raw)
    whole = text.str.replace(r"^(-?\d+)\.0*$", "$1")
    value = whole.cast(pl.Int64, strict=False)
    fractional = text.str.contains(r"^-?\d+\.\d*[1-9]\d*$")
    error = (
        pl.when(value.is_not_null())
        .then(pl.lit(None, pl.String))
        .when(fractional)
        .then(pl.lit(NOT_INTEGER))
        .otherwise(pl.lit(UNPARSEABLE))
    )
    return Parsed(value, error)


def parse_id(raw: pl.Expr) -> Parsed:
    """IDs are text; a numeric cell `1234567` or text `1234567.0` is the ID `1234567`."""
    text = raw.str.replace_all("\u00a0", " ").str.strip_chars()
    value = text.str.replace(r"^(\d+)\.0+$", "$1")
    return Parsed(value, pl.lit(None, pl.String))


def parse_text(raw: pl.Expr) -> Parsed:
    value = raw.str.replace_all("\u00a0", " ").str.strip_chars()
    return Parsed(value, pl.lit(None, pl.String))


def parse_enum(raw: pl.Expr, vocabulary: str) -> Parsed:
    mapping = VOCABULARIES[vocabulary]
    key = _normalised(raw).str.replace_all(r"\s+", " ").str.to_lowercase()
    value = key.replace_strict(mapping, default=None, return_dtype=pl.String)
    error = pl.when(value.is_null()).then(pl.lit(UNKNOWN_VALUE))
    return Parsed(value, error)


_DATETIME_TEXT = (
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"  # date: groups 1-3
    r"(?:(?:\s+|t)(上午|下午|am|pm)?\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"  # 4-8
    r"\s*(上午|下午|am|pm)?)?"  # 9
    r"\s*(z|[+-]\d{2}:?\d{2})?$"  # 10: offset
)


def _serial_to_epoch_seconds(text: pl.Expr) -> pl.Expr:
    serial = text.cast(pl.Float64, strict=False)
    in_range = (serial >= 1) & (serial <= _MAX_SERIAL)
    seconds = ((serial - _EXCEL_EPOCH_SERIAL) * 86400).round(0).cast(pl.Int64)
    return pl.when(in_range).then(seconds)


def _text_to_epoch_seconds(text: pl.Expr) -> pl.Expr:
    """Wall-clock text -> seconds since 1970 on the Asia/Taipei wall clock."""
    parts = text.str.to_lowercase().str.extract_groups(_DATETIME_TEXT)

    def group(i: int) -> pl.Expr:
        return parts.struct.field(str(i))

    hour = group(5).cast(pl.Int32)
    meridiem = pl.coalesce(group(4), group(9))
    pm = meridiem.is_in(["下午", "pm"])
    hour24 = (
        pl.when(meridiem.is_null())
        .then(hour)
        .otherwise(hour % 12 + pl.when(pm).then(12).otherwise(0))
    )
    hour_ok = meridiem.is_null() | ((hour >= 1) & (hour <= 12))
    stamp = pl.format(
        "{}-{}-{} {}:{}:{}",
        group(1),
        group(2).str.zfill(2),
        group(3).str.zfill(2),
        hour24.fill_null(0).cast(pl.String).str.zfill(2),
        group(6).fill_null("00"),
        group(7).fill_null("00"),
    ).str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    fraction = pl.concat_str(pl.lit("0."), group(8)).cast(pl.Float64, strict=False).fill_null(0.0)
    offset = group(10)
    offset_minutes = (
        pl.when(offset.is_null())
        .then(pl.lit(TAIPEI_OFFSET_MINUTES))
        .when(offset == "z")
        .then(pl.lit(0))
        .otherwise(
            offset.str.slice(0, 1).replace_strict({"+": 1, "-": -1}, return_dtype=pl.Int32)
            * (
                offset.str.slice(1, 2).cast(pl.Int32) * 60
                + offset.str.replace(":", "").str.slice(3, 2).cast(pl.Int32)
            )
        )
    )
    seconds = stamp.dt.epoch("s") + fraction.round(0).cast(pl.Int64)
    # Shift an explicit offset onto the Taipei wall clock (UTC+8, no DST).
    shifted = seconds + (TAIPEI_OFFSET_MINUTES - offset_minutes) * 60
    return pl.when(hour_ok).then(shifted)


def _epoch_seconds(raw: pl.Expr) -> pl.Expr:
    text = _normalised(raw)
    return pl.coalesce(_text_to_epoch_seconds(text), _serial_to_epoch_seconds(text))


def parse_timestamp(raw: pl.Expr) -> Parsed:
    value = pl.from_epoch(_epoch_seconds(raw), time_unit="s").cast(pl.Datetime("us"))
    return Parsed(value, pl.when(value.is_null()).then(pl.lit(UNPARSEABLE)))


def parse_date(raw: pl.Expr) -> Parsed:
    value = pl.from_epoch(_epoch_seconds(raw), time_unit="s").dt.date()
    return Parsed(value, pl.when(value.is_null()).then(pl.lit(UNPARSEABLE)))


def parse_column(raw: pl.Expr, column: Column) -> Parsed:
    """Typed value and error of one contract column, blanks and defaults included."""
    match column.kind:
        case Kind.MONEY:
            parsed = parse_money(raw)
        case Kind.INT:
            parsed = parse_int(raw)
        case Kind.ID:
            parsed = parse_id(raw)
        case Kind.TEXT:
            parsed = parse_text(raw)
        case Kind.ENUM:
            assert column.vocab is not None
            parsed = parse_enum(raw, column.vocab)
        case Kind.TIMESTAMP:
            parsed = parse_timestamp(raw)
        case Kind.DATE:
            parsed = parse_date(raw)
    dtype = LAKE_TYPES[column.kind]
    blank = is_blank(raw)
    default = pl.lit(column.blank).cast(dtype) if column.blank is not None else pl.lit(None, dtype)
    value = pl.when(blank).then(default).otherwise(parsed.value.cast(dtype))
    blank_error = pl.lit(MISSING) if column.required else pl.lit(None, pl.String)
    error = pl.when(blank).then(blank_error).otherwise(parsed.error)
    if column.non_negative:
        error = pl.when(~blank & (value < 0)).then(pl.lit(NEGATIVE)).otherwise(error)
    return Parsed(value, error)


LAKE_TYPES: dict[Kind, pl.DataType] = {
    Kind.ID: pl.String(),
    Kind.TEXT: pl.String(),
    Kind.ENUM: pl.String(),
    Kind.MONEY: MONEY,
    Kind.INT: pl.Int64(),
    Kind.TIMESTAMP: pl.Datetime("us"),
    Kind.DATE: pl.Date(),
}

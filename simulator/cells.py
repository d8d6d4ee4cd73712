"""How one canonical value is spelled in a cell.

Each function takes canonical values (money as integer cents, ids as str,
naive Asia/Taipei datetimes) plus a tuple of *modes* and returns the cells to
write. With one mode a whole column is spelled one way; with several, rows
cycle through them (row ``i`` uses ``modes[i % len(modes)]``), which is how a
"mixed" export is made. A mode that cannot spell a value (``dash_min`` for a
timestamp with seconds, ``number`` for a text id, full-width for cents) falls
back to a lossless spelling, so the value the ingest must derive never changes.

A cell is ``None`` (nothing written), ``str``, ``int``/``float`` (numeric
cell) or :class:`DateCell` (an Excel date cell with a display format).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from simulator.vocab import RAW_EN, RAW_ZH, VIP_SPELLING

EXCEL_EPOCH = datetime(1899, 12, 30)
_FW = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


class DateCell(NamedTuple):
    value: datetime
    fmt: str


Cell = None | str | int | float | DateCell

NUMBER_MODES = ("numeric", "plain", "comma", "nt", "dollar", "yuan", "fullwidth")
TIME_MODES = ("datetime", "serial", "slash", "dash_min", "ampm", "iso")
DATE_MODES = ("date", "serial", "slash", "dash", "slash_short")
ID_MODES = ("text", "number", "float_text", "spaced", "nbsp")
BLANK_MODES = ("none", "empty", "dash", "emdash", "spaces", "nbsp")
ISO_OFFSETS = (8, 0, 9)  # hours; 0 is written as ``Z``


# ------------------------------------------------------------------ money
def _money_text(cents: int, comma: bool, always_cents: bool = False) -> str:
    whole, frac = divmod(abs(cents), 100)
    w = f"{whole:,}" if comma else str(whole)
    return f"{w}.{frac:02d}" if (frac or always_cents) else w


def money_cell(cents: int, mode: str) -> Cell:
    """Spell ``cents`` (TWD * 100). Negative values in text become ``(120)``."""
    if mode == "numeric":
        return cents // 100 if cents % 100 == 0 else cents / 100
    neg = cents < 0
    if mode == "plain":
        s = _money_text(cents, False)
    elif mode == "comma":
        s = _money_text(cents, True)
    elif mode == "nt":
        s = "NT$" + _money_text(cents, True)
    elif mode == "dollar":
        s = "$" + _money_text(cents, False, always_cents=True)
    elif mode == "yuan":
        s = _money_text(cents, False) + "元"
    elif mode == "fullwidth":
        s = _money_text(cents, False).translate(_FW)
    else:
        raise ValueError(mode)
    return f"({s})" if neg else s


def int_cell(v: int, mode: str) -> Cell:
    if mode == "numeric":
        return int(v)
    if mode == "plain":
        return str(v)
    if mode == "comma":
        return f"{v:,}"
    if mode == "fullwidth":
        return str(v).translate(_FW)
    raise ValueError(mode)


# ------------------------------------------------------------------ time
def excel_serial(dt: datetime) -> float:
    return (dt - EXCEL_EPOCH) / timedelta(days=1)


def timestamp_cell(dt: datetime, mode: str, i: int = 0) -> Cell:
    """Spell a naive Asia/Taipei wall time; ISO rows cycle through +08:00, Z and +09:00."""
    if mode == "datetime":
        return DateCell(dt, "yyyy-mm-dd hh:mm:ss")
    if mode == "serial":
        return excel_serial(dt)
    if mode == "dash_min" and dt.second == 0:
        return dt.strftime("%Y-%m-%d %H:%M")
    if mode in ("slash", "dash_min"):
        return dt.strftime("%Y/%m/%d %H:%M:%S")
    if mode == "ampm":
        half = "上午" if dt.hour < 12 else "下午"
        h12 = dt.hour % 12 or 12
        return f"{dt.year}/{dt.month}/{dt.day} {half} {h12:02d}:{dt.minute:02d}:{dt.second:02d}"
    if mode == "iso":
        off = ISO_OFFSETS[i % len(ISO_OFFSETS)]
        shifted = dt + timedelta(hours=off - 8)
        suffix = "Z" if off == 0 else f"+{off:02d}:00"
        return shifted.strftime("%Y-%m-%dT%H:%M:%S") + suffix
    raise ValueError(mode)


def date_cell(d: date, mode: str) -> Cell:
    if mode == "date":
        return DateCell(datetime(d.year, d.month, d.day), "yyyy-mm-dd")
    if mode == "serial":
        return (d - EXCEL_EPOCH.date()).days
    if mode == "slash":
        return d.strftime("%Y/%m/%d")
    if mode == "dash":
        return d.isoformat()
    if mode == "slash_short":
        return f"{d.year}/{d.month}/{d.day}"
    raise ValueError(mode)


# ------------------------------------------------------------------ ids and text
def id_cell(v: str, mode: str) -> Cell:
    """Numeric-looking ids (< 1e15, so a float holds them exactly) may become numbers."""
    numeric = v.isdigit() and len(v) < 16
    if mode == "number" and numeric:
        return int(v)
    if mode == "float_text" and numeric:
        return f"{v}.0"
    if mode == "spaced":
        return f" {v}  "
    if mode == "nbsp":
        return f"\u00a0{v}\u00a0"
    return v


_BLANKS: dict[str, Cell] = {
    "none": None,
    "empty": "",
    "dash": "-",
    "emdash": "—",
    "spaces": "   ",
    "nbsp": " \u00a0 ",
}


def blank_cell(mode: str) -> Cell:
    """No value: nothing, an empty string, ``-``, ``—`` or whitespace only."""
    return _BLANKS[mode]


def text_cell(v: str, spaced: bool, i: int) -> Cell:
    if spaced and i % 3 == 0:
        return f"  {v}\u00a0" if i % 2 else f" {v} "
    return v


def vocab_cell(vocab: str, canon: str, mode: str, i: int) -> Cell:
    """A raw spelling of a vocabulary value; ``vip`` spells levels as VIP0..VIP4."""
    en = RAW_EN[vocab][canon]
    if mode == "vip" and vocab == "membership_level":
        return VIP_SPELLING[canon]
    if mode in ("title", "vip"):
        return en[0]
    if mode == "alt":
        return en[-1]
    if mode == "zh":
        zh = RAW_ZH[vocab].get(canon)
        return zh[(i // 2) % len(zh)] if zh else en[(i // 2) % len(en)]
    if mode == "upper":
        return en[0].upper()
    if mode == "lower":
        return en[0].lower()
    if mode == "spaced":
        return f" {en[0]}\u00a0"
    raise ValueError(mode)

"""Read a CSV export as one sheet of text cells, its encoding detected, never guessed.

A CSV file becomes one sheet named after the file's stem (as Excel names it when it
opens the file); record n is Excel row n, and every cell is text, exactly like the
cells calamine hands out, so header finding and typing do not know the difference.

The encoding is decided by strict decoding, in a fixed order, never by a statistical
guess that can be silently wrong:

1. a byte-order mark says it: UTF-8 (what Excel's "CSV UTF-8" writes) or UTF-16;
2. otherwise the bytes are decoded strictly both as UTF-8 and as cp950 (Big5 with
   Microsoft's extensions, what Excel on a Taiwanese Windows writes for "CSV"). If
   exactly one succeeds, that is the encoding; pure ASCII is the same text in both.
   Non-ASCII bytes valid in both are ambiguous and the file is rejected (a real
   Chinese text is almost never valid in both: UTF-8 continuation bytes rarely pair
   up as Big5), as is a file that neither decodes, naming the encodings tried and
   where the first one failed.

The delimiter is the one of `,` tab `;` found on most of the first lines (`,` on a
tie). A cell written `="00123"` (how web exports keep an ID's leading zeros through
Excel) is the text `00123`.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path, PurePath

import polars as pl

from ingest.readers.limits import Limits
from ingest.sources.base import display_name

_DELIMITERS = (",", "\t", ";")
# What a workbook saved under a .csv name starts with.
_BINARY_MAGIC = (
    (b"PK\x03\x04", "a zip file (an .xlsx, .xlsb or .ods workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an OLE file (a legacy .xls workbook?)"),
)
_SNIFF_LINES = 50
# A CSV's cells are held as Python strings while the grid is built: about this many
# times the file's size, counted against the per-file budget.
_MEMORY_FACTOR = 8


class UnreadableCsvError(Exception):
    """The file cannot be decoded or parsed as CSV."""


@dataclass(frozen=True)
class CsvSheet:
    name: str
    encoding: str
    grid: pl.DataFrame  # every cell as text; columns c0, c1, ...


def read(path: Path) -> CsvSheet:
    limits = Limits.from_env()
    size = path.stat().st_size
    if size * _MEMORY_FACTOR > limits.budget_bytes:
        raise UnreadableCsvError(
            f"a CSV of {size / (1 << 20):,.1f} MB needs about {_MEMORY_FACTOR}x that in "
            f"memory, more than {limits.budget_text()}; split the export, or raise the budget"
        )
    data = path.read_bytes()
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnreadableCsvError(
                f"not a CSV: it is {kind} with a .csv name; give it its real extension"
            )
    text, encoding = decode(data)
    rows = _parse(text)
    # The stem as lineage shows it: valid UTF-8 even when the name's bytes are not.
    return CsvSheet(name=display_name(PurePath(path.stem)), encoding=encoding, grid=_grid(rows))


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding (see the module docstring)."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", "UTF-8 (with BOM)"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", "UTF-16 (with BOM)"), "utf-16"
    tried: dict[str, str | UnicodeDecodeError] = {}
    for encoding in ("utf-8", "cp950"):
        try:
            tried[encoding] = data.decode(encoding)
        except UnicodeDecodeError as exc:
            tried[encoding] = exc
    texts = {e: t for e, t in tried.items() if isinstance(t, str)}
    if len(texts) == 2:
        if data.isascii():
            return texts["utf-8"], "ascii"
        raise UnreadableCsvError(
            "its encoding is ambiguous: the bytes are valid both as UTF-8 and as Big5 "
            "(cp950) and read differently; save it as 'CSV UTF-8' (with a byte-order mark)"
        )
    if len(texts) == 1:
        encoding, text = next(iter(texts.items()))
        return text, encoding
    errors = "; ".join(
        f"{e}: invalid byte 0x{data[x.start]:02x} at offset {x.start}"
        for e, x in tried.items()
        if isinstance(x, UnicodeDecodeError)
    )
    raise UnreadableCsvError(
        f"not a text CSV in a known encoding (tried UTF-8 with or without BOM, UTF-16 with "
        f"BOM, Big5/cp950: {errors}); save it as 'CSV UTF-8'"
    )


def _strict(data: bytes, encoding: str, label: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableCsvError(
            f"it starts with a {label} byte-order mark but byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start} is not {label}"
        ) from exc


def _parse(text: str) -> list[list[str]]:
    if "\x00" in text:
        raise UnreadableCsvError("not a text CSV: it contains NUL bytes (a binary file?)")
    head = text.splitlines()[:_SNIFF_LINES]
    delimiter = max(_DELIMITERS, key=lambda d: (sum(d in line for line in head), d == ","))
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableCsvError(f"not a well-formed CSV: {exc}") from exc


def _grid(rows: list[list[str]]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{c}": [_cell(r[c]) if c < len(r) else None for r in rows] for c in range(width)}
    return pl.DataFrame(columns, schema={name: pl.String() for name in columns})


def _cell(text: str) -> str | None:
    if not text.strip():
        return None  # like the workbook reader: a cell of spaces (NBSP too) is empty
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        return text[2:-1] or None
    return text

"""Write docs/input-contract.md from the ingest's own tables, so the doc cannot drift.

    python -m ingest.contract_doc > docs/input-contract.md     (make docs)

What the code lists, the doc lists from the code: the domains and their columns,
types, defaults and header aliases (ingest.contracts), the units and invisible
characters header matching ignores (ingest.text), the vocabularies (ingest.vocab), the
blank spellings, formula errors and quarantine reasons (ingest.values), the
`Exported at` labels (ingest.headers). Every example the doc shows is run through the
code while the doc is written: a cell through the parser, a workbook through a real
ingest into a temporary lake, and the doc prints what came out, so an example cannot
claim what the code does not do. What the code cannot say (formats, ignored files,
limits, the ledger) is prose in this module. tests/ingest/test_contract_doc.py checks
that the committed doc is what this module writes.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from ingest.contracts import DOMAINS, Column, Domain, Kind
from ingest.files import SUMMARY_SHEETS
from ingest.headers import (
    EXPORTED_LABELS,
    MIN_MATCHED,
    SCAN_ROWS,
    exported_at_texts,
    parse_exported_at,
)
from ingest.text import INVISIBLE, JOINERS, MONEY_UNITS
from ingest.values import BLANKS, FORMULA_ERRORS, NO_CACHED_VALUE, REASONS, parse_cells
from ingest.vocab import LEVEL_RANK, SPELLINGS

_KIND_TYPES = {
    Kind.ID: "ID (text)",
    Kind.TEXT: "text",
    Kind.MONEY: "TWD, decimal(18,2)",
    Kind.INT: "integer",
    Kind.TIMESTAMP: "timestamp, Asia/Taipei",
    Kind.DATE: "date",
    Kind.ENUM: "vocabulary",
}

# A cell that shows each quarantine reason: (domain, column, raw cell). Checked while
# the doc is written: the parser must give that reason for that cell.
_REASON_EXAMPLES: dict[str, tuple[str, str, str | None]] = {
    "missing": ("top_up", "order_id", "-"),
    "unparseable": ("top_up", "amount", "12O0"),
    "negative": ("top_up", "amount", "-490"),
    "unknown_value": ("top_up", "status", "Cancelled"),
    "not_integer": ("channel_stats", "live_minutes", "12.5"),
    "bad_offset": ("top_up", "topup_at", "2025-03-01 10:22:33 +25:00"),
    "incomplete_timestamp": ("top_up", "topup_at", "2025-03-01"),
    "zero_date": ("user_activity", "report_date", "1899-12-31 00:00:00"),
    "id_precision_lost": ("top_up", "order_id", "1.23457E+11"),
    "formula_error": ("top_up", "amount", "#DIV/0!"),
}

# Spellings of one instant, 2025-03-01 10:22:33 in Taipei: each is parsed here.
_STAMP_EXAMPLES = (
    "2025-03-01 10:22:33",
    "2025/03/01 10:22:33",
    "2025/3/1 上午 10:22:33",
    "2025年3月1日 上午10時22分33秒",
    "民國114年3月1日 10:22:33",
    "2025-03-01T10:22:33+08:00",
    "2025-03-01 10:22:33+0800",
    "2025-03-01 02:22:33 +0000",
    "2025-03-01T02:22:33Z",
    "2025-03-01 02:22:33 UTC",
    "2025-03-01 10:22:33 GMT+8",
    "45717.43232638889",
)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text else "(empty)"


def _cell(text: str | None) -> str:
    return "(empty)" if text is None else _code(text)


def _domain_section(domain: Domain) -> list[str]:
    lines = [
        f"### `{domain.table}`",
        "",
        f"Partitioned by the local date of `{domain.partition_by}`. One row per "
        + " + ".join(f"`{k}`" for k in domain.key)
        + " within a sheet (see Duplicates).",
        "",
        "| column | type | required | no value means | headers accepted |",
        "|---|---|---|---|---|",
    ]
    for column in domain.columns:
        kind = _KIND_TYPES[column.kind]
        if column.vocab:
            kind = f"vocabulary `{column.vocab}`"
        if column.non_negative:
            kind += ", >= 0"
        blank = "null" if column.blank is None else f"`{column.blank}`"
        if column.required:
            blank = "quarantined (`missing`)"
        headers = ", ".join(_code(a) for a in (*column.aliases, column.name))
        lines.append(
            f"| `{column.name}` | {kind} | {'yes' if column.required else ''} | {blank} "
            f"| {headers} |"
        )
    return [*lines, ""]


def _vocabulary_section() -> list[str]:
    lines = [
        "| vocabulary | canonical value | spellings accepted (besides the canonical value) |",
        "|---|---|---|",
    ]
    for name, values in SPELLINGS.items():
        for canonical, spellings in values.items():
            shown = canonical
            if name == "membership_level":
                shown = f"{canonical} (rank {LEVEL_RANK[canonical]})"
            lines.append(
                f"| `{name}` | `{shown}` | " + ", ".join(_code(s) for s in spellings) + " |"
            )
    return lines


def _column(table: str, name: str) -> Column:
    return next(d for d in DOMAINS if d.table == table).column(name)


def _reasons_section() -> list[str]:
    lines = ["| reason | means | example cell |", "|---|---|---|"]
    for reason, meaning in REASONS.items():
        example = _REASON_EXAMPLES.get(reason)
        shown = "see Duplicates"
        if example is not None:
            table, name, raw = example
            got = parse_cells([raw], _column(table, name))["error"][0]
            if got != reason:  # the doc never shows an example the code disagrees with
                raise AssertionError(f"{table}.{name} {raw!r} gives {got!r}, not {reason!r}")
            shown = f"{_cell(raw)} in `{table}.{name}`"
        lines.append(f"| `{reason}` | {meaning} | {shown} |")
    return lines


def _stamps_section() -> list[str]:
    column = _column("top_up", "topup_at")
    values = parse_cells(list(_STAMP_EXAMPLES), column)["value"].to_list()
    wall = dt.datetime(2025, 3, 1, 10, 22, 33)
    lines = ["| cell | loads as |", "|---|---|"]
    for raw, value in zip(_STAMP_EXAMPLES, values, strict=True):
        if value is None or abs((value - wall).total_seconds()) > 1:
            raise AssertionError(f"{raw!r} parses to {value}, not {wall}")
        lines.append(f"| {_code(raw)} | `{value:%Y-%m-%d %H:%M:%S}` |")
    return lines


def _exported_examples() -> list[str]:
    texts = [
        "Exported at: 2025-03-02 09:15:02",
        "匯出時間：2025/03/02 09:15:02",
        "匯出時間：2025年3月2日 上午 09:15:02",
        "匯出時間：2025/3/2 上午 09:15",
        "Export time: 2025-03-02T01:15:02Z",
        "匯出日期：2025-03-02",
    ]
    stamps = parse_exported_at(exported_at_texts(texts))
    lines = ["| title line | exported_at (UTC) |", "|---|---|"]
    for text, stamp in zip(texts, stamps, strict=True):
        if stamp is None:
            raise AssertionError(f"{text!r} does not parse")
        lines.append(f"| {_code(text)} | `{stamp:%Y-%m-%d %H:%M:%S}` |")
    return lines


def _invisible_list() -> str:
    names = [
        f"U+{ord(ch):04X} {unicodedata.name(ch, 'format character').lower()}" for ch in INVISIBLE
    ]
    return "; ".join(names)


# --- rejections, from a real ingest of small workbooks ------------------------------------

T = dt.datetime(2025, 3, 1, 9)
_TOP_UP = ["Order ID", "User ID", "Top-up Time", "Amount (TWD)", "Status"]


def _write(path: Path, rows: list[list[object]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2025, 1, 1)})
    sheet = book.add_worksheet("Sheet1")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


_REJECTIONS: dict[str, Callable[[Path], None]] = {
    "missing_column.xlsx": lambda p: _write(
        p, [["Order ID", "User ID", "Top-up Time", "Status"], ["A1", "1", T, "Success"]]
    ),
    "two_amounts.xlsx": lambda p: _write(
        p,
        [
            ["Order ID", "User ID", "Top-up Time", "Amount", "儲值金額", "Status"],
            ["A1", "1", T, 30, 30, "Success"],
        ],
    ),
    "no_header.xlsx": lambda p: _write(p, [["Name", "Value"], ["a", 1]]),
    "bad_export_time.xlsx": lambda p: _write(
        p,
        [["Exported at: 2025-13-02 09:15"], [], _TOP_UP, ["A1", "1", T, 30, "Success"]],
    ),
    "empty.xlsx": lambda p: p.write_bytes(b""),
    "renamed_text.xlsx": lambda p: p.write_text("Order ID,Amount\nA1,30\n"),
}


def _rejection_messages() -> list[str]:
    from ingest.run import run_ingest
    from ingest.sources.local import LocalFolderSource

    with tempfile.TemporaryDirectory(prefix="livelake-contract-") as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for name, make in _REJECTIONS.items():
            make(inbox / name)
        report = run_ingest(LocalFolderSource(inbox), Path(tmp) / "lake", workers=1)
    lines = []
    for entry in sorted(report.files, key=lambda f: list(_REJECTIONS).index(f.source_file)):
        messages = entry.result.messages if entry.result else [entry.note or entry.status]
        for message in messages:
            lines.append(f"- `{entry.source_file}`: {message}")
    return lines


# --- the document -------------------------------------------------------------------------

_INTRO = """\
# The input contract

What `livelake ingest` accepts from the back office, and what it does with everything
else. Generated by `python -m ingest.contract_doc` (`make docs`) from the ingest's own
tables; every example below was run through the code when this file was written. Do
not edit by hand: change the code (or the prose in `ingest/contract_doc.py`) and
regenerate; `tests/ingest/test_contract_doc.py` fails while the two differ.

The promise: every data row read is loaded, quarantined with its reason, or counted as
a duplicate; a sheet or file that cannot be loaded is rejected whole with a message
naming the file, sheet, column and cause; one bad file never stops the others.
"""

_FORMATS = """\
## Files

- **Workbooks**: `.xlsx` and `.xlsm` (read with calamine), legacy `.xls`, `.xlsb` and
  `.ods`, all under the same contract. One workbook may hold several sheets and
  several domains.
- **CSV**: `.csv` in UTF-8, UTF-8 with a byte-order mark, or Big5/cp950 as Taiwanese
  Windows exports write it. The encoding is detected, and a file that is none of them
  is rejected rather than read with a wrong guess.
- **Archives**: a `.zip` is rejected with a message saying to extract it; nothing in it
  is read.
- **Ignored and listed** in the summary, each with its reason: Excel owner files
  (`~$name.xlsx`), hidden files (`.name`), partial downloads (`.crdownload`, `.part`),
  any other file that is not one of the formats above, and a symlink that is dangling,
  loops, or points at anything but a file. A data file is always either loaded
  (possibly partly) or rejected; it never silently disappears.
- File names need not be valid UTF-8 (Big5 bytes from a Windows archive load); the
  summaries print such names with the undecodable bytes escaped (`\\xb8\\xea`).
- **The same file twice** (same sha256, any name) is read once; the second copy is
  reported `duplicate`, its rows counted as duplicate. A file whose content is already
  in the lake is `already_ingested`: a re-run changes nothing.

## Limits

One hostile file never takes the others down, and never blocks the lake on the next
run:

- A sheet whose used range is huge because of one stray cell or format far from the
  data (up to row 1,048,576 or column XFD) is bounded before it is loaded: the cells
  that exist are read, or that file alone is rejected with a message.
- A workbook whose content would unpack beyond the per-file memory budget
  (`LIVELAKE_INGEST_FILE_BUDGET_MB`, default 256) is rejected with a message naming the
  budget; peak ingest memory stays under 1 GB.
- A file the reader cannot finish within the per-file time limit
  (`LIVELAKE_INGEST_FILE_TIMEOUT_S`, default 120) is rejected; the lake's lock is
  released and the run goes on.
- A worker process that dies (abort, out of memory, segfault) blames only the file it
  was reading; the other files of its batch are read again and load. That file is
  read once more, alone, in the same run; if it kills a worker again it is committed
  as rejected with both signals, so the run ends with exit 3 and no later run repeats
  the crash.
- A sheet with a cell outside its declared range (a range not updated after a stray
  value at XFD1048576) or past Excel's last cell (`ZZZZ6`) is checked by the cells it
  really holds, and rejected naming the farthest cell, before the reader sees it.
"""

_SHEETS = """\
## Sheets and headers

- The domain of a sheet is recognised by its columns, never its file or sheet name:
  top_up has `order_id` and `topup_at`; post_deduction has `net_revenue`;
  pre_deduction has `gross_revenue` and no `net_revenue`; user_activity has
  `watch_minutes`; channel_stats has `live_minutes` or `unique_viewers`.
- The header is the first row, within the first {scan} rows of the sheet, that names at
  least {matched} of one domain's columns. Rows above it are the title block. A header may span two
  rows of merged cells: the lower label names the column; where it is empty, the upper
  one does.
- Hidden sheets, and sheets named {summaries} (in any case), are not data.
- Header matching ignores case, surrounding spaces, full-width/half-width differences,
  underscores (as spaces) and invisible characters, and a bracketed money unit:
  {units}. Any other bracketed text (`Amount (USD)`) makes the header a different
  column: it is kept aside as an extra column, never loaded as the canonical one.
- Invisible characters are not part of a header, an ID, a code or a vocabulary value:
  {invisible}; in headers, IDs and codes also the zero-width joiner and non-joiner
  (kept in free text such as names, where they shape emoji).
- Columns the contract does not name are kept aside (the `extra_columns` JSON of each
  row) and listed in the summary; they are never fatal.
- A missing required column rejects the sheet, naming the column and the headers
  tried. Two headers that name one canonical column (after the rules above) reject the
  sheet, naming both: the ingest never picks one of them silently.
"""

_VALUES = """\
## Cell values

- **No value**: an empty cell, spaces only (a non-breaking space is a space), or one
  of {blanks}. In a required column the row is quarantined (`missing`); where the table
  above gives a default, the cell takes it; elsewhere it stays null.
- **Numbers** arrive as numbers or as text: `1,490`, `NT$1,490`, `$1490.00`, `1490元`,
  full-width digits `１４９０`, `(120)` for -120. Money has at most two decimals (float
  noise of a number cell is rounded away; a real third decimal is unparseable).
  `amount` is never negative. Counts are integers.
- **IDs** arrive as text or numbers: `1234567` and `1234567.0` are the ID `1234567`;
  any other number cell is its full integer value (`123456789012`, not `1.23457E+11`).
  A number cell whose number format pads with zeros (`000000`) keeps the zeros it
  shows (`000123`). An ID that arrives as *text* in scientific notation has lost its
  digits (what a CSV round trip through Excel leaves of a 12-digit order number) and
  is quarantined (`id_precision_lost`), never merged with another order.
- **Timestamps** are Asia/Taipei wall time unless an offset says otherwise; an offset
  in any of the spellings below is applied. Each of these loads as
  2025-03-01 10:22:33:

{stamps}

  An offset after the time that cannot be read (`+25:00`, `CST`) quarantines the row
  (`bad_offset`); it is never ignored. A date without a time, or a time without a date
  (a text or an Excel cell formatted as a date alone or a time alone), is no timestamp
  (`incomplete_timestamp`); an Excel date cell holding 0 (shown as 1899-12-31 or
  1900-01-00) is no date (`zero_date`). A midnight written with its time
  (`2025-03-01 00:00:00`, a date cell formatted with hours) is a timestamp.
- **Dates** take the same spellings; a time after the date is ignored.
- **Formulas**: a formula cell's value is its cached result. An error value, in any
  column, is bad input (`formula_error`): {errors}, and a text cell holding one of
  them (what a CSV export writes). A formula without a cached result (a workbook
  written by a program that never calculated it) is bad input too; the quarantine shows
  it as {uncached}.
- **Merged cells** in the data area give their value to every cell they span (a date
  merged down a block of rows is that date on every row).
"""

_ROWS = """\
## Rows

- **Footers**: the footer is the trailing block of rows, after the sheet's last row
  that has a value in every required column, whose rows lack one (`Total` / `合計` /
  `總計` rows, notes such as `* Amounts in TWD`). A row that has every required value
  is data whatever its first cell says: a streamer called "Totalia" or "總計劃", a
  channel called "Notes from Home" or "* Star *". A row lacking a required value above
  the last complete row is data, quarantined (`missing`). A sheet without any complete
  row has no footer: its rows are all quarantined. Footer rows are not loaded; the
  summary counts them and names them by Excel row, per sheet. Blank rows are skipped.
- **Duplicates**: rows of one sheet with the same key (top_up: `order_id`; the daily
  domains: their streamer-, channel- or user-day, see each table) are an exact repeat
  when every cell is equal: the first loads, the others are counted as duplicate rows.
  Otherwise the sheet says two different things about one order or day, and every row
  of that key is quarantined (`conflicting_duplicate`, reported on the key's first
  column, with the row's other errors, if any, in its `errors` list). The same key on
  two sheets, or in a later export, is not a duplicate: re-exports are resolved
  downstream by `exported_at`.
- **Re-exports**: the lake keeps every export; which one wins is decided downstream.
"""

_EXPORTED = """\
## Exported at

The title block's export time dates the file: the later export of an order or a day
wins. Labels recognised, followed by a colon (or directly by the time, or with the
time in the next cell): {labels}. The time takes every timestamp spelling above (a
date alone is that day's midnight, Asia/Taipei):

{examples}

A line that is present but cannot be read rejects the whole file, naming the text: a
silent fall-back to the file's modification time could let a correction lose to the
export it corrects. Without such a line, the file's modification time is used.
"""

_LEDGER = """\
## The ledger

`livelake ingest` prints, per file (and `--json` the same per sheet):

- **read**: the data rows under the header (blank rows and the footer excluded);
- **loaded**: rows in the lake;
- **quarantined**: rows in `_quarantine`, by reason (file, sheet, Excel row, column,
  reason, the raw cells);
- **duplicate**: exact repeats of an earlier row of the sheet (loaded once);
- **rejected**: the rows of rejected sheets and files (outside read);
- **footer**: footer rows skipped, named by Excel row (outside read).

Per file and per sheet, read = loaded + quarantined + duplicate. A file whose content
was already read (the same file dropped twice) is not read again: it shows status
`duplicate`, and its duplicate column counts the rows read of the copy that loaded.
After a build, the data-health mart `mart_data_health_files` adds per file the loaded
rows a later export superseded. Exit codes: `0`
everything loaded (quarantined rows are not a failure), `3` some file or sheet was
rejected, `4` another run holds the lake, `1` an unexpected error (that file is not
committed; the next run retries it).
"""


def render() -> str:
    """The whole of docs/input-contract.md."""
    units = ", ".join(_code(f"({u})") for u in MONEY_UNITS)
    joiners = ", ".join(f"U+{ord(c):04X}" for c in JOINERS)
    parts = [
        _INTRO,
        _FORMATS,
        _SHEETS.format(
            units=units,
            invisible=_invisible_list(),
            scan=SCAN_ROWS,
            matched=MIN_MATCHED,
            summaries=" / ".join(sorted(SUMMARY_SHEETS)),
        ).replace("the zero-width joiner and non-joiner", f"the zero-width joiners ({joiners})"),
        "## Domains\n\nCanonical columns, in lake order, and every header that names them.\n",
    ]
    for domain in DOMAINS:
        parts.append("\n".join(_domain_section(domain)))
    parts.append(
        "## Vocabularies\n\nCompared after folding (full-width to half-width, case, spaces, "
        "invisible characters). An unknown spelling, in a required or an optional "
        "column, quarantines the row (`unknown_value`); it is never a new category.\n\n"
        + "\n".join(_vocabulary_section())
        + "\n"
    )
    parts.append(
        _VALUES.format(
            blanks=", ".join(_code(b) for b in BLANKS if b),
            stamps="\n".join("  " + line for line in _stamps_section()),
            errors=", ".join(_code(e) for e in FORMULA_ERRORS),
            uncached=_code(f"{NO_CACHED_VALUE} =SUM(B2:B9)"),
        )
    )
    parts.append(_ROWS)
    parts.append(
        _EXPORTED.format(
            labels=", ".join(_code(label) for label in EXPORTED_LABELS),
            examples="\n".join(_exported_examples()),
        )
    )
    parts.append(
        "## Quarantine reasons\n\nA row that breaks its column's rules goes to "
        "`_quarantine` with every error it has; the first is its `reason` and `column`. "
        "The rest of the sheet loads.\n\n" + "\n".join(_reasons_section()) + "\n"
    )
    parts.append(
        "## Rejections\n\nA file or sheet that cannot be loaded is rejected whole, in "
        "`_rejected` and the summary; the other files and sheets load. What the ingest "
        "says for each kind (from a real run on small workbooks):\n\n"
        + "\n".join(_rejection_messages())
        + "\n"
    )
    parts.append(_LEDGER)
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def main() -> None:
    sys.stdout.reconfigure(encoding="utf-8")  # the doc is UTF-8 on every locale
    sys.stdout.write(render())


if __name__ == "__main__":
    main()

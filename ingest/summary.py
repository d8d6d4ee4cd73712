"""The run's per-file summary, for people (a rich table) and machines (JSON).

Each file's ledger (docs/input-contract.md, "The ledger"): rows read = loaded +
quarantined (by reason) + duplicate; rows of rejected sheets and footer rows (named by
Excel row) are counted apart. A file dropped twice shows its rows as duplicate.

File names need not be valid UTF-8 (a Big5 name from a Windows archive): a name that
came in as undecodable bytes is shown with those bytes escaped (`\\xb8\\xea`), so the
summary prints on any locale, `PYTHONIOENCODING=utf-8:strict` included.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.run import FileReport, RunReport

_STYLE = {
    "loaded": "green",
    "partial": "yellow",
    "rejected": "red",
    "failed": "bold red",
    "duplicate": "dim",
    "already_ingested": "dim",
}
_COUNTS = (
    ("read", "rows_read"),
    ("loaded", "rows_loaded"),
    ("quarantined", "rows_quarantined"),
    ("duplicate", "rows_duplicate"),
    ("rejected", "rows_rejected"),
    ("footer", "rows_footer_skipped"),
)


def safe_text(text: str) -> str:
    """`text` printable as UTF-8: undecodable bytes (lone surrogates) as `\\xNN`."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _safe(value: object) -> object:
    """A JSON-ready structure with every string made safe (see `safe_text`)."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(str(k)): _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    return value


def row_ranges(rows: Iterable[int]) -> str:
    """Excel rows as short ranges: [10, 11, 12, 15] -> `10-12, 15`."""
    spans: list[list[int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def file_notes(entry: FileReport) -> list[str]:
    """What the counts of one file do not say: why rows were quarantined, which rows
    were the footer, the sheets' own notes."""
    notes = [entry.note] if entry.note else []
    result = entry.result
    if result is None:
        return notes
    reasons = result.quarantined_by_reason
    if reasons:
        notes.append("quarantined: " + ", ".join(f"{r} {n}" for r, n in reasons.items()))
    for sheet in result.sheets:
        if sheet.note:
            notes.append(f"{sheet.sheet}: {sheet.note}")
        if sheet.footer_rows:
            notes.append(f"{sheet.sheet}: footer rows {row_ranges(sheet.footer_rows)} skipped")
        if sheet.rows_duplicate:
            notes.append(f"{sheet.sheet}: {sheet.rows_duplicate} repeated rows loaded once")
    return notes


def render(report: RunReport, console: Console) -> None:
    table = Table(title=f"ingest run {report.run_id}", show_lines=False)
    table.add_column("file", justify="left", overflow="fold")
    table.add_column("status", justify="left")
    for name, _ in _COUNTS:
        table.add_column(name, justify="right")
    table.add_column("note", justify="left", overflow="fold")
    for f in report.files:
        row = f.to_dict()
        table.add_row(
            escape(safe_text(f.source_file)),
            f"[{_STYLE.get(f.status, '')}]{f.status}[/]",
            *(str(row.get(key, 0)) for _, key in _COUNTS),
            escape(_short(safe_text("; ".join(file_notes(f))))),
        )
    totals = report.totals()
    table.add_section()
    table.add_row(
        f"{totals['files']} files", "", *(str(totals.get(key, 0)) for _, key in _COUNTS), ""
    )
    console.print(table)
    for f in report.files:
        if f.result is not None:
            for message in f.result.messages:
                console.print(f"[red]error[/] {escape(safe_text(message))}", highlight=False)
        elif f.status == "failed":
            note = escape(safe_text(f"{f.source_file}: {f.note}"))
            console.print(f"[bold red]failed[/] {note}", highlight=False)
    for entry in report.ignored:
        text = escape(safe_text(f"{entry['file']}: {entry['reason']}"))
        console.print(f"[dim]ignored {text}[/]", highlight=False)
    console.print(
        f"files: {totals['files_loaded']} loaded, {totals['files_partial']} partial, "
        f"{totals['files_rejected']} rejected, {totals['files_duplicate']} duplicate, "
        f"{totals['files_already_ingested']} already ingested, {totals['files_failed']} failed"
        + (f", {len(report.ignored)} ignored" if report.ignored else "")
    )


def to_json(report: RunReport) -> str:
    return json.dumps(_safe(report.to_dict()), ensure_ascii=False, indent=2, default=str)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

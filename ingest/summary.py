"""The run's per-file summary, for people (a rich table) and machines (JSON)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.run import RunReport

_STYLE = {
    "loaded": "green",
    "partial": "yellow",
    "rejected": "red",
    "failed": "bold red",
    "duplicate": "dim",
    "already_ingested": "dim",
}


def render(report: RunReport, console: Console) -> None:
    table = Table(title=f"ingest run {report.run_id}", show_lines=False)
    for name, justify in (
        ("file", "left"),
        ("status", "left"),
        ("read", "right"),
        ("loaded", "right"),
        ("quarantined", "right"),
        ("rejected", "right"),
        ("note", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")
    for f in report.files:
        row = f.to_dict()
        notes = [f.note] if f.note else []
        if f.result is not None:
            notes += [f"{s.sheet}: {s.note}" for s in f.result.sheets if s.note]
        table.add_row(
            escape(f.source_file),
            f"[{_STYLE.get(f.status, '')}]{f.status}[/]",
            str(row["rows_read"]),
            str(row["rows_loaded"]),
            str(row["rows_quarantined"]),
            str(row["rows_rejected"]),
            escape(_short("; ".join(notes))),
        )
    totals = report.totals()
    table.add_section()
    table.add_row(
        f"{totals['files']} files",
        "",
        str(totals["rows_read"]),
        str(totals["rows_loaded"]),
        str(totals["rows_quarantined"]),
        str(totals["rows_rejected"]),
        "",
    )
    console.print(table)
    for f in report.files:
        if f.result is not None:
            for message in f.result.messages:
                console.print(f"[red]error[/] {escape(message)}", highlight=False)
        elif f.status == "failed":
            note = escape(f"{f.source_file}: {f.note}")
            console.print(f"[bold red]failed[/] {note}", highlight=False)
    for name in report.ignored:
        console.print(f"[dim]ignored (not a workbook): {escape(name)}[/]", highlight=False)
    console.print(
        f"files: {totals['files_loaded']} loaded, {totals['files_partial']} partial, "
        f"{totals['files_rejected']} rejected, {totals['files_duplicate']} duplicate, "
        f"{totals['files_already_ingested']} already ingested, {totals['files_failed']} failed"
    )


def to_json(report: RunReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

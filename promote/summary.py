"""A promotion's summary, for people (a rich table per table) and machines (JSON)."""

from __future__ import annotations

import json
from collections import Counter

from rich.console import Console
from rich.table import Table

from promote.run import PromoteReport


def render(report: PromoteReport, console: Console) -> None:
    plan = report.plan
    verb = "would load" if report.dry_run else "loaded"
    table = Table(
        title=f"promote -> {report.project}.{report.dataset} (lake run {plan.snapshot_run_id})"
    )
    table.add_column("table")
    table.add_column(f"slices {verb}", justify="right")
    table.add_column("rows", justify="right")
    table.add_column("MB", justify="right")
    table.add_column("slices")
    done = plan.load if report.dry_run else tuple(report.loaded)
    for name in sorted({s.table for s in done}):
        mine = [s for s in done if s.table == name]
        labels = [s.key.label().removeprefix(f"{name} ") for s in mine]
        shown = ", ".join(labels[:4]) + (
            f", ... ({len(labels) - 4} more)" if len(labels) > 4 else ""
        )
        table.add_row(
            name,
            str(len(mine)),
            f"{sum(s.rows for s in mine):,}",
            f"{sum(s.bytes for s in mine) / 1e6:,.1f}",
            shown,
        )
    if done:
        console.print(table)
    console.print(
        f"{verb} {len(done)} slices ({sum(s.rows for s in done):,} rows, "
        f"{sum(s.bytes for s in done) / 1e6:,.1f} MB of parquet); {plan.unchanged} unchanged"
        + (
            f"; {len(plan.orphaned)} held by BigQuery but no longer in the lake (left alone)"
            if plan.orphaned
            else ""
        )
        + (
            f"; would upload {sum(s.bytes for s in done):,} bytes"
            if report.dry_run
            else f" in {report.seconds:.1f}s; BigQuery holds lake runs up to "
            f"{report.held_snapshot} completely"
        )
    )


def to_json(report: PromoteReport) -> str:
    plan = report.plan
    done = plan.load if report.dry_run else tuple(report.loaded)
    return json.dumps(
        {
            "project": report.project,
            "dataset": report.dataset,
            "dry_run": report.dry_run,
            "snapshot_run_id": plan.snapshot_run_id,
            "slices": [
                {
                    "table": s.table,
                    "dt": s.key.dt.isoformat() if s.key.dt else None,
                    "run_id": s.key.run_id,
                    "parts": len(s.parts),
                    "rows": s.rows,
                    "bytes": s.bytes,
                    "digest": s.digest,
                }
                for s in done
            ],
            "by_table": dict(Counter(s.table for s in done)),
            "rows": sum(s.rows for s in done),
            "bytes": sum(s.bytes for s in done),
            "unchanged": plan.unchanged,
            "held_snapshot_run_id": None if report.dry_run else report.held_snapshot,
            "orphaned": [k.label() for k in plan.orphaned],
            "seconds": round(report.seconds, 3),
        },
        ensure_ascii=False,
    )

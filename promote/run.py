"""One promotion: plan against BigQuery's manifest, then load batch by batch.

The lake is read as its committed runs say (lake.runs), never by globbing, so a run
still writing is not promoted; BigQuery's `_promotions` says what it holds, and
`_promoted_snapshots` up to which run it holds every slice (written last). A
promotion that stops anywhere (killed, a timeout, an error) leaves every batch it
finished in place and the rest as they were: running it again loads the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lake.lock import BusyError, exclusive
from lake.runs import RUNS, check_layout
from promote import load, manifest
from promote.plan import Plan, Slice, plan
from promote.schema import SHAPES
from settings.bigquery import BigQuerySettings
from settings.bigquery_client import bounds as bounds_of
from settings.bigquery_client import connect

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_CONFIGURED = 2
EXIT_BUSY = 4


class PromoteBusyError(BusyError):
    """Another promotion of this data dir is running."""


@dataclass
class PromoteReport:
    project: str
    dataset: str
    plan: Plan
    dry_run: bool
    loaded: list[Slice] = field(default_factory=list)  # committed in BigQuery
    rows_loaded: int = 0
    held_snapshot: int = 0  # the lake runs BigQuery holds completely, after this promotion
    seconds: float = 0.0


def promotion_lock(data_dir: Path, wait: bool):  # noqa: ANN201 - exclusive's context manager
    """One promotion at a time from a data dir (BigQuery would abort the second's
    transactions anyway; this says so at once, with who holds it)."""

    def busy(holder: str) -> BusyError:
        return PromoteBusyError(
            f"another promotion is running ({holder}); wait for it to finish, or pass --wait"
        )

    return exclusive(data_dir / ".promote.lock", doing="promote", busy=busy, wait=wait)


def promote(
    lake: Path,
    settings: BigQuerySettings,
    *,
    dry_run: bool = False,
    on_planned: Callable[[Plan], None] | None = None,
    on_batch_done: Callable[[tuple[Slice, ...]], None] | None = None,
) -> PromoteReport:
    """Promote the committed lake to `settings`' raw dataset (see the module)."""
    started = time.monotonic()
    if not (lake / RUNS).is_dir():
        raise FileNotFoundError(f"no committed lake at {lake}: run `livelake ingest` first")
    check_layout(lake)
    client = connect(settings)
    bounds = bounds_of(settings)
    assert settings.project is not None  # connect refuses a missing project
    target = load.Target(settings.project, settings.raw_dataset)
    try:
        held = manifest.read(client, target.project, target.dataset, bounds)
        todo = plan(lake, held)
        report = PromoteReport(target.project, target.dataset, todo, dry_run)
        if on_planned:
            on_planned(todo)
        if dry_run:
            report.seconds = time.monotonic() - started
            return report
        if todo.load:
            load.ensure_dataset(client, target, settings.location, bounds)
            manifest.ensure(client, target.project, target.dataset, bounds)
            for name in sorted({s.table for s in todo.load}):
                load.ensure_table(client, target, SHAPES[name], bounds)
        for batch in load.batches(todo.load):
            report.rows_loaded += load.load_batch(client, lake, target, batch, bounds)
            report.loaded.extend(batch)
            if on_batch_done:
                on_batch_done(batch)
        # Every slice is in: the runs up to the plan's snapshot are held completely
        # (also after a re-run that found nothing left to load but this record).
        snapshot = manifest.read_snapshot(client, target.project, target.dataset, bounds)
        if todo.snapshot_run_id > snapshot:
            manifest.record_snapshot(
                client,
                target.project,
                target.dataset,
                todo.snapshot_run_id,
                len(report.loaded),
                bounds,
            )
            snapshot = todo.snapshot_run_id
        report.held_snapshot = snapshot
        report.seconds = time.monotonic() - started
        return report
    finally:
        client.close()

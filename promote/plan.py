"""What a promotion must load: the lake's slices that BigQuery does not hold as they are.

A slice is what one promotion replaces whole: a report table's day (every committed
part of that `dt`, of every run) or a side table's run (its parts of that run).
Its digest is over the committed part list (path and rows, sorted), so a late
re-export that adds a part to a day changes that day's digest and only that day is
loaded again; a slice whose digest the manifest already holds is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lake.runs import Part, committed_runs
from promote.manifest import Promoted, SliceKey
from promote.schema import SHAPES


@dataclass(frozen=True)
class Slice:
    key: SliceKey
    parts: tuple[Part, ...]  # sorted by path
    digest: str
    rows: int
    bytes: int  # the parts' parquet on disk: what is uploaded

    @property
    def table(self) -> str:
        return self.key.table


@dataclass(frozen=True)
class Plan:
    load: tuple[Slice, ...]  # changed or new, by table then slice
    unchanged: int  # slices BigQuery already holds as the lake has them
    orphaned: tuple[SliceKey, ...]  # held by BigQuery, no longer in the lake (left alone)
    snapshot_run_id: int  # the largest committed run the plan saw

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.load)

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.load)


def lake_slices(lake: Path) -> tuple[list[Slice], int]:
    """Every slice of the committed lake, and the largest committed run id."""
    runs = committed_runs(lake)
    grouped: dict[SliceKey, list[Part]] = defaultdict(list)
    for run in runs:
        for part in run.parts:
            shape = SHAPES.get(part.table)
            if shape is None:  # a table promote does not know: never guessed at
                raise ValueError(f"run {run.run_id} lists a part of an unknown table {part.table}")
            if shape.is_report:
                key = SliceKey(part.table, dt.date.fromisoformat(str(part.dt)), None)
            else:
                key = SliceKey(part.table, None, run.run_id)
            grouped[key].append(part)
    slices = [_slice(lake, key, parts) for key, parts in grouped.items()]
    slices.sort(key=lambda s: (s.table, s.key.dt or dt.date.min, s.key.run_id or 0))
    return slices, runs[-1].run_id if runs else 0


def digest(parts: tuple[Part, ...]) -> str:
    listing = "\n".join(f"{p.path}\t{p.rows}" for p in parts)
    return hashlib.sha256(listing.encode()).hexdigest()


def _slice(lake: Path, key: SliceKey, parts: list[Part]) -> Slice:
    ordered = tuple(sorted(parts, key=lambda p: p.path))
    return Slice(
        key=key,
        parts=ordered,
        digest=digest(ordered),
        rows=sum(p.rows for p in ordered),
        bytes=sum((lake / p.path).stat().st_size for p in ordered),
    )


def plan(lake: Path, promoted: list[Promoted]) -> Plan:
    """The slices to load: those whose digest BigQuery's manifest does not hold."""
    slices, snapshot = lake_slices(lake)
    held = {p.key: p.parts_digest for p in promoted}
    load = tuple(s for s in slices if held.get(s.key) != s.digest)
    in_lake = {s.key for s in slices}
    orphaned = tuple(k for k in held if k not in in_lake)
    return Plan(load, len(slices) - len(load), orphaned, snapshot)

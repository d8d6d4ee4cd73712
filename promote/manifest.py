"""The promotion manifest: BigQuery's own record of what it holds (`_promotions`).

One row per slice BigQuery holds (a report table's day, a side table's run): the
digest of the committed parts it was loaded from, their rows, and when. It lives in
the raw dataset and changes in the same transaction as the slice's rows
(promote.load), so it is never ahead of or behind the data: it is the truth a plan
compares the lake with, whatever crashed before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from google.cloud import bigquery

from promote.client import Bounds

TABLE = "_promotions"
SCHEMA = [
    bigquery.SchemaField("lake_table", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("dt", "DATE"),  # a report table's slice
    bigquery.SchemaField("run_id", "INT64"),  # a side table's slice
    bigquery.SchemaField("parts_digest", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("parts", "INT64", mode="REQUIRED"),
    bigquery.SchemaField("rows", "INT64", mode="REQUIRED"),
    bigquery.SchemaField("promoted_at", "TIMESTAMP", mode="REQUIRED"),
]


@dataclass(frozen=True)
class SliceKey:
    """A slice of a lake table: a day (report tables) or a run (side tables)."""

    table: str
    dt: dt.date | None
    run_id: int | None

    def label(self) -> str:
        return f"{self.table} {self.dt.isoformat() if self.dt else f'run {self.run_id}'}"


@dataclass(frozen=True)
class Promoted:
    """What the manifest says BigQuery holds of one slice."""

    key: SliceKey
    parts_digest: str
    rows: int


def table_id(project: str, dataset: str) -> str:
    return f"{project}.{dataset}.{TABLE}"


def read(client: bigquery.Client, project: str, dataset: str, bounds: Bounds) -> list[Promoted]:
    """Every slice BigQuery holds; none when the dataset or the manifest is new."""
    from google.api_core.exceptions import NotFound

    try:
        rows = client.list_rows(
            table_id(project, dataset),
            selected_fields=SCHEMA,
            timeout=bounds.request_timeout,
            retry=bounds.retry,
        )
        return [
            Promoted(SliceKey(r["lake_table"], r["dt"], r["run_id"]), r["parts_digest"], r["rows"])
            for r in rows
        ]
    except NotFound:
        return []


def ensure(client: bigquery.Client, project: str, dataset: str, bounds: Bounds) -> None:
    table = bigquery.Table(table_id(project, dataset), schema=SCHEMA)
    table.description = "livelake promote: the lake slices this dataset holds (promote/manifest.py)"
    client.create_table(table, exists_ok=True, timeout=bounds.request_timeout, retry=bounds.retry)

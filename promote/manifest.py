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

from settings.bigquery_client import Bounds

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


# The lake runs BigQuery holds completely: a row is appended when a promotion has
# loaded every slice of the committed runs up to `snapshot_run_id`. A promotion cut
# short leaves some tables with rows of a newer run than others; a reader (dbt's
# BigQuery `lake_snapshot`) that takes the largest snapshot here, and reads only rows
# with run_id <= it, never consumes half a run.
SNAPSHOTS = "_promoted_snapshots"
SNAPSHOTS_SCHEMA = [
    bigquery.SchemaField("snapshot_run_id", "INT64", mode="REQUIRED"),
    bigquery.SchemaField("slices_loaded", "INT64", mode="REQUIRED"),
    bigquery.SchemaField("promoted_at", "TIMESTAMP", mode="REQUIRED"),
]


def read_snapshot(client: bigquery.Client, project: str, dataset: str, bounds: Bounds) -> int:
    """The largest lake run BigQuery holds completely (0: none yet)."""
    from google.api_core.exceptions import NotFound

    sql = (
        "select coalesce(max(snapshot_run_id), 0) as snapshot_run_id "
        f"from `{project}.{dataset}.{SNAPSHOTS}`"
    )
    try:
        job = client.query(sql, timeout=bounds.request_timeout, retry=bounds.retry, job_retry=None)
        return int(next(iter(job.result(timeout=bounds.job_timeout, retry=bounds.retry)))[0])
    except NotFound:
        return 0


def record_snapshot(
    client: bigquery.Client,
    project: str,
    dataset: str,
    snapshot_run_id: int,
    slices_loaded: int,
    bounds: Bounds,
) -> None:
    table = bigquery.Table(f"{project}.{dataset}.{SNAPSHOTS}", schema=SNAPSHOTS_SCHEMA)
    table.description = "livelake promote: the lake runs this dataset holds completely"
    client.create_table(table, exists_ok=True, timeout=bounds.request_timeout, retry=bounds.retry)
    sql = (
        f"insert into `{project}.{dataset}.{SNAPSHOTS}` "
        "(`snapshot_run_id`, `slices_loaded`, `promoted_at`) "
        f"values ({int(snapshot_run_id)}, {int(slices_loaded)}, current_timestamp())"
    )
    client.query(sql, timeout=bounds.request_timeout, retry=bounds.retry, job_retry=None).result(
        timeout=bounds.job_timeout, retry=bounds.retry
    )

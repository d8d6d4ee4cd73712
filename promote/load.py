"""Loading slices into BigQuery: each batch replaced whole, in one transaction.

A batch is some slices of one table. Its parts are gathered into one parquet file
of the table's explicit columns (polars, streaming: a part written before a column
existed gets it as null; report parts get their `dt`), loaded into a staging table
of the same schema, then one multi-statement transaction deletes the slices' rows
and the manifest's rows for them and inserts both anew. A crash at any point leaves
either the old slices and manifest or the new ones, never half (and a staging table
that expires on its own); running again loads what the manifest does not hold.

Load-to-staging then transactional delete and insert, rather than a load into a
partition decorator (`table$20260301`) with WRITE_TRUNCATE: real BigQuery does both,
this also covers side tables (their slice is a run, not a day) and moves the
manifest with the data, and the emulator the tests use cannot load a decorator.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from google.cloud import bigquery

from promote.manifest import SCHEMA as MANIFEST_SCHEMA
from promote.manifest import TABLE as MANIFEST_TABLE
from promote.plan import Slice
from promote.schema import SHAPES, TableShape
from settings.bigquery_client import Bounds

# One load job and one transaction carry at most this much of the lake's parquet.
MAX_BATCH_BYTES = 512 * 1024 * 1024
# A staging table a crash left behind is removed by BigQuery after this.
STAGING_EXPIRY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Target:
    project: str
    dataset: str

    def table(self, name: str) -> str:
        return f"{self.project}.{self.dataset}.{name}"

    def quoted(self, name: str) -> str:
        return f"`{self.table(name)}`"


def batches(slices: tuple[Slice, ...]) -> Iterator[tuple[Slice, ...]]:
    """Consecutive slices of one table, each batch within MAX_BATCH_BYTES (or one slice)."""
    batch: list[Slice] = []
    for piece in slices:
        if batch and (
            piece.table != batch[0].table
            or sum(s.bytes for s in batch) + piece.bytes > MAX_BATCH_BYTES
        ):
            yield tuple(batch)
            batch = []
        batch.append(piece)
    if batch:
        yield tuple(batch)


def ensure_dataset(client: bigquery.Client, target: Target, location: str, bounds: Bounds) -> None:
    dataset = bigquery.Dataset(f"{target.project}.{target.dataset}")
    dataset.location = location
    dataset.description = "livelake: the committed lake runs, one table per lake table"
    client.create_dataset(
        dataset, exists_ok=True, timeout=bounds.request_timeout, retry=bounds.retry
    )


def ensure_table(
    client: bigquery.Client, target: Target, shape: TableShape, bounds: Bounds
) -> None:
    """The table, partitioned by day and clustered; columns the lake gained are added."""
    table = bigquery.Table(target.table(shape.name), schema=shape.schema())
    table.time_partitioning = bigquery.TimePartitioning(
        type_=bigquery.TimePartitioningType.DAY, field=shape.partition_column
    )
    table.clustering_fields = list(shape.clustering)
    held = client.create_table(
        table, exists_ok=True, timeout=bounds.request_timeout, retry=bounds.retry
    )
    known = {f.name for f in held.schema}
    missing = [f for f in shape.schema() if f.name not in known]
    if missing:  # the ingest only ever adds columns
        held.schema = [*held.schema, *missing]
        client.update_table(held, ["schema"], timeout=bounds.request_timeout, retry=bounds.retry)


def load_batch(
    client: bigquery.Client, lake: Path, target: Target, batch: tuple[Slice, ...], bounds: Bounds
) -> int:
    """Replace the batch's slices in BigQuery with the lake's; returns the rows loaded."""
    shape = SHAPES[batch[0].table]
    staging = f"_staging_{shape.name.lstrip('_')}_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="livelake-promote-") as scratch:
        gathered = Path(scratch) / "batch.parquet"
        _gather(lake, shape, batch, gathered)
        table = bigquery.Table(target.table(staging), schema=shape.schema())
        table.expires = dt.datetime.now(dt.UTC) + STAGING_EXPIRY
        client.create_table(table, timeout=bounds.request_timeout, retry=bounds.retry)
        try:
            config = bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.PARQUET,
                schema=shape.schema(),
                write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
            )
            with gathered.open("rb") as source:
                # The upload's requests carry the data: bounded by the job's time.
                job = client.load_table_from_file(
                    source, target.table(staging), job_config=config, timeout=bounds.job_timeout
                )
            job.result(timeout=bounds.job_timeout, retry=bounds.retry)
            loaded = int(job.output_rows or 0)
            expected = sum(s.rows for s in batch)
            if loaded != expected:
                raise RuntimeError(
                    f"{shape.name}: the load job wrote {loaded} rows, the parts hold {expected}"
                )
            script = replace_script(target, shape, staging, batch)
            client.query(
                script, timeout=bounds.request_timeout, retry=bounds.retry, job_retry=None
            ).result(timeout=bounds.job_timeout, retry=bounds.retry)
        finally:
            client.delete_table(
                target.table(staging),
                not_found_ok=True,
                timeout=bounds.request_timeout,
                retry=bounds.retry,
            )
    return loaded


def _gather(lake: Path, shape: TableShape, batch: tuple[Slice, ...], out: Path) -> None:
    """The batch's parts as one parquet file of exactly the table's columns, in order."""
    frames = []
    for piece in batch:
        for part in piece.parts:
            frame = pl.scan_parquet(lake / part.path)
            present = frame.collect_schema()
            columns = []
            for name, dtype in shape.columns.items():
                if name == "dt" and shape.is_report:
                    columns.append(pl.lit(piece.key.dt, pl.Date()).alias(name))
                elif name in present:
                    columns.append(pl.col(name).cast(dtype))
                else:  # written before the column existed
                    columns.append(pl.lit(None, dtype).alias(name))
            frames.append(frame.select(columns))
    pl.concat(frames, how="vertical").sink_parquet(out)


def replace_script(
    target: Target, shape: TableShape, staging: str, batch: tuple[Slice, ...]
) -> str:
    """One transaction: the slices' rows and manifest rows out, the staged ones in."""
    columns = ", ".join(f"`{name}`" for name in shape.columns)
    if shape.is_report:
        keys = ", ".join(f"date '{s.key.dt.isoformat()}'" for s in batch)  # type: ignore[union-attr]
    else:
        keys = ", ".join(str(s.key.run_id) for s in batch)
    where = f"`{shape.slice_column}` in ({keys})"
    manifest_rows = ",\n    ".join(
        f"('{shape.name}', {_date(s.key.dt)}, {_int(s.key.run_id)}, '{s.digest}', "
        f"{len(s.parts)}, {s.rows}, current_timestamp())"
        for s in batch
    )
    manifest = target.quoted(MANIFEST_TABLE)
    manifest_columns = ", ".join(f"`{f.name}`" for f in MANIFEST_SCHEMA)
    return f"""begin transaction;
delete from {target.quoted(shape.name)} where {where};
insert into {target.quoted(shape.name)} ({columns})
select {columns} from {target.quoted(staging)};
delete from {manifest} where `lake_table` = '{shape.name}' and {where};
insert into {manifest} ({manifest_columns})
values
    {manifest_rows};
commit transaction;
"""


def _date(day: dt.date | None) -> str:
    return f"date '{day.isoformat()}'" if day else "cast(null as date)"


def _int(value: int | None) -> str:
    return str(value) if value is not None else "cast(null as int64)"

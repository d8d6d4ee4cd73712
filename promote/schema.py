"""The BigQuery shape of each lake table: explicit columns, partitioning, clustering.

The types come from the lake's own definitions, never from reading a part: the
report tables' `ingest.contracts.lake_schema` (DuckDB types, mapped to polars by
`ingest.values.POLARS_TYPES`) and the side tables' polars schemas (lake/manifest.py,
ingest/files.py). One mapping, polars -> BigQuery, turns them into load schemas, so
money keeps its scale (decimal(18,2) -> NUMERIC(18,2)) and a naive wall time stays a
DATETIME.

Report tables gain the hive partition `dt` (DATE) and are partitioned by it; side
tables are partitioned by the day of `ingested_at` (their parts have no day). Every
table is clustered by `run_id` first, the column dbt's incremental reads filter on,
then by what a row stands for (the domain's key, less its day).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from google.cloud import bigquery

from ingest.contracts import DOMAINS, DOMAINS_BY_TABLE, lake_schema
from ingest.files import LINEAGE_SCHEMA, QUARANTINE_COLUMNS, REJECTED_SCHEMA
from ingest.values import POLARS_TYPES
from lake.layout import MANIFEST, QUARANTINE, REJECTED
from lake.manifest import MANIFEST_SCHEMA

# BigQuery allows at most four clustering columns.
_MAX_CLUSTERING = 4
# NUMERIC holds 29 integer digits and 9 decimals; past that, BIGNUMERIC (76.76, 38).
_NUMERIC_INTEGER_DIGITS = 29
_NUMERIC_SCALE = 9


@dataclass(frozen=True)
class TableShape:
    """One lake table as BigQuery holds it."""

    name: str
    columns: dict[str, pl.DataType]  # the lake's columns, in order (report tables: + dt)
    partition_column: str  # DATE dt, or TIMESTAMP ingested_at (by day)
    slice_column: str  # what one promotion slice is keyed by: dt, or run_id
    clustering: tuple[str, ...]

    @property
    def is_report(self) -> bool:
        return self.slice_column == "dt"

    def schema(self) -> list[bigquery.SchemaField]:
        return [bigquery_field(name, dtype) for name, dtype in self.columns.items()]


def bigquery_field(name: str, dtype: pl.DataType) -> bigquery.SchemaField:
    """A NULLABLE BigQuery column of the lake's type (every lake column may be null)."""
    if isinstance(dtype, pl.Decimal):
        precision, scale = dtype.precision or 38, dtype.scale
        kind = (
            "NUMERIC"
            if precision - scale <= _NUMERIC_INTEGER_DIGITS and scale <= _NUMERIC_SCALE
            else "BIGNUMERIC"
        )
        return bigquery.SchemaField(name, kind, precision=precision, scale=scale)
    if isinstance(dtype, pl.Datetime):
        return bigquery.SchemaField(name, "TIMESTAMP" if dtype.time_zone else "DATETIME")
    simple = {pl.String: "STRING", pl.Int64: "INT64", pl.Date: "DATE", pl.Boolean: "BOOL"}
    for polars_type, kind in simple.items():
        if isinstance(dtype, polars_type):
            return bigquery.SchemaField(name, kind)
    raise TypeError(f"no BigQuery type for the lake column {name} ({dtype})")


def _report(table: str) -> TableShape:
    columns = {name: POLARS_TYPES[t] for name, t in lake_schema(table).items()}
    domain = DOMAINS_BY_TABLE[table]
    # The key's day is the partition already: clustering by it again buys nothing.
    key = tuple(c for c in domain.key if c != domain.partition_by)
    return TableShape(
        name=table,
        columns={**columns, "dt": pl.Date()},
        partition_column="dt",
        slice_column="dt",
        clustering=("run_id", *key)[:_MAX_CLUSTERING],
    )


def _side(table: str, columns: dict[str, pl.DataType]) -> TableShape:
    return TableShape(
        name=table,
        columns=columns,
        partition_column="ingested_at",
        slice_column="run_id",
        clustering=("run_id",),
    )


_QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    name: LINEAGE_SCHEMA.get(name, pl.String()) for name in QUARANTINE_COLUMNS
}

SHAPES: dict[str, TableShape] = {
    **{d.table: _report(d.table) for d in DOMAINS},
    MANIFEST: _side(MANIFEST, MANIFEST_SCHEMA),
    QUARANTINE: _side(QUARANTINE, _QUARANTINE_SCHEMA),
    REJECTED: _side(REJECTED, REJECTED_SCHEMA),
}

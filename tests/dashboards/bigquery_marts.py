"""The dev marts the dashboards read, copied into BigQuery (the emulator): test-only.

Production fills these datasets with `dbt build --target prod`; the dashboard tests
need only the same rows where the prod Superset looks for them, so each mart the spec
uses is read from the serving DuckDB, written to parquet and loaded with an explicit
schema (money NUMERIC with its scale, naive Taipei wall times DATETIME) into the
dataset `Warehouse.schema()` names, so the tests use the product's own naming.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from google.cloud import bigquery
from livelake_dashboards.bundle import datasets_of
from livelake_dashboards.spec import DASHBOARDS
from livelake_dashboards.warehouse import Warehouse

_SIMPLE = {
    "BIGINT": "INT64",
    "INTEGER": "INT64",
    "SMALLINT": "INT64",
    "HUGEINT": "INT64",
    "BOOLEAN": "BOOL",
    "DATE": "DATE",
    "DOUBLE": "FLOAT64",
    "FLOAT": "FLOAT64",
    "VARCHAR": "STRING",
    "TIMESTAMP": "DATETIME",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


def bigquery_field(name: str, duckdb_type: str) -> bigquery.SchemaField:
    if match := _DECIMAL.fullmatch(duckdb_type):
        precision, scale = int(match.group(1)), int(match.group(2))
        return bigquery.SchemaField(name, "NUMERIC", precision=precision, scale=scale)
    return bigquery.SchemaField(name, _SIMPLE[duckdb_type])


def load_marts(serving: Path, client: bigquery.Client, warehouse: Warehouse, scratch: Path) -> int:
    """Every mart of the spec into `client`'s project; returns the rows loaded."""
    scratch.mkdir(parents=True, exist_ok=True)
    loaded = 0
    with duckdb.connect(str(serving), read_only=True) as con:
        for dataset in datasets_of(DASHBOARDS):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [dataset.schema, dataset.table],
            ).fetchall()
            schema = [bigquery_field(name, kind) for name, kind in columns]
            # HUGEINT has no parquet type BigQuery reads as INT64: narrowed here.
            select = ", ".join(
                f'cast("{name}" as bigint) as "{name}"' if kind == "HUGEINT" else f'"{name}"'
                for name, kind in columns
            )
            parquet = scratch / f"{dataset.schema}.{dataset.table}.parquet"
            con.execute(
                f"copy (select {select} from {dataset.schema}.{dataset.table}) "
                f"to '{parquet}' (format parquet)"
            )
            target = f"{client.project}.{warehouse.schema(dataset.schema)}"
            client.create_dataset(target, exists_ok=True)
            config = bigquery.LoadJobConfig(
                source_format=bigquery.SourceFormat.PARQUET,
                schema=schema,
                write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            )
            with parquet.open("rb") as handle:
                job = client.load_table_from_file(
                    handle, f"{target}.{dataset.table}", job_config=config
                )
            job.result(timeout=120)
            loaded += job.output_rows or 0
    return loaded

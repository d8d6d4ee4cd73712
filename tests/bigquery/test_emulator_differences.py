"""Where the emulator (bqemulator 1.4.0, locked) differs from BigQuery, pinned.

Each test states one difference as the emulator behaves today and names the
workaround the product or the harness uses; the README lists the same. A newer
emulator that fixes one fails its test here: drop the workaround and the test.
None of these is worked around by changing what production does.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import polars as pl
import pytest
from google.api_core.exceptions import BadRequest, GoogleAPIError, NotFound
from google.cloud import bigquery

pytestmark = pytest.mark.xdist_group("bigquery")


@pytest.fixture
def dataset(bq: bigquery.Client, raw_dataset: str) -> Iterator[str]:
    bq.create_dataset(raw_dataset, timeout=30)
    yield f"{bq.project}.{raw_dataset}"
    bq.delete_dataset(raw_dataset, delete_contents=True, not_found_ok=True, timeout=30)


def rows(bq: bigquery.Client, sql: str, **config: object) -> list[tuple]:
    job = bq.query(sql, job_config=bigquery.QueryJobConfig(**config), timeout=30)
    return [tuple(r.values()) for r in job.result(timeout=60)]


def test_bare_numeric_in_ddl_is_decimal_18_3(bq: bigquery.Client, dataset: str) -> None:
    """BigQuery's NUMERIC is (38, 9); the emulator's DDL makes DuckDB DECIMAL(18,3):
    values cut to 3 decimals, large ones wrong. promote never uses DDL (tables from
    explicit API schemas, NUMERIC(18,2)); dbt's prod build needs a harness patch."""
    rows(bq, f"create table `{dataset}.n` (x numeric)")
    rows(bq, f"insert into `{dataset}.n` values (1.23456)")
    assert rows(bq, f"select x from `{dataset}.n`") == [(Decimal("1.235"),)]


def test_parameterised_numeric_is_kept_as_numeric_38_9(bq: bigquery.Client, dataset: str) -> None:
    """NUMERIC(18,2) from an API schema: loaded values exact (as promote loads them),
    but the table's schema no longer says (18, 2). Compare values, not metadata."""
    field = bigquery.SchemaField("m", "NUMERIC", precision=18, scale=2)
    bq.create_table(bigquery.Table(f"{dataset}.m", schema=[field]), timeout=30)
    (held,) = bq.get_table(f"{dataset}.m", timeout=30).schema
    assert (held.field_type, held.precision, held.scale) == ("NUMERIC", None, None)
    data = io.BytesIO()
    values = [Decimal("1234567890123456.78"), Decimal("0.07")]
    pl.DataFrame({"m": values}, schema={"m": pl.Decimal(18, 2)}).write_parquet(data)
    data.seek(0)
    config = bigquery.LoadJobConfig(source_format="PARQUET", schema=[field])
    bq.load_table_from_file(data, f"{dataset}.m", job_config=config, timeout=30).result(60)
    assert rows(bq, f"select sum(m) from `{dataset}.m`") == [(Decimal("1234567890123456.85"),)]


def test_ddl_clustering_and_function_partitioning_are_not_recorded(
    bq: bigquery.Client, dataset: str
) -> None:
    """promote creates its tables through the API (TimePartitioning, clustering_fields),
    which the emulator records; DDL's CLUSTER BY and PARTITION BY date_trunc(...)
    vanish (dbt's prod tables: compare partitioning only on real BigQuery)."""
    rows(bq, f"create table `{dataset}.c` (d date, k string) partition by d cluster by k")
    rows(bq, f"create table `{dataset}.f` (d date, k string) partition by date_trunc(d, month)")
    column_form, function_form = (bq.get_table(f"{dataset}.{t}", timeout=30) for t in "cf")
    assert column_form.time_partitioning.field == "d" and column_form.clustering_fields is None
    assert function_form.time_partitioning is None


def test_a_load_into_a_partition_decorator_fails(bq: bigquery.Client, dataset: str) -> None:
    """`table$20260301` with WRITE_TRUNCATE is how BigQuery replaces one day; the
    emulator refuses the id. promote loads a staging table and replaces the days in
    one transaction instead (correct on both)."""
    table = bigquery.Table(f"{dataset}.p", schema=[bigquery.SchemaField("d", "DATE")])
    table.time_partitioning = bigquery.TimePartitioning(field="d")
    bq.create_table(table, timeout=30)
    data = io.BytesIO()
    pl.DataFrame({"d": [dt.date(2026, 3, 1)]}).write_parquet(data)
    data.seek(0)
    config = bigquery.LoadJobConfig(source_format="PARQUET", write_disposition="WRITE_TRUNCATE")
    with pytest.raises(GoogleAPIError, match=r"p\$20260301"):
        bq.load_table_from_file(data, f"{dataset}.p$20260301", job_config=config, timeout=30)
    with pytest.raises(NotFound):
        bq.copy_table(f"{dataset}.p$20260301", f"{dataset}.q$20260301", timeout=30).result(60)


def test_a_query_with_a_destination_writes_nothing(bq: bigquery.Client, dataset: str) -> None:
    """promote writes only by DML in a script; a destination table never appears."""
    rows(bq, "select 1 as x", destination=f"{dataset}.dest")
    with pytest.raises(NotFound):
        bq.get_table(f"{dataset}.dest", timeout=30)


def test_dry_runs_report_0_bytes_and_maximum_bytes_billed_is_not_enforced(
    bq: bigquery.Client, dataset: str
) -> None:
    """`promote --dry-run` counts the parquet it would upload itself (load jobs are
    free on BigQuery); query costs can only be estimated on real BigQuery."""
    rows(bq, f"create table `{dataset}.b` as select x from unnest(generate_array(1, 1000)) x")
    dry = bq.query(
        f"select * from `{dataset}.b`",
        job_config=bigquery.QueryJobConfig(dry_run=True, use_query_cache=False),
        timeout=30,
    )
    assert dry.total_bytes_processed == 0
    assert len(rows(bq, f"select * from `{dataset}.b`", maximum_bytes_billed=1)) == 1000


def test_array_agg_distinct_ignore_nulls_and_set_from_a_struct_fail(bq: bigquery.Client) -> None:
    """Both are valid BigQuery (dbt-bigquery's insert_overwrite and its scripts use
    them); the emulator's translation breaks. The dbt harness must patch them."""
    with pytest.raises(BadRequest):
        rows(bq, "select array_agg(distinct x ignore nulls) from unnest([1, 1, null, 2]) x")
    with pytest.raises(BadRequest):
        rows(bq, "declare a int64; declare b int64; set (a, b) = (select as struct 1, 2);")


def test_table_metadata_counts_and_expiry_are_not_kept(bq: bigquery.Client, dataset: str) -> None:
    """num_rows misses rows DML inserted (count with a query) and an expired table stays (promote
    drops its staging tables itself; the expiry is for real BigQuery after a crash).
    Unnamed columns are named DuckDB's way (count_star()), not f0_: always alias."""
    bq.create_table(
        bigquery.Table(f"{dataset}.e", schema=[bigquery.SchemaField("x", "INT64")]), timeout=30
    )
    rows(bq, f"insert into `{dataset}.e` (x) values (1)")
    assert bq.get_table(f"{dataset}.e", timeout=30).num_rows == 0
    table = bigquery.Table(f"{dataset}.gone", schema=[bigquery.SchemaField("x", "INT64")])
    table.expires = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    bq.create_table(table, timeout=30)
    assert "gone" in {t.table_id for t in bq.list_tables(dataset, timeout=30)}
    job = bq.query(f"select count(*) from `{dataset}.e`", timeout=30)
    assert [f.name for f in job.result(timeout=60).schema] == ["count_star()"]


def test_date_trunc_to_an_iso_week_fails(bq: bigquery.Client) -> None:
    """`DATE_TRUNC(d, ISOWEEK)` (livelake.week_start on BigQuery) becomes DuckDB's
    DATE_TRUNC('ISOWEEK', d), which DuckDB refuses. The dbt harness patches it to
    DuckDB's ISO 'WEEK', cast back to a DATE (emulator/patched)."""
    with pytest.raises(BadRequest):
        rows(bq, "select date_trunc(date '2025-03-08', isoweek) as w")

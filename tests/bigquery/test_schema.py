"""promote's BigQuery shapes come from the lake's own definitions, and its SQL is
BigQuery's (sqlglot parses the transaction script as BigQuery; no DuckDB-only syntax)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlglot
from sqlglot import exp

from ingest.contracts import DOMAINS, lake_schema
from lake.runs import Part
from promote.load import Target, replace_script
from promote.manifest import SliceKey
from promote.plan import Slice, digest
from promote.schema import SHAPES, bigquery_field


def test_every_report_table_has_the_lake_columns_then_dt() -> None:
    for domain in DOMAINS:
        names = [f.name for f in SHAPES[domain.table].schema()]
        assert names == [*lake_schema(domain.table), "dt"]


def test_money_stays_numeric_with_its_scale() -> None:
    money = {f.name: f for f in SHAPES["post_deduction"].schema() if f.field_type == "NUMERIC"}
    assert set(money) == {
        "gross_revenue",
        "platform_fee",
        "payment_fee",
        "tax_withheld",
        "net_revenue",
    }
    assert {(f.precision, f.scale) for f in money.values()} == {(18, 2)}
    wide = bigquery_field("x", pl.Decimal(40, 10))
    assert (wide.field_type, wide.precision, wide.scale) == ("BIGNUMERIC", 40, 10)


def test_times_keep_their_meaning() -> None:
    kinds = {f.name: f.field_type for f in SHAPES["top_up"].schema()}
    assert kinds["topup_at"] == "DATETIME"  # naive Asia/Taipei wall time
    assert kinds["exported_at"] == kinds["ingested_at"] == "TIMESTAMP"  # instants


def test_the_replace_script_is_bigquery_sql() -> None:
    parts = (Part("top_up", "2026-03-01", "top_up/dt=2026-03-01/part-000000000001-0.parquet", 3),)
    day = Slice(SliceKey("top_up", dt.date(2026, 3, 1), None), parts, digest(parts), 3, 100)
    script = replace_script(Target("proj", "lake"), SHAPES["top_up"], "_staging_x", (day,))
    statements = [s for s in sqlglot.parse(script, read="bigquery") if s is not None]
    kinds = [type(s) for s in statements]
    assert kinds.count(exp.Delete) == 2 and kinds.count(exp.Insert) == 2
    assert "`proj.lake.top_up`" in script and "date '2026-03-01'" in script


def test_batches_hold_one_table_each_within_the_byte_bound() -> None:
    from promote.load import MAX_BATCH_BYTES, batches

    def day(table: str, n: int, size: int) -> Slice:
        parts = (Part(table, f"2026-03-{n:02d}", f"{table}/dt=2026-03-{n:02d}/p.parquet", 1),)
        return Slice(SliceKey(table, dt.date(2026, 3, n), None), parts, digest(parts), 1, size)

    big = MAX_BATCH_BYTES // 2 + 1
    slices = (day("channel_stats", 1, 10), day("top_up", 1, big), day("top_up", 2, big))
    assert [[s.key.label() for s in b] for b in batches(slices)] == [
        ["channel_stats 2026-03-01"],
        ["top_up 2026-03-01"],
        ["top_up 2026-03-02"],
    ]

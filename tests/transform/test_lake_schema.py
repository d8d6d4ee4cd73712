"""The source YAML documents the lake the ingest writes, column for column.

The lake's schema is defined by the ingest (ingest/contracts.py: `lake_schema`, every
report table's columns and DuckDB types, lineage included; ingest/files.py for the
quarantine and rejected tables, lake/manifest.py for the manifest). dbt keeps its own
hand-written copy (transform/models/staging/lake/_lake__sources.yml), which the models read through
the graph (livelake.lake_content_columns). These tests fail when the two drift:
a column added to the contract must be added to the source YAML too.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from ingest.contracts import DOMAINS_BY_TABLE, LINEAGE, lake_schema
from ingest.files import QUARANTINE_COLUMNS, REJECTED_SCHEMA
from lake.manifest import MANIFEST_SCHEMA

SOURCES_YML = (
    Path(__file__).resolve().parents[2] / "transform/models/staging/lake/_lake__sources.yml"
)
# The hive partition every report table's parts carry beside the ingest's columns.
PARTITION = ("dt", "date")
DUCKDB_TYPES = {
    pl.String(): "varchar",
    pl.Int64(): "bigint",
    pl.Datetime("us", "UTC"): "timestamp with time zone",
}


def _source() -> dict:
    (lake,) = [s for s in yaml.safe_load(SOURCES_YML.read_text())["sources"] if s["name"] == "lake"]
    return lake


def _table(name: str) -> dict:
    (table,) = [t for t in _source()["tables"] if t["name"] == name]
    return table


def _columns(name: str) -> list[str]:
    return [c["name"] for c in _table(name)["columns"]]


def test_lineage_is_the_ingests():
    lineage = _source()["config"]["meta"]["lineage_columns"]
    assert list(lineage.items()) == [*LINEAGE, PARTITION]


@pytest.mark.parametrize("table", sorted(DOMAINS_BY_TABLE))
def test_report_table_content_is_the_contracts(table):
    lineage = set(_source()["config"]["meta"]["lineage_columns"])
    content = [c for c in _columns(table) if c not in lineage]
    assert content == list(DOMAINS_BY_TABLE[table].column_names)


@pytest.mark.parametrize("table", sorted(DOMAINS_BY_TABLE))
def test_report_table_types_are_the_lakes(table):
    """Every documented column has the lake's type (an empty lake reads as these)."""
    documented = {c["name"]: c["data_type"] for c in _table(table)["columns"]}
    lake = {**lake_schema(table), PARTITION[0]: PARTITION[1]}
    assert {name: lake[name] for name in documented} == documented


def test_every_report_table_is_a_source():
    tables = {t["name"] for t in _source()["tables"] if not t.get("identifier", "").startswith("_")}
    assert tables == set(DOMAINS_BY_TABLE)


@pytest.mark.parametrize(
    ("table", "schema"),
    [("manifest", MANIFEST_SCHEMA), ("rejected", REJECTED_SCHEMA)],
)
def test_side_table_columns_and_types_are_the_ingests(table, schema):
    documented = {c["name"]: c["data_type"] for c in _table(table)["columns"]}
    assert documented == {name: DUCKDB_TYPES[dtype] for name, dtype in schema.items()}


def test_quarantine_columns_are_the_ingests():
    assert set(_columns("quarantine")) == set(QUARANTINE_COLUMNS)

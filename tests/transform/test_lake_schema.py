"""dbt's sources are the lake the ingest writes.

The lake's schema is defined by the ingest (ingest/contracts.py: `lake_schema`, every
report table's columns and DuckDB types, lineage included; ingest/files.py for the
quarantine and rejected tables, lake/manifest.py for the manifest). dbt reads the
report tables' columns from the generated macros/lake_contract.sql
(test_lake_contract.py), so the source YAML must not list them again; the side
tables' columns it documents are held to the ingest's here.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from ingest.contracts import DOMAINS_BY_TABLE
from ingest.files import QUARANTINE_COLUMNS, REJECTED_SCHEMA
from lake.manifest import MANIFEST_SCHEMA

SOURCES_YML = (
    Path(__file__).resolve().parents[2] / "transform/models/staging/lake/_lake__sources.yml"
)
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


@pytest.mark.parametrize("table", sorted(DOMAINS_BY_TABLE))
def test_report_tables_do_not_list_their_columns_again(table):
    """A second list of the contract's columns would have to be kept in step by hand."""
    assert "columns" not in _table(table)


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

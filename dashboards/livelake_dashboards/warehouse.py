"""Which warehouse the dashboards read: the DuckDB serving copy (dev) or BigQuery (prod).

One env var switches the whole product, LIVELAKE_TARGET=dev|prod (dev by default),
as it switches dbt's target and `livelake kpis`. The spec names each dataset's
schema as dev has it (`marts`, `core`); on BigQuery dbt writes the same marts to
datasets `<LIVELAKE_BQ_DATASET>_<schema>` (transform/macros/generate_schema_name.sql
keeps custom schemas as-is on DuckDB only), so `schema()` is the one place that
turns a spec schema into where it lives. LIVELAKE_SUPERSET_DATABASE_URI still
overrides the URI; its scheme says which dialect it is.

Nothing secret goes into the bundle: on BigQuery the driver finds credentials
itself, GOOGLE_APPLICATION_CREDENTIALS (a key file) or application default
credentials, in the Superset server's environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

Dialect = Literal["duckdb", "bigquery"]
TARGET_VARIABLE = "LIVELAKE_TARGET"
TARGETS = ("dev", "prod")


class TargetError(ValueError):
    """LIVELAKE_TARGET or the BigQuery settings are missing or wrong: says what to set."""


@dataclass(frozen=True)
class Warehouse:
    uri: str
    dataset_prefix: str  # BigQuery: spec schema `marts` lives in `<prefix>_marts`

    @property
    def dialect(self) -> Dialect:
        return "bigquery" if self.uri.startswith("bigquery:") else "duckdb"

    @property
    def serving_path(self) -> Path | None:
        """The DuckDB file the dashboards read (None on BigQuery)."""
        if self.dialect != "duckdb":
            return None
        database = urlsplit(self.uri).path[1:]  # as SQLAlchemy reads duckdb:///<database>
        return Path(database).resolve() if database and database != ":memory:" else None

    def schema(self, spec_schema: str) -> str:
        """Where a spec schema (`marts`, `core`) lives in this warehouse."""
        if self.dialect == "bigquery":
            return f"{self.dataset_prefix}_{spec_schema}"
        return spec_schema

    @classmethod
    def from_env(cls, data_dir: Path, env: Mapping[str, str] = os.environ) -> Warehouse:
        target = env.get(TARGET_VARIABLE, "").strip() or "dev"
        if target not in TARGETS:
            raise TargetError(f"{TARGET_VARIABLE}={target!r}: expected one of {', '.join(TARGETS)}")
        prefix = env.get("LIVELAKE_BQ_DATASET", "").strip() or "livelake"
        override = env.get("LIVELAKE_SUPERSET_DATABASE_URI")
        if override:
            return cls(override, prefix)
        if target == "dev":
            return cls(f"duckdb:///{data_dir / 'serving.duckdb'}", prefix)
        project = env.get("LIVELAKE_GCP_PROJECT")
        if not project:
            raise TargetError(
                f"{TARGET_VARIABLE}=prod reads BigQuery: set LIVELAKE_GCP_PROJECT (and "
                "GOOGLE_APPLICATION_CREDENTIALS, or application default credentials)"
            )
        location = env.get("LIVELAKE_BQ_LOCATION", "").strip() or "asia-east1"
        return cls(f"bigquery://{project}?location={location}", prefix)

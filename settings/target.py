"""The one switch between DuckDB (dev) and BigQuery (prod).

One variable, LIVELAKE_TARGET, switches the whole product: the dbt target
(transform/profiles.yml), where `livelake kpis` reads, the dashboards' database
(dashboards/livelake_dashboards/warehouse.py reads the same variable).
"""

from __future__ import annotations

import os

TARGET_VARIABLE = "LIVELAKE_TARGET"
TARGETS = ("dev", "prod")


def target_from_env() -> str:
    """LIVELAKE_TARGET (dev by default); anything but dev or prod is refused."""
    target = os.environ.get(TARGET_VARIABLE, "").strip() or "dev"
    if target not in TARGETS:
        raise ValueError(f"{TARGET_VARIABLE}={target!r}: set it to dev or prod")
    return target

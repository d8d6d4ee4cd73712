"""dbt exposures generated from the spec: the lineage from each mart to the dashboards.

`transform/models/marts/_exposures.yml` is written from `spec.DASHBOARDS` (as
preset-cli derives exposures from a live Superset), never by hand, so dbt's lineage
names exactly the tables the charts read. `python -m livelake_dashboards exposures`
rewrites it; a test fails when the file and the spec disagree.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from livelake_dashboards.model import Dashboard
from livelake_dashboards.spec import DASHBOARDS

EXPOSURES_PATH = Path(__file__).resolve().parents[2] / "transform/models/marts/_exposures.yml"
URL = "http://127.0.0.1:8088/superset/dashboard/{slug}/"
OWNER = {"name": "livelake analytics", "email": "analytics@livelake.invalid"}
HEADER = """\
# Generated from dashboards/livelake_dashboards/spec.py by
# `python -m livelake_dashboards exposures`: do not edit (a test fails on drift).
# The six Superset dashboards (`make dashboards`, 127.0.0.1:8088 by default) and the
# tables their charts read.
"""


def exposure(dashboard: Dashboard) -> dict[str, object]:
    tables = sorted({chart.dataset.table for chart in dashboard.charts})
    return {
        "name": "dashboard_" + dashboard.slug.replace("-", "_"),
        "label": dashboard.title,
        "type": "dashboard",
        "maturity": "medium",
        "url": URL.format(slug=dashboard.slug),
        "description": dashboard.description,
        "depends_on": [f"ref('{table}')" for table in tables],
        "owner": dict(OWNER),
    }


def exposures_yaml() -> str:
    document = {"version": 2, "exposures": [exposure(d) for d in DASHBOARDS]}
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)


def write(path: Path = EXPOSURES_PATH) -> Path:
    path.write_text(exposures_yaml(), encoding="utf-8")
    return path

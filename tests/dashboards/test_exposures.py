"""dbt's exposures are generated from the dashboard spec, never written by hand."""

from __future__ import annotations

import re

from livelake_dashboards import exposures
from livelake_dashboards.spec import DASHBOARDS

from tests.dashboards.superset_server import REPO_ROOT


def test_the_exposures_file_is_the_spec() -> None:
    written = exposures.EXPOSURES_PATH.read_text(encoding="utf-8")
    assert written == exposures.exposures_yaml(), (
        "transform/models/marts/_exposures.yml drifted from spec.py: "
        "run `PYTHONPATH=dashboards .venv/bin/python -m livelake_dashboards exposures`"
    )


def test_each_dashboard_depends_on_exactly_the_tables_its_charts_read() -> None:
    text = exposures.EXPOSURES_PATH.read_text(encoding="utf-8")
    models = {path.stem for path in (REPO_ROOT / "transform" / "models").rglob("*.sql")}
    blocks = text.split("- name: ")[1:]
    assert len(blocks) == len(DASHBOARDS)
    for dashboard, block in zip(DASHBOARDS, blocks, strict=True):
        refs = set(re.findall(r"ref\('(\w+)'\)", block))
        assert refs == {chart.dataset.table for chart in dashboard.charts}, dashboard.slug
        assert refs <= models, refs - models
        assert dashboard.slug in block
    # the hand-written file named a per-file ledger no chart showed
    assert "mart_data_health_files" not in text

"""Rules the dbt project states once and other packages repeat, held to it.

The take-rate z-score threshold is dbt's var `take_rate_z_threshold`
(transform/dbt_project.yml): the models flag with it. The dashboards, which run in
their own virtualenv and never read the dbt project, keep one constant
(livelake_dashboards.spec.TAKE_RATE_Z_THRESHOLD) for the band they draw and the
rows they paint; this test fails when the two differ, and when a chart states the
number another way.
"""

from __future__ import annotations

from pathlib import Path

import yaml

import tests.dashboards  # noqa: F401 - puts dashboards/ on the path, before the spec is imported

TRANSFORM = Path(__file__).resolve().parents[2] / "transform"


def _threshold() -> float:
    project = yaml.safe_load((TRANSFORM / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["take_rate_z_threshold"]


def test_the_dashboards_flag_at_dbts_threshold() -> None:
    from livelake_dashboards import spec

    threshold = _threshold()
    assert threshold == spec.TAKE_RATE_Z_THRESHOLD
    charts = [c for d in spec.DASHBOARDS for c in d.charts]
    bands = [c.extra["zscore_band"] for c in charts if "zscore_band" in c.extra]
    assert bands == [threshold]
    painted = [
        value for c in charts for column, _, value, _ in c.highlights if "take_rate_z" in column
    ]
    assert painted == [threshold - 0.001, 0.001 - threshold]
    described = [c.description for c in charts if "take_rate_z" in str(c.metrics) + str(c.columns)]
    assert described and all(f"{threshold:g}" in text for text in described)

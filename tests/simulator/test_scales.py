"""The `long` scale is long enough for every KPI window, on the world alone (no build):
the truth tests (tests/transform/test_truth.py) rely on it to compare drop-offs,
retention in week 12 and full 28- and 30-day windows non-empty."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import polars as pl

from simulator.direct_lake import resolved_world
from simulator.scales import get_scale
from tests.transform import truth_kpis


def test_the_long_world_reaches_every_kpi_window() -> None:
    scale = get_scale("long")
    tables = resolved_world("long", 42)
    world = truth_kpis.World(
        **{
            name: tables[name].to_dicts()
            for name in (
                "top_up",
                "user_activity",
                "channel_stats",
                "pre_deduction",
                "post_deduction",
                "users",
            )
        }
    )
    truth = truth_kpis.Truth(world)
    assert len(truth.dates) == scale.prelude_days + scale.days
    assert len(truth.dropoffs()) >= 10
    complete = Counter(
        row["weeks_after"]
        for row in truth_kpis.expected_topup_retention(truth)
        if row["is_complete"] and row["retained_users"] > 0
    )
    assert all(complete[k] >= 4 for k in truth_kpis.RETENTION_WEEKS), complete
    # the take-rate spike has its whole 28-day window before it
    assert scale.spike_day >= truth_kpis.TAKE_RATE_WINDOW
    spike = tables["_anomalies"].filter(pl.col("kind") == "take_rate_spike")
    assert spike["report_date"].to_list() == [scale.start + timedelta(days=scale.spike_day)]

"""Superset's results cache (dashboards/livelake_dashboards/results_cache.py): a second
viewer of a chart gets the answer without a query on DuckDB, and a publish makes
every cached answer of the old copy unreachable (no stale answer, ever)."""

from __future__ import annotations

from typing import Any

import pytest
from livelake_dashboards.client import SupersetClient

from tests.dashboards import api
from tests.dashboards.serving import (
    DAU_CHART,
    SHIFT,
    QueryLog,
    copy_identity,
    dau_answer,
    livelake_publish,
    shift_dau,
    shifted,
)

pytestmark = pytest.mark.xdist_group("superset")

ASKS = 6


def rows_of(rows: list[dict[str, Any]]) -> frozenset[tuple[tuple[str, Any], ...]]:
    """The rows, in no order (the charts' queries have none)."""
    return frozenset(tuple(sorted(row.items())) for row in rows)


def viewed(client: SupersetClient, chart_id: int) -> tuple[bool, list[dict[str, Any]]]:
    """A chart as a dashboard viewer loads it (no force): (is_cached, rows)."""
    response = client.chart_data(chart_id, force=False)
    assert response.status_code == 200, response.text[:500]
    result = response.json()["result"][0]
    return bool(result["is_cached"]), result["data"]  # a miss says None


def test_a_cached_answer_runs_no_query(superset) -> None:
    viewer = api.viewer(superset)
    chart_id = api.chart_ids(api.admin(superset))["Stickiness"]
    forced = rows_of(api.chart_rows(viewer, chart_id))  # runs the query, stores its answer

    log = QueryLog(superset)
    for _ in range(ASKS):  # whichever worker answers: the shared cache, no DuckDB
        cached, rows = viewed(viewer, chart_id)
        assert (cached, rows_of(rows)) == (True, forced)
    assert log.since_mark() == []

    # The control: the same request forced past the cache is logged, once.
    log = QueryLog(superset)
    assert rows_of(api.chart_rows(viewer, chart_id)) == forced
    assert log.copies_since_mark() == {copy_identity(superset.data_dir / "serving.duckdb")}
    assert len(log.since_mark()) == 1


def test_a_publish_invalidates_every_cached_answer(superset) -> None:
    viewer = api.viewer(superset)
    chart_id = api.chart_ids(api.admin(superset))[DAU_CHART]
    warehouse = superset.data_dir / "warehouse.duckdb"
    copy_a = dau_answer(api.chart_rows(viewer, chart_id))  # forced: stores copy A's answer
    cached, rows = viewed(viewer, chart_id)
    assert (cached, dau_answer(rows)) == (True, copy_a)

    shift_dau(warehouse, SHIFT)
    try:
        livelake_publish(superset.data_dir)
        log = QueryLog(superset)
        cached, rows = viewed(viewer, chart_id)
        assert (cached, dau_answer(rows)) == (False, shifted(copy_a))  # copy A's is gone
        assert len(log.since_mark()) == 1
        for _ in range(ASKS):  # and copy B's answer is the one cached now
            cached, rows = viewed(viewer, chart_id)
            assert (cached, dau_answer(rows)) == (True, shifted(copy_a))
    finally:
        shift_dau(warehouse, -SHIFT)
        livelake_publish(superset.data_dir)
    cached, rows = viewed(viewer, chart_id)
    assert (cached, dau_answer(rows)) == (False, copy_a)

"""Each Superset worker keeps the serving copy open, and reads a new one as soon as
`livelake publish` has renamed it into place (dashboards/livelake_dashboards/
serving_connection.py), with the shared session Superset (three gunicorn workers)."""

from __future__ import annotations

import pytest

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

ASKS = 6  # forced requests per copy: three gunicorn workers, each very likely asked


def test_the_first_query_after_a_publish_reads_the_new_copy(superset) -> None:
    admin = api.admin(superset)
    chart_id = api.chart_ids(admin)[DAU_CHART]
    serving = superset.data_dir / "serving.duckdb"
    warehouse = superset.data_dir / "warehouse.duckdb"

    log = QueryLog(superset)
    copy_a = dau_answer(api.chart_rows(admin, chart_id))
    for _ in range(ASKS):  # every worker opens copy A and keeps it
        assert dau_answer(api.chart_rows(admin, chart_id)) == copy_a
    identity_a = copy_identity(serving)
    assert log.copies_since_mark() == {identity_a}
    assert len(log.since_mark()) == ASKS + 1  # forced: every request ran its query

    shift_dau(warehouse, SHIFT)
    try:
        livelake_publish(superset.data_dir)
        identity_b = copy_identity(serving)
        assert identity_b != identity_a
        log = QueryLog(superset)
        for _ in range(ASKS):  # no worker answers from the copy it had open
            assert dau_answer(api.chart_rows(admin, chart_id)) == shifted(copy_a)
        assert log.copies_since_mark() == {identity_b}
    finally:
        shift_dau(warehouse, -SHIFT)
        livelake_publish(superset.data_dir)
    log = QueryLog(superset)
    for _ in range(ASKS):
        assert dau_answer(api.chart_rows(admin, chart_id)) == copy_a
    assert log.copies_since_mark() == {copy_identity(serving)}

"""50 concurrent chart-data requests while `livelake publish` replaces the serving copy
twice: no errors, and every answer comes from one whole copy."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from tests.dashboards import api
from tests.dashboards.superset_server import REPO_ROOT

pytestmark = pytest.mark.xdist_group("superset")

CHART = "Daily, weekly and monthly active users"
SHIFT = 1_000_000  # copy B's DAU = copy A's + SHIFT: every answer names its copy
REQUESTS = 50


def shift_dau(warehouse: Path, by: int) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"update marts.mart_daily_kpis set dau = dau + {by}")


def livelake_publish(data_dir: Path) -> None:
    done = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "livelake"), "publish"],
        env={**os.environ, "LIVELAKE_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def answer(rows: list[dict]) -> frozenset[tuple]:
    return frozenset((r["date"], r["DAU"], r["WAU"], r["MAU"]) for r in rows)


def test_publish_under_load(superset) -> None:
    admin = api.admin(superset)
    chart_id = api.chart_ids(admin)[CHART]
    warehouse = superset.data_dir / "warehouse.duckdb"
    copy_a = answer(api.chart_rows(admin, chart_id))
    copy_b = frozenset((d, dau + SHIFT, wau, mau) for d, dau, wau, mau in copy_a)
    answers: list[frozenset[tuple] | str] = []
    lock = threading.Lock()
    publishes_done = threading.Event()

    def ask(_: int) -> None:
        client = api.admin(superset)
        response = client.chart_data(chart_id)
        if response.status_code == 200:
            result = answer(response.json()["result"][0]["data"])
        else:
            result = f"{response.status_code}: {response.text[:300]}"
        with lock:
            answers.append(result)

    seen_after_publish: list[frozenset[tuple]] = []

    def publisher() -> None:
        try:
            time.sleep(1.0)
            shift_dau(warehouse, SHIFT)
            livelake_publish(superset.data_dir)
            seen_after_publish.append(answer(api.chart_rows(admin, chart_id)))
            time.sleep(1.0)
            shift_dau(warehouse, -SHIFT)
            livelake_publish(superset.data_dir)
        finally:
            publishes_done.set()

    thread = threading.Thread(target=publisher)
    thread.start()
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        list(pool.map(ask, range(REQUESTS)))
    publishes_done.wait(timeout=300)
    thread.join(timeout=10)

    errors = [a for a in answers if isinstance(a, str)]
    assert errors == []
    assert len(answers) == REQUESTS
    assert all(a in (copy_a, copy_b) for a in answers), "an answer mixed two copies"
    # A query after a publish sees the copy just published, never an older one.
    assert seen_after_publish == [copy_b]
    assert answer(api.chart_rows(admin, chart_id)) == copy_a

"""Change the serving copy under a running Superset, and read what Superset ran on it.

`livelake publish` as a real process (the product's atomic replace); a copy told apart
by its DAU (copy B = copy A + SHIFT on every day); Superset's query log (QUERY_LOGGER:
one line per statement run on the warehouse, naming the serving copy it read).
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from tests.dashboards.superset_server import REPO_ROOT, Superset

DAU_CHART = "Daily, weekly and monthly active users"
SHIFT = 1_000_000  # copy B's DAU = copy A's + SHIFT: every answer names its copy

Answer = frozenset[tuple[Any, ...]]


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


def dau_answer(rows: list[dict[str, Any]]) -> Answer:
    return frozenset((r["date"], r["DAU"], r["WAU"], r["MAU"]) for r in rows)


def shifted(answer: Answer) -> Answer:
    return frozenset((d, dau + SHIFT, wau, mau) for d, dau, wau, mau in answer)


def copy_identity(serving: Path) -> str:
    """The serving copy as the query log names it (device-inode-size-mtime)."""
    stat = os.stat(serving)
    return f"{stat.st_dev}-{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}"


class QueryLog:
    """The lines Superset's QUERY_LOGGER writes to superset.log from a mark on."""

    def __init__(self, server: Superset) -> None:
        self.path = server.data_dir / "superset" / "superset.log"
        self.mark = self.path.stat().st_size

    def since_mark(self) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(self.mark)
            text = log.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if " query on " in line]

    def copies_since_mark(self) -> set[str]:
        """The serving copies the logged queries read."""
        return {
            line.split(" query on serving copy ")[1].split(":")[0] for line in self.since_mark()
        }


# the latest complete day: the newest day with a User Activity report; on the data
# health dashboard, whose days are export days, the newest export day
LATEST = {
    "data-health": "select max(day) from marts.mart_data_health_daily",
    None: "select max(date) from marts.mart_daily_kpis where has_activity_report",
}


def expected_range(serving_query, slug: str) -> tuple[date, date]:  # noqa: ANN001
    """(the first of the month three months before the latest complete day, the day
    after it): Superset's ranges end exclusive."""
    ((last,),) = serving_query(LATEST.get(slug, LATEST[None]))
    month = last.year * 12 + last.month - 1 - 3
    return date(month // 12, month % 12 + 1, 1), last + timedelta(days=1)

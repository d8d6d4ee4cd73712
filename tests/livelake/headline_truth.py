"""The headline KPIs `livelake run` / `kpis` / `prod` print, against the simulator's truth.

The truth is computed independently from the world (`truth/world/`, written by
`livelake generate`) by tests/transform/truth_kpis.py, the oracle of the truth tests.
The tests in this folder use it on their own worlds; `.ci/run` runs it as a module
on the world `make dev` built on the clean clone:

    python -m tests.livelake.headline_truth DATA_DIR MAKE_DEV_LOG

It exits 1, naming each difference, unless the serving copy's `mart_daily_kpis`
equals the truth row for row and the last headline table in the log shows the
truth's last day, every KPI as `livelake kpis` formats it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from lake.serving import connect_read_only
from livelake.headline import COLUMNS
from tests.transform import truth_kpis

_TITLE = re.compile(r"headline KPIs for (\d{4}-\d{2}-\d{2})")
# A KPI row of the rich table (box-drawing or, on an ASCII locale, plain borders).
_ROW = re.compile(r"^\s*[│|]\s*(\w+)\s*[│|]\s*(.*?)\s*[│|]\s*$")


def expected_daily_kpis(data_dir: Path) -> list[dict]:
    """mart_daily_kpis as the world says it must be, one row per day."""
    world = truth_kpis.World.load(data_dir / "truth" / "world")
    return truth_kpis.expected_daily_kpis(truth_kpis.Truth(world))


def expected_headline(data_dir: Path) -> dict[str, str]:
    """The headline as it must be printed: the truth's last day, each KPI formatted
    the way livelake.headline renders it (the numbers are what is checked)."""
    last = expected_daily_kpis(data_dir)[-1]
    printed = {name: "—" if last[name] is None else fmt.format(last[name]) for name, fmt in COLUMNS}
    return {"date": last["date"].isoformat(), **printed}


def printed_headline(output: str) -> dict[str, str]:
    """The last headline table in a command's output: its date and each KPI's text."""
    starts = [m for m in _TITLE.finditer(output)]
    if not starts:
        return {}
    last = starts[-1]
    names = {name for name, _ in COLUMNS}
    values = {"date": last.group(1)}
    for line in output[last.end() :].splitlines():
        match = _ROW.match(line)
        if match and match.group(1) in names and match.group(1) not in values:
            values[match.group(1)] = match.group(2)
    return values


def serving_daily_kpis(serving: Path) -> list[dict]:
    """The serving copy's mart_daily_kpis, without the build's `_batch*` watermarks."""
    with connect_read_only(serving) as con:
        cursor = con.execute("select * from marts.mart_daily_kpis")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [{k: v for k, v in row.items() if not k.startswith("_batch")} for row in rows]


def differences(data_dir: Path, output: str) -> list[str]:
    """Every way the serving copy and the printed headline differ from the truth."""
    want = expected_daily_kpis(data_dir)
    problems = [
        f"mart_daily_kpis: {p}"
        for p in truth_kpis.diff_rows(
            serving_daily_kpis(data_dir / "serving.duckdb"), want, ("date",)
        )[:20]
    ]
    if not want:
        problems.append("the truth has no days: nothing compared")
    printed, headline = printed_headline(output), expected_headline(data_dir)
    if printed != headline:
        problems.append(f"printed headline {printed} != the truth's {headline}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data_dir, log = Path(argv[0]), Path(argv[1])
    problems = differences(data_dir, log.read_text(encoding="utf-8", errors="replace"))
    for problem in problems:
        print(f"make dev: {problem}", file=sys.stderr)
    if problems:
        return 1
    days = len(expected_daily_kpis(data_dir))
    print(f"make dev: {days} days of mart_daily_kpis and the printed headline equal the truth")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

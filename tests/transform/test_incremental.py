"""Incremental builds equal a from-scratch build, step after step.

A simulated world is written straight into a lake (simulator.direct_lake) and
grows the way a real one does: new days, then late re-exports of old days that
refund orders, move orders to another user, change levels and engagement. After
every incremental `dbt build`, every table the project materialises must equal a
from-scratch build of the same lake, row for row (the `_batch*` watermark
columns aside: they record when a row was built). After the first step the
warehouse is compacted (`livelake compact`, the weekly upkeep), and the next
builds run on the rewritten file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from lake.compaction import compact
from lake.runs import committed_runs
from livelake.dbt_runner import DAILY_BUILD
from simulator.direct_lake import report_days, resolved_world, write_correction, write_days
from tests.transform.conftest import run_dbt

SCHEMAS = ("staging", "intermediate", "core", "marts")
# Columns that say when dbt built the row, not what the lake holds.
BUILD_TIME_COLUMNS = {
    "marts.mart_data_health_freshness": {"built_at_taipei", "hours_since_export"},
}


def materialised_tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Every base table of the project's schemas, rows sorted, `_batch*` and build-time
    columns left out."""
    tables: dict[str, list[tuple]] = {}
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in "
            f"({', '.join(repr(s) for s in SCHEMAS)}) order by 1, 2"
        ).fetchall()
        for schema, table in names:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if not row[0].startswith("_batch")
                and row[0] not in BUILD_TIME_COLUMNS.get(f"{schema}.{table}", set())
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            # The change log records history (one entry per batch that touched a
            # place): what must match a full build is the set of places logged.
            distinct = "distinct " if table == "int_lake_changes" else ""
            rows = con.execute(
                f"select {distinct}{select} from {schema}.{table} order by all"
            ).fetchall()
            tables[f"{schema}.{table}"] = [tuple(zip(columns, row, strict=True)) for row in rows]
    return tables


def assert_same(incremental: dict, scratch: dict, step: str) -> None:
    assert incremental.keys() == scratch.keys(), step
    for table in scratch:
        left, right = incremental[table], scratch[table]
        assert len(left) == len(right), (step, table, len(left), len(right))
        for a, b in zip(left, right, strict=True):
            for (column, x), (_, y) in zip(a, b, strict=True):
                if isinstance(x, float) and isinstance(y, float):
                    assert x == pytest.approx(y, rel=1e-9, abs=1e-12), (step, table, column, a, b)
                else:
                    assert x == y, (step, table, column, a, b)


# Each incremental model's row key (its merge's unique_key): a merge that missed a
# key would leave a row beside its new version.
ROW_KEYS = {
    "core.fct_topup": "order_id",
    "intermediate.int_topups_sequenced": "order_id",
    "core.fct_user_activity": "activity_date, user_id",
    "staging.base_lake__top_up": "file_sha256, source_sheet, source_row",
    "staging.base_lake__user_activity": "file_sha256, source_sheet, source_row",
    "staging.base_lake__channel_stats": "file_sha256, source_sheet, source_row",
    "staging.base_lake__pre_deduction": "file_sha256, source_sheet, source_row",
    "staging.base_lake__post_deduction": "file_sha256, source_sheet, source_row",
    "core.dim_user_membership_history": "user_id, version_number",
    "core.fct_membership_dropoffs": "user_id, dropoff_date",
    "marts.mart_topup_segments": "date, topup_day_segment, payment_method, platform",
}


def assert_row_keys_unique(data_dir: Path, step: str) -> None:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        for table, key in ROW_KEYS.items():
            repeated = con.execute(
                f"select {key}, count(*) from {table} group by all having count(*) > 1 limit 5"
            ).fetchall()
            assert repeated == [], (step, table, repeated)


def newest_kpi_dates(data_dir: Path) -> tuple:
    """The first and last date mart_daily_kpis's newest batch rebuilt."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select min(date), max(date) from marts.mart_daily_kpis "
            "where _batch_run_id = (select max(_batch_run_id) from marts.mart_daily_kpis)"
        ).fetchone()


@pytest.mark.slow
def test_incremental_builds_equal_a_full_build(tmp_path):
    world = resolved_world("small", 7)
    days = report_days(world)
    data_dir = tmp_path / "incremental" / "data"
    lake = data_dir / "lake"
    write_days(lake, world, days[:-3])
    run_dbt(data_dir, *DAILY_BUILD)

    steps = {
        "a new day": lambda: write_days(lake, world, days[-3:-2]),
        "a corrected old day and a new day": lambda: (
            write_correction(lake, world, days[2]),
            write_days(lake, world, days[-2:-1]),
        ),
        "two corrections (one of a corrected day) and a new day": lambda: (
            write_correction(lake, world, days[-6]),
            write_correction(lake, world, days[2], version=2),
            write_days(lake, world, days[-1:]),
        ),
    }
    for number, (step, deliver) in enumerate(steps.items()):
        deliver()
        result = run_dbt(data_dir, *DAILY_BUILD)
        assert "ERROR=0" in result.stdout, step
        assert_row_keys_unique(data_dir, step)
        if number == 0:  # a new day rebuilds the daily KPIs from that day on, no earlier
            assert newest_kpi_dates(data_dir) == (days[-3], days[-3]), step
        scratch = tmp_path / f"scratch{number}" / "data"
        shutil.copytree(lake, scratch / "lake")
        run_dbt(scratch, "run")
        assert_same(materialised_tables(data_dir), materialised_tables(scratch), step)
        if number == 0:
            compact(data_dir / "warehouse.duckdb")

    # Each build pinned only the records after the last pin: every committed part, once.
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        pinned = con.execute("select run_id, file from main.lake_parts order by all").fetchall()
    committed = sorted(
        (r.run_id, str(lake / p.path)) for r in committed_runs(lake) for p in r.parts
    )
    assert pinned == committed
    # A commit record of another format than lake/runs.py's is refused, as the ingest does.
    record = lake / "_runs" / "run-999999999999.json"
    record.write_text('{"format": 2, "run_id": 999999999999, "parts": []}')
    refused = run_dbt(data_dir, "run", "--select", "dim_date", check=False)
    assert refused.returncode != 0
    assert "commit records of an unknown format (expected 1)" in refused.stdout

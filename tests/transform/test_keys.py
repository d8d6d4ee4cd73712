"""Every fact, dimension and mart has a primary key, unique over the whole table.

A daily build tests the uniqueness of an incremental model's key in its newest batch
only (`config: {meta: {newest_batch: true}}`, macros/get_where_subquery.sql), so a
key left in an older batch as well (the failure an incremental model risks) is
invisible to it. `make test` therefore runs every key test of models/marts with
`--vars '{test_all_rows: true}'` (every row): here on the fixture warehouse with a
duplicate planted in an older batch, where the daily scope passes and the
whole-table run fails, and in test_build.py on the warehouse an incremental run
corrected (`test_late_reexport_is_applied_incrementally`).
"""

from __future__ import annotations

import re
import shutil

import duckdb

from tests.transform.conftest import run_dbt
from tests.transform.keys import ALL_ROWS, KEY_TESTS, TRANSFORM, key_tests


def _results(stdout: str) -> dict[str, str]:
    """test name -> PASS or FAIL, from dbt's log lines."""
    found = re.findall(r"\b(PASS|FAIL \d+) ((?:unique|accepted_columns)\w*) ", stdout)
    assert found, stdout[-3000:]
    return {name: result.split()[0] for result, name in found}


def test_every_fact_dimension_and_mart_has_a_key_test() -> None:
    keys = key_tests()
    models = {p.stem for p in TRANSFORM.glob("models/marts/**/*.sql")}
    assert set(keys) == models
    assert not [model for model, tests in keys.items() if not tests]
    # fct_topup, dim_users, mart_daily_kpis, ...: the daily build scopes these to a batch
    scoped = {model for model, tests in keys.items() if any(s for _, s in tests)}
    assert {"fct_topup", "dim_users", "mart_daily_kpis", "fct_user_activity"} <= scoped


def test_whole_table_key_tests_see_a_key_left_in_an_older_batch(built_fixture, tmp_path) -> None:
    """A copy of the built fixture warehouse, with one order of fct_topup repeated in
    an older batch and one day of dim_date (tested whole already) repeated: the daily
    scope sees only the second, the whole-table run both, and every other key test
    of the marts passes over every row."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(built_fixture["data_dir"] / "lake", target_is_directory=True)
    shutil.copy2(built_fixture["data_dir"] / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    tests = sum(len(t) for t in key_tests().values())

    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
        con.execute(
            "insert into core.fct_topup select * replace (_batch_run_id - 1 as _batch_run_id) "
            "from core.fct_topup where order_id = 'o1'"
        )
        con.execute(
            "insert into core.dim_date select * replace (9 as iso_day_of_week) "
            "from core.dim_date limit 1"
        )

    # dim_date's accepted_columns test (its day of week in [1, 7]) sees the bad row too
    values = "dim_date,test_name:accepted_columns"
    daily = run_dbt(data_dir, "test", "--select", *KEY_TESTS, values, check=False).stdout
    assert {name for name, result in _results(daily).items() if result == "FAIL"} == {
        "unique_dim_date_date_day",
        "accepted_columns_dim_date__min_value_1_max_value_7_",
    }

    whole = run_dbt(data_dir, "test", "--select", *KEY_TESTS, *ALL_ROWS, check=False)
    assert whole.returncode == 1
    failed = {name for name, result in _results(whole.stdout).items() if result == "FAIL"}
    assert failed == {"unique_fct_topup_order_id", "unique_dim_date_date_day"}
    assert len(_results(whole.stdout)) == tests

"""The `small` world end to end: what the lake holds is what the simulator wrote.

The simulator keeps the clean value of every data row it put in a workbook, with
its file, sheet and Excel row; the lake must hold exactly those rows with exactly
those values, the quarantine exactly the junk rows, and every file the expected
outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ingest.contracts import DOMAINS
from ingest.run import EXIT_REJECTED, RunReport
from tests.conftest import lake_table, side_table

KEY = ["source_file", "source_sheet", "source_row"]


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.table)
def test_lake_rows_equal_the_truth(small_lake: tuple[Path, RunReport], domain) -> None:
    data_dir, _ = small_lake
    expected = pl.read_parquet(data_dir / "truth" / "expected" / f"{domain.table}.parquet")
    # A contract column the simulated back office does not write (yet) is null.
    unwritten = [c for c in domain.column_names if c not in expected.columns]
    columns = [*KEY, "exported_at", *(c for c in domain.column_names if c not in unwritten)]
    lake = lake_table(data_dir, domain.table)
    for column in unwritten:
        assert lake[column].null_count() == lake.height, column
    lake = lake.select(columns).sort(KEY)
    expected = expected.select(columns).sort(KEY)
    assert lake.height == expected.height > 0
    assert_frame_equal(lake, expected, check_dtypes=False)


def test_quarantine_equals_the_injected_junk_rows(small_lake: tuple[Path, RunReport]) -> None:
    data_dir, _ = small_lake
    expected = pl.read_parquet(data_dir / "truth" / "expected" / "_quarantine.parquet")
    got = side_table(data_dir, "_quarantine").select(expected.columns)
    assert got.height == expected.height > 0
    assert_frame_equal(got.sort(KEY), expected.sort(KEY))


def test_every_file_has_its_expected_outcome(small_lake: tuple[Path, RunReport]) -> None:
    data_dir, report = small_lake
    truth = pl.read_parquet(data_dir / "truth" / "expected" / "_files.parquet")
    expected = dict(zip(truth["source_file"], truth["expect"], strict=True))
    got = {f.source_file: f.status for f in report.files}
    assert got == expected
    assert report.exit_code == EXIT_REJECTED  # the sample world has bad files on purpose
    for row in truth.iter_rows(named=True):
        [f] = [f for f in report.files if f.source_file == row["source_file"]]
        if f.result is None:
            continue
        assert f.result.rows_loaded == row["loaded_rows"], row["source_file"]
        assert f.result.rows_quarantined == row["quarantined_rows"], row["source_file"]
        assert f.result.rows_rejected == row["rejected_rows"], row["source_file"]
        assert f.result.rows_read == f.result.rows_loaded + f.result.rows_quarantined
        rejected_sheets = {s["sheet"] for s in json.loads(row["rejected_sheets"] or "[]")}
        assert {s.sheet for s in f.result.sheets if s.status == "rejected"} == (
            rejected_sheets - {None}
        ), row["source_file"]


def test_every_data_row_is_accounted_for(small_lake: tuple[Path, RunReport]) -> None:
    data_dir, report = small_lake
    totals = report.totals()
    lake_rows = sum(lake_table(data_dir, d.table).height for d in DOMAINS)
    assert totals["rows_read"] == totals["rows_loaded"] + totals["rows_quarantined"]
    assert totals["rows_loaded"] == lake_rows
    assert totals["rows_quarantined"] == side_table(data_dir, "_quarantine").height

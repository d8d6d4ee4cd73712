"""The truth is exact: every expected row is what its cells say, by the contract's rules."""

from __future__ import annotations

import json
from collections import defaultdict

import polars as pl
import pytest

from simulator.vocab import COLUMNS, TABLES
from tests.simulator import refread


def _expected(truth, table):
    return pl.read_parquet(truth / "expected" / f"{table}.parquet")


@pytest.fixture(scope="module")
def books(small):
    inbox, truth, _ = small
    files = pl.read_parquet(truth / "expected" / "_files.parquet")
    out = {}
    for f in files.filter(pl.col("expect").is_in(["loaded", "partial"]))["source_file"]:
        out[f] = refread.open_workbook(inbox / f)
    return out


def _reader(books, cache, f, sheet, table):
    key = (f, sheet)
    if key not in cache:
        cache[key] = refread.SheetReader(books[f][sheet], table)
    return cache[key]


@pytest.mark.parametrize("table", TABLES)
def test_expected_rows_match_cells(small, books, table):
    _, truth, _ = small
    exp = _expected(truth, table)
    assert exp.height > 0
    cache: dict = {}
    checked = 0
    for row in exp.iter_rows(named=True):
        rd = _reader(books, cache, row["source_file"], row["source_sheet"], table)
        got = rd.parsed_row(row["source_row"])
        for c in COLUMNS[table]:
            assert got[c] == row[c], (
                row["source_file"],
                row["source_sheet"],
                row["source_row"],
                c,
                got[c],
                row[c],
            )
        checked += 1
    assert checked == exp.height


def test_every_row_below_a_header_is_accounted_for(small, books):
    """Rows between header and sheet end are data, quarantined junk, footers or blank."""
    _, truth, _ = small
    q = pl.read_parquet(truth / "expected" / "_quarantine.parquet")
    qrows = {
        (r["source_file"], r["source_sheet"], r["source_row"]) for r in q.iter_rows(named=True)
    }
    rows_of = defaultdict(set)
    table_of = {}
    for table in TABLES:
        for r in (
            _expected(truth, table)
            .select(
                "source_file",
                "source_sheet",
                "source_row",
            )
            .iter_rows()
        ):
            rows_of[(r[0], r[1])].add(r[2])
            table_of[(r[0], r[1])] = table
    footers = {"total", "合計", "總計"}
    cache: dict = {}
    for (f, sheet), rows in rows_of.items():
        rd = _reader(books, cache, f, sheet, table_of[(f, sheet)])
        for i in range(rd.first_data + 1, len(rd.rows) + 1):
            cells = [c for c in rd.rows[i - 1] if c is not None and str(c).strip()]
            if i in rows or (f, sheet, i) in qrows or not cells:
                continue
            first = refread.nfkc(str(cells[0])).lower()
            assert first in footers or first.startswith("*"), (f, sheet, i, cells)
        assert min(rows) == rd.first_data + 1 or (f, sheet, rd.first_data + 1) in qrows


def test_quarantined_cells_are_really_bad(small, books):
    _, truth, _ = small
    q = pl.read_parquet(truth / "expected" / "_quarantine.parquet")
    assert set(q["reason"]) == {
        "missing",
        "unparseable",
        "negative",
        "unknown_value",
        "not_integer",
    }
    cache: dict = {}
    for r in q.iter_rows(named=True):
        rd = _reader(books, cache, r["source_file"], r["source_sheet"], r["table"])
        v = rd.cell(r["source_row"], r["column"])
        if r["reason"] == "missing":
            assert refread.is_blank(v)
        elif r["reason"] == "negative":
            assert refread.parse_money(v) < 0
        elif r["reason"] == "not_integer":
            assert float(v) != int(float(v))
        elif r["reason"] == "unknown_value":
            with pytest.raises(KeyError):
                refread.parse_vocab(r["column"], v)
        elif r["reason"] == "unparseable":
            with pytest.raises((ValueError, ArithmeticError)):
                refread.parse(r["column"], v)
        # every other column of the junk row parses
        for c in COLUMNS[r["table"]]:
            if c != r["column"]:
                refread.parse(c, rd.cell(r["source_row"], c))


def test_files_manifest_is_consistent(small):
    inbox, truth, report = small
    files = pl.read_parquet(truth / "expected" / "_files.parquet")
    on_disk = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    assert sorted(files["source_file"]) == on_disk
    assert report.files_written == len(on_disk)
    total = sum(_expected(truth, t).height for t in TABLES)
    q = pl.read_parquet(truth / "expected" / "_quarantine.parquet")
    assert report.data_rows == total
    loaded = files.filter(pl.col("expect").is_in(["loaded", "partial"]))
    assert int(loaded["loaded_rows"].sum()) == total
    assert int(loaded["quarantined_rows"].sum()) == q.height
    assert set(files["expect"]) == {"loaded", "partial", "rejected", "duplicate"}
    dups = files.filter(pl.col("expect") == "duplicate")
    for r in dups.iter_rows(named=True):
        orig = files.filter(pl.col("source_file") == r["duplicate_of"]).row(0, named=True)
        assert orig["sha256"] == r["sha256"] and orig["source_file"] < r["source_file"]
        assert orig["expect"] == "loaded"
    # rows of a duplicate are listed only under the path that sorts first
    listed = set()
    for t in TABLES:
        listed |= set(_expected(truth, t)["source_file"].unique())
    assert not (listed & set(dups["source_file"]))
    partial = files.filter(pl.col("expect") == "partial").row(0, named=True)
    assert json.loads(partial["rejected_sheets"])[0]["reason"] == "missing_column"
    # exported_at per row equals the file's
    for t in TABLES:
        e = _expected(truth, t).select("source_file", "exported_at").unique()
        j = e.join(files.select("source_file", pl.col("exported_at").alias("f")), on="source_file")
        assert j.height == e.height and (j["exported_at"] == j["f"]).all()

"""Every variation of the input contract appears in the `small` inbox, read from the workbooks."""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from datetime import UTC, datetime

import fastexcel
import openpyxl
import polars as pl
import pytest

from simulator.vocab import HEADERS, RAW_EN, RAW_ZH, TABLES, VIP_SPELLING
from tests.simulator import refread


@pytest.fixture(scope="module")
def scan(small):
    """Raw cells per (table, column) over all data rows, and all header/title strings."""
    inbox, truth, _ = small
    cells: dict[tuple[str, str], list] = defaultdict(list)
    headers: dict[str, set[str]] = defaultdict(set)
    raw_headers: set[str] = set()
    texts: set[str] = set()
    orders: dict[str, list[str]] = defaultdict(list)
    merged_sheets = 0
    books = {}
    for table in TABLES:
        exp = pl.read_parquet(truth / "expected" / f"{table}.parquet")
        for (f, sheet), g in exp.group_by("source_file", "source_sheet"):
            if f.endswith(".xls"):
                continue
            wb = books.get(f) or books.setdefault(f, openpyxl.load_workbook(inbox / f))
            ws = wb[sheet]
            rd = refread.SheetReader(ws, table)
            hdr_rows = rd.rows[rd.header_row : rd.first_data]
            for hr in hdr_rows:
                for c in hr:
                    if isinstance(c, str):
                        headers[table].add(refread.norm_header(c))
                        raw_headers.add(c)
            order = sorted(rd.cols, key=rd.cols.get)
            orders[table].append(",".join(order))
            if any(
                m.min_row != m.max_row or m.min_col != m.max_col for m in ws.merged_cells.ranges
            ):
                merged_sheets += 1
            for row in rd.rows[: rd.header_row] + rd.rows[rd.first_data :]:
                texts.update(c for c in row if isinstance(c, str))
            for r in g["source_row"]:
                for col, _j in rd.cols.items():
                    cells[(table, col)].append(rd.cell(r, col))
    return {
        "cells": cells,
        "headers": headers,
        "raw_headers": raw_headers,
        "texts": texts,
        "orders": orders,
        "merged_sheets": merged_sheets,
        "inbox": inbox,
        "truth": truth,
    }


def _strs(scan, table, col):
    return [c for c in scan["cells"][(table, col)] if isinstance(c, str)]


def test_every_header_alias_appears(scan):
    for table in TABLES:
        for col, (en, zh) in HEADERS[table].items():
            for alias in (*en, *zh):
                assert refread.norm_header(alias) in scan["headers"][table], (table, col, alias)
            assert col in scan["headers"][table], (table, col)  # canonical name as header
    raw = scan["raw_headers"]
    assert any(h != h.strip() and "_" in h for h in raw)  # ' Report_Date '
    assert any(h.isupper() and "_" in h for h in raw)  # 'UNIQUE_VIEWERS'
    assert any("（元）" in h for h in raw) and any("(TWD)" in h for h in raw)
    assert any("ＩＤ" in h for h in raw)  # full-width letters
    assert {"Remark", "操作人員"} <= raw
    assert scan["merged_sheets"] >= 3
    for table in TABLES:
        assert len(set(scan["orders"][table])) >= 3, table  # shuffled column orders


def test_title_blocks_and_footers(scan):
    t = scan["texts"]
    for prefix in ("Report date: ", "報表日期：", "Period: ", "Exported at: ", "匯出時間："):
        assert any(s.startswith(prefix) for s in t), prefix
    for word in ("Total", "合計", "總計", "* Amounts in TWD", "* 金額單位：新台幣元"):
        assert word in t, word


def test_number_spellings(scan):
    money = [
        c
        for (tb, col), v in scan["cells"].items()
        if col in ("amount", "gross_revenue", "net_revenue", "platform_fee", "payment_fee")
        for c in v
    ]
    s = [c for c in money if isinstance(c, str)]
    assert any(isinstance(c, float) for c in money) and any(isinstance(c, int) for c in money)
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d\d)?", c) for c in s)  # 1,490
    assert any(re.fullmatch(r"NT\$[\d,]+(\.\d\d)?", c) for c in s)
    assert any(re.fullmatch(r"\$\d+\.\d\d", c) for c in s)
    assert any(re.fullmatch(r"[\d.]+元", c) for c in s)
    assert any(re.fullmatch(r"[０-９．]+", c) for c in s)
    fees = _strs(scan, "post_deduction", "payment_fee")
    assert any(re.fullmatch(r"\(.*\d\)", c) for c in fees)  # (120)
    blanks = [c for col in ("bonus_coins",) for c in scan["cells"][("top_up", col)]]
    blanks += [
        c
        for col in ("platform_fee", "payment_fee", "tax_withheld")
        for c in scan["cells"][("post_deduction", col)]
    ]
    blanks += scan["cells"][("pre_deduction", "agency")]
    for b in ("-", "—", "   ", None):
        assert b in blanks, b
    ints = [
        c
        for (tb, col), v in scan["cells"].items()
        if col in ("coins", "watch_minutes")
        for c in v
        if isinstance(c, str)
    ]
    assert any(re.fullmatch(r"[０-９]+", c) for c in ints)
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", c) for c in ints)


def test_timestamp_spellings(scan):
    ts = scan["cells"][("top_up", "topup_at")]
    s = [c for c in ts if isinstance(c, str)]
    assert any(isinstance(c, datetime) for c in ts)
    assert any(isinstance(c, float) and 40000 < c < 50000 for c in ts)
    for pattern in (
        r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d",
        r"\d{4}-\d\d-\d\d \d\d:\d\d",
        r"\d{4}/\d{1,2}/\d{1,2} 上午 \d\d:\d\d:\d\d",
        r"\d{4}/\d{1,2}/\d{1,2} 下午 \d\d:\d\d:\d\d",
        r".*T.*\+08:00",
        r".*T.*Z",
        r".*T.*\+09:00",
    ):
        assert any(re.fullmatch(pattern, c) for c in s), pattern
    dates = (
        scan["cells"][("user_activity", "report_date")]
        + scan["cells"][("pre_deduction", "report_date")]
    )
    assert any(isinstance(c, datetime) for c in dates) and any(isinstance(c, int) for c in dates)
    assert {"2025/03/03", "2025-03-03", "2025/3/3"} & set(c for c in dates if isinstance(c, str))


def test_id_spellings(scan):
    uid = scan["cells"][("top_up", "user_id")] + scan["cells"][("user_activity", "user_id")]
    assert any(isinstance(c, int) for c in uid)
    assert any(isinstance(c, str) and re.fullmatch(r"\d+\.0", c) for c in uid)
    assert any(isinstance(c, str) and c != c.strip(" ") for c in uid)
    assert any(isinstance(c, str) and "\u00a0" in c for c in uid)
    oid = scan["cells"][("top_up", "order_id")]
    nums = [c for c in oid if isinstance(c, (int, float))]
    assert nums and max(nums) < 1e15
    assert any(isinstance(c, str) and c.startswith("GPA.") for c in oid)
    room = scan["cells"][("top_up", "channel_id")]
    assert any(isinstance(c, str) and c and not c.strip() for c in room)  # only spaces


def test_every_vocab_spelling_appears(scan):
    cols = {
        "payment_method": [("top_up", "payment_method")],
        "platform": [("top_up", "platform")],
        "status": [("top_up", "status")],
        "settlement_status": [("post_deduction", "settlement_status")],
        "category": [("channel_stats", "category")],
        "membership_level": [("top_up", "membership_level"), ("user_activity", "membership_level")],
    }
    for vocab, places in cols.items():
        seen = {c for p in places for c in scan["cells"][p] if isinstance(c, str)}
        for table in (RAW_EN, RAW_ZH):
            for spellings in table[vocab].values():
                for sp in spellings:
                    assert sp in seen, (vocab, sp)
        assert any(c.isupper() and c.strip() not in ("SUCCESS",) for c in seen), vocab
        assert any(c.islower() for c in seen) or vocab == "membership_level"
        assert any(c != c.strip() for c in seen), vocab
    levels = {c for p in cols["membership_level"] for c in scan["cells"][p]}
    assert set(VIP_SPELLING.values()) <= levels


def test_workbook_shapes_and_names(small):
    inbox, truth, _ = small
    files = pl.read_parquet(truth / "expected" / "_files.parquet")
    names = set(files["source_file"])
    assert "topup report (1).xlsx" in names and "topup report.xlsx" in names
    assert any(re.fullmatch(r"TopUp_\d{8}\.xlsx", n) for n in names)
    assert any(re.fullmatch(r"儲值紀錄_\d{4}-\d\d-\d\d\.xlsx", n) for n in names)
    assert any(n.endswith("/export.xlsx") for n in names)
    monthly = [n for n in names if n.endswith("_monthly.xlsx")][0]
    reader = fastexcel.read_excel(inbox / monthly)
    sheet_names = reader.sheet_names
    assert any(re.fullmatch(r"\d\d-\d\d", s) for s in sheet_names)
    assert any(re.fullmatch(r"\d{4}", s) for s in sheet_names)
    assert any(re.fullmatch(r"\d+月\d+日", s) for s in sheet_names)
    assert {"Summary", "說明"} <= set(sheet_names)
    vis = {s: reader.load_sheet(s, header_row=None).visible for s in sheet_names}
    hidden = [s for s, v in vis.items() if v != "visible"]
    assert len(hidden) == 1
    # the hidden and summary sheets hold data-looking rows that are not in the truth
    exp = pl.read_parquet(truth / "expected" / "top_up.parquet")
    in_truth = set(exp.filter(pl.col("source_file") == monthly)["source_sheet"])
    assert not in_truth & {"Summary", "說明", *hidden}
    assert reader.load_sheet(hidden[0], header_row=None).height > 10
    legacy = [n for n in names if n.startswith("legacy/")][0]
    legacy_sheets = fastexcel.read_excel(inbox / legacy).sheet_names
    assert "摘要" in legacy_sheets


def test_bad_files(small):
    inbox, truth, _ = small
    files = pl.read_parquet(truth / "expected" / "_files.parquet")
    rejected = files.filter(pl.col("expect") == "rejected")
    kinds = set()
    for f in rejected["source_file"]:
        data = (inbox / f).read_bytes()
        if not data:
            kinds.add("empty")
        elif not data.startswith(b"PK"):
            kinds.add("csv")
            assert b"Order ID" in data
        else:
            try:
                with zipfile.ZipFile(inbox / f) as z:
                    z.testzip()
                kinds.add("workbook")
            except (zipfile.BadZipFile, EOFError, OSError):
                kinds.add("truncated")
    assert kinds == {"empty", "csv", "truncated", "workbook"}
    reasons = " ".join(rejected["rejected_sheets"])
    assert "no_header" in reasons and "missing_column" in reasons


def test_exported_at_sources(small):
    """Some files carry an Exported-at line (and a different mtime), others rely on mtime."""
    inbox, truth, _ = small
    files = pl.read_parquet(truth / "expected" / "_files.parquet")
    by_line = by_mtime = 0
    for r in files.filter(pl.col("expect") != "rejected").iter_rows(named=True):
        mtime = datetime.fromtimestamp((inbox / r["source_file"]).stat().st_mtime, UTC)
        if mtime == r["exported_at"]:
            by_mtime += 1
        else:
            by_line += 1
    assert by_line >= 10 and by_mtime >= 10


def test_legacy_xls_is_readable(small):
    """xlwt is a locked dependency: the legacy .xls is always written, never skipped."""
    inbox, truth, _ = small
    xls = [p for p in inbox.rglob("*.xls")]
    assert len(xls) == 1
    assert len(fastexcel.read_excel(xls[0]).sheet_names) >= 5

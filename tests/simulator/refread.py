"""A small reference reader of the contract, used only to check the simulator's truth.

It does not search for headers or skip footers on its own: it is told which
rows hold data (the truth's lineage) and checks that those cells, parsed by the
rules of the input contract (docs/input-contract.md), give exactly the expected
canonical values. A second check makes sure that every non-blank row below the
header that is not in the truth is a footer, a quarantined junk row, or nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

import openpyxl

from simulator.vocab import (
    COLUMNS,
    DATE_COLUMNS,
    HEADERS,
    ID_COLUMNS,
    INT_COLUMNS,
    MONEY_COLUMNS,
    VOCAB_OF_COLUMN,
    all_raw_spellings,
)

EPOCH = datetime(1899, 12, 30)
NO_VALUE = {"", "-", "—"}


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s).replace("\u00a0", " ").strip()


def norm_header(s: object) -> str:
    if s is None:
        return ""
    t = nfkc(str(s)).lower()
    t = re.sub(r"\(.*?\)", "", t).strip()
    return re.sub(r"\s+", " ", t)


def alias_map(table: str) -> dict[str, str]:
    out = {}
    for col, (en, zh) in HEADERS[table].items():
        for a in (*en, *zh, col):
            out[norm_header(a)] = col
    return out


def is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and nfkc(v) in NO_VALUE)


def parse_money(v: object) -> Decimal | None:
    if is_blank(v):
        return None
    if isinstance(v, (int, float)):
        return Decimal(repr(v)).quantize(Decimal("0.01"))
    s = nfkc(str(v)).replace(",", "").replace("NT$", "").replace("$", "").replace("元", "")
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()")
    d = Decimal(s)
    return (-d if neg else d).quantize(Decimal("0.01"))


def parse_int(v: object) -> int | None:
    if is_blank(v):
        return None
    if isinstance(v, (int, float)):
        assert float(v).is_integer(), v
        return int(v)
    s = nfkc(str(v)).replace(",", "")
    return int(s)


def parse_id(v: object) -> str | None:
    if is_blank(v):
        return None
    if isinstance(v, float):
        assert v.is_integer()
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    s = nfkc(str(v))
    return s[:-2] if s.endswith(".0") and s[:-2].isdigit() else s


def parse_ts(v: object) -> datetime:
    if isinstance(v, datetime):
        return v.replace(microsecond=0) + timedelta(seconds=round(v.microsecond / 1e6))
    if isinstance(v, (int, float)):
        return EPOCH + timedelta(seconds=round(v * 86400))
    s = nfkc(str(v))
    m = re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2}) (上午|下午) (\d{2}):(\d{2}):(\d{2})", s)
    if m:
        h = int(m[5]) % 12 + (12 if m[4] == "下午" else 0)
        return datetime(int(m[1]), int(m[2]), int(m[3]), h, int(m[6]), int(m[7]))
    if "T" in s:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        return dt.astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            pass
    raise ValueError(f"unparseable timestamp {v!r}")


def parse_date(v: object) -> date | None:
    if is_blank(v):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, (int, float)):
        return (EPOCH + timedelta(days=int(v))).date()
    y, m, d = re.split(r"[/-]", nfkc(str(v)))
    return date(int(y), int(m), int(d))


_SPELLINGS: dict[str, dict[str, str]] = {}


def parse_vocab(col: str, v: object) -> str | None:
    if is_blank(v):
        return None
    vocab = VOCAB_OF_COLUMN[col]
    if vocab not in _SPELLINGS:
        _SPELLINGS[vocab] = {k.casefold(): c for k, c in all_raw_spellings(vocab).items()}
    return _SPELLINGS[vocab][re.sub(r"\s+", " ", nfkc(str(v))).casefold()]


def parse(col: str, v: object) -> object:
    if col in MONEY_COLUMNS:
        m = parse_money(v)
        return (
            Decimal("0.00")
            if m is None and col != "net_revenue" and col != "amount" and col != "gross_revenue"
            else m
        )
    if col in INT_COLUMNS:
        i = parse_int(v)
        return 0 if i is None and col == "bonus_coins" else i
    if col == "topup_at":
        return parse_ts(v)
    if col in DATE_COLUMNS:
        return parse_date(v)
    if col in ID_COLUMNS:
        return parse_id(v)
    if col in VOCAB_OF_COLUMN:
        return parse_vocab(col, v)
    text = str(v).replace("\u00a0", " ").strip()
    return None if is_blank(v) or text == "" else text


class SheetReader:
    """Header location and column mapping of one sheet, found by known aliases."""

    def __init__(self, ws, table: str) -> None:
        self.ws = ws
        self.table = table
        self.rows = (
            ws.rows_list
            if isinstance(ws, XlsSheet)
            else [list(r) for r in ws.iter_rows(values_only=True)]
        )
        amap = alias_map(table)

        def hits(i: int) -> int:
            return (
                sum(1 for c in self.rows[i] if norm_header(c) in amap)
                if 0 <= i < len(self.rows)
                else 0
            )

        h = next((i for i in range(len(self.rows)) if hits(i) >= 2), None)
        assert h is not None, f"no header in {ws.title}"
        if hits(h - 1) >= 1:  # a merged two-row header whose upper row has few labels
            h -= 1
        two_rows = hits(h + 1) >= 2
        self.header_row = h
        top = self.rows[h]
        below = self.rows[h + 1] if two_rows else []
        self.first_data = h + (2 if two_rows else 1)
        self.cols: dict[str, int] = {}
        for j, c in enumerate(top):
            label = below[j] if two_rows and j < len(below) and below[j] is not None else c
            key = amap.get(norm_header(label))
            if key is not None:
                self.cols[key] = j

    def cell(self, excel_row: int, col: str) -> object:
        row = self.rows[excel_row - 1]
        j = self.cols.get(col)
        return None if j is None or j >= len(row) else row[j]

    def parsed_row(self, excel_row: int) -> dict[str, object]:
        return {c: parse(c, self.cell(excel_row, c)) for c in COLUMNS[self.table]}


class XlsSheet:
    """An xlrd sheet as plain rows (dates as datetimes, text '' as None)."""

    def __init__(self, book, sheet) -> None:
        import xlrd

        self.title = sheet.name
        self.rows_list = []
        for i in range(sheet.nrows):
            row = []
            for c in sheet.row(i):
                if c.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate.xldate_as_datetime(c.value, book.datemode))
                elif c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or c.value == "":
                    row.append(None)
                else:
                    row.append(c.value)
            self.rows_list.append(row)


class XlsBook:
    def __init__(self, path) -> None:
        import xlrd

        self.book = xlrd.open_workbook(str(path), formatting_info=True)

    def __getitem__(self, name: str) -> XlsSheet:
        return XlsSheet(self.book, self.book.sheet_by_name(name))


def open_workbook(path):
    if str(path).endswith(".xls"):
        return XlsBook(path)
    return openpyxl.load_workbook(path, data_only=True)


def safe_decimal(s: str) -> bool:
    try:
        Decimal(s)
    except InvalidOperation:
        return False
    return True

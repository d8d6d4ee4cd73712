"""Workbook shapes: turn one sheet's canonical rows into a grid of cells.

A :class:`Style` says how a back-office export looks (header language and
aliases, title block, footer, extra and shuffled columns, two-row merged
headers, and the value modes of ``cells.py``). :func:`render_sheet` lays the
rows out and records, for every canonical row, the 1-based Excel row it landed
on, which is the lineage ``truth.py`` writes. Junk rows (bad input that is not
a world event) are inserted between data rows and recorded separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import numpy as np
import polars as pl

from simulator import cells
from simulator.cells import Cell
from simulator.vocab import (
    BLANK_ZERO,
    COLUMNS,
    DATE_COLUMNS,
    EXTRA_COLUMNS_EN,
    EXTRA_COLUMNS_ZH,
    GROUPS,
    HEADERS,
    ID_COLUMNS,
    INT_COLUMNS,
    MONEY_COLUMNS,
    TIMESTAMP_COLUMNS,
    TITLES,
    UNIT_ZH,
    UNITS_EN,
    VOCAB_OF_COLUMN,
    Table,
)

Lang = Literal["en", "zh", "canon"]
TitleKind = Literal["none", "full", "date_only", "exported_only", "period"]
FooterKind = Literal["none", "total", "notes", "total_notes"]


@dataclass(frozen=True)
class Style:
    lang: Lang = "en"
    alias: int = 0  # which alias of each column's header list
    unit: Literal["none", "paren", "fullwidth"] = "none"
    title: TitleKind = "none"
    footer: FooterKind = "none"
    extras: bool = False
    shuffle: bool = False
    merged: bool = False
    number: tuple[str, ...] = ("numeric",)
    ints: tuple[str, ...] = ("numeric",)
    time: tuple[str, ...] = ("datetime",)
    dates: tuple[str, ...] = ("date",)
    ids: tuple[str, ...] = ("text",)
    blank: tuple[str, ...] = ("none",)
    vocab: tuple[str, ...] = ("title",)
    spaced_text: bool = False
    layout_seed: int = 0  # drives shuffles and extra-column placement

    @property
    def has_exported_line(self) -> bool:
        return self.title in ("full", "exported_only", "period")

    @property
    def title_lang(self) -> Literal["en", "zh"]:
        return "zh" if self.lang == "zh" else "en"


@dataclass(frozen=True)
class Junk:
    """An extra bad row: a copy of real row ``template`` with one fault."""

    at: int  # inserted before data row ``at``
    template: int
    column: str  # canonical column at fault
    reason: str  # missing | unparseable | negative | unknown_value | not_integer
    raw: Cell  # what the faulty cell holds
    overrides: tuple[tuple[str, str], ...] = ()  # fake ids so the row is no world event


@dataclass
class RenderedSheet:
    name: str
    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int, Cell]] = field(default_factory=list)
    hidden: bool = False
    data_rows: list[int] = field(default_factory=list)  # 1-based Excel row per frame row
    junk_rows: list[tuple[int, Junk]] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ headers
def header_label(table: Table, col: str, style: Style, k: int = 0) -> str:
    """The header text for ``col``: an alias in the file's language, maybe with a unit."""
    if style.lang == "canon":
        forms = (f" {col.title()} ", col.upper(), col, f"{col.capitalize()} ")
        return forms[(style.alias + k) % len(forms)]
    en, zh = HEADERS[table][col]
    options = en if style.lang == "en" else zh
    label = options[(style.alias + k // 3) % len(options)]
    if col in MONEY_COLUMNS and "(" not in label and style.unit != "none":
        if style.lang == "zh":
            label += UNIT_ZH if style.unit == "fullwidth" else "(元)"
        else:
            u = UNITS_EN[style.alias % len(UNITS_EN)]
            label += " " + u if style.unit == "paren" else "（" + u.strip("()") + "）"
    if style.lang == "zh" and style.unit == "fullwidth":
        label = label.replace("ID", "ＩＤ")
    return label


def group_label(table: Table, col: str, style: Style) -> str | None:
    for en, zh, members in GROUPS[table]:
        if col in members:
            return zh if style.lang == "zh" else en
    return None


def column_order(table: Table, style: Style, extra: list[str]) -> list[str]:
    """Default order, or shuffled blocks (a merged group stays contiguous)."""
    cols = list(COLUMNS[table])
    rng = np.random.default_rng(style.layout_seed)
    if style.merged:
        blocks: list[list[str]] = []
        seen: set[str] = set()
        for c in cols:
            if c in seen:
                continue
            members = next((list(m) for _, _, m in GROUPS[table] if c in m), [c])
            blocks.append(members)
            seen.update(members)
    else:
        blocks = [[c] for c in cols]
    if style.shuffle:
        blocks = [blocks[i] for i in rng.permutation(len(blocks))]
    for x in extra:
        blocks.insert(int(rng.integers(1, len(blocks) + 1)), [x])
    return [c for b in blocks for c in b]


# ------------------------------------------------------------------ values
def render_column(col: str, values: list, style: Style, table: Table) -> list[Cell]:
    """Spell a canonical column; ``None`` (and 0 in blank-means-0 columns, half the
    time) becomes one of the file's blank spellings."""
    out: list[Cell] = []
    blank = style.blank
    for i, v in enumerate(values):
        if v is None or (col in BLANK_ZERO and v == 0 and i % 2 == 0):
            out.append(cells.blank_cell(blank[i % len(blank)]))
        elif col in MONEY_COLUMNS:
            out.append(cells.money_cell(v, style.number[i % len(style.number)]))
        elif col in INT_COLUMNS:
            out.append(cells.int_cell(v, style.ints[i % len(style.ints)]))
        elif col in TIMESTAMP_COLUMNS:
            out.append(
                cells.timestamp_cell(v, style.time[i % len(style.time)], i // len(style.time))
            )
        elif col in DATE_COLUMNS:
            out.append(cells.date_cell(v, style.dates[i % len(style.dates)]))
        elif col in ID_COLUMNS:
            out.append(cells.id_cell(v, style.ids[i % len(style.ids)]))
        elif col in VOCAB_OF_COLUMN:
            mode = style.vocab[(i // 3) % len(style.vocab)]
            out.append(cells.vocab_cell(VOCAB_OF_COLUMN[col], v, mode, i))
        else:
            out.append(cells.text_cell(v, style.spaced_text, i))
    return out


def _extra_values(name: str, n: int, seed: int) -> list[Cell]:
    rng = np.random.default_rng(seed)
    pool = {
        "Remark": ("", "check", "VIP客戶", "補單", "manual fix"),
        "備註": ("", "已確認", "客訴", "補發"),
        "操作人員": ("王小明", "陳美玲", "system", "林志豪"),
        "Export Batch": ("B01", "B02", "B03"),
    }[name]
    picks = rng.integers(0, len(pool), n)
    return [pool[p] or None for p in picks]


# ------------------------------------------------------------------ title and footer
def title_rows(
    table: Table,
    style: Style,
    report_date: date | None,
    period: tuple[date, date] | None,
    exported_at: datetime,
) -> list[list[Cell]]:
    zh = style.title_lang == "zh"
    title = TITLES[table][1 if zh else 0]
    exp = (
        f"匯出時間：{exported_at:%Y/%m/%d %H:%M:%S}"
        if zh
        else f"Exported at: {exported_at:%Y-%m-%d %H:%M:%S}"
    )
    if report_date is not None:
        rd = f"報表日期：{report_date:%Y/%m/%d}" if zh else f"Report date: {report_date:%Y-%m-%d}"
    else:
        rd = None
    if period is not None:
        a, b = period
        rd = f"期間：{a:%Y/%m/%d} ~ {b:%Y/%m/%d}" if zh else f"Period: {a:%Y-%m-%d} ~ {b:%Y-%m-%d}"
    if style.title == "none":
        return []
    if style.title == "exported_only":
        return [[exp], []]
    if style.title == "date_only":
        return [[title], [rd], []]
    return [[title], [rd], [exp], []]


def footer_rows(
    kind: FooterKind, style: Style, order: list[str], frame: pl.DataFrame, row_no: int
) -> list[list[Cell]]:
    if kind == "none":
        return []
    zh = style.title_lang == "zh"
    out: list[list[Cell]] = []
    if kind in ("total", "total_notes"):
        label = ("合計", "總計")[row_no % 2] if zh else "Total"
        row: list[Cell] = [None] * len(order)
        row[0] = label
        for j, c in enumerate(order):
            if j and c in frame.columns and (c in MONEY_COLUMNS or c in INT_COLUMNS):
                tot = int(frame[c].fill_null(0).sum())
                row[j] = cells.money_cell(tot, "numeric") if c in MONEY_COLUMNS else tot
        out.append(row)
    if kind in ("notes", "total_notes"):
        out.append([])
        out.append(["* 金額單位：新台幣元" if zh else "* Amounts in TWD"])
        out.append(["* 本報表由系統自動產生" if zh else "* Generated by the back office"])
    return out


# ------------------------------------------------------------------ the sheet
def render_sheet(
    name: str,
    table: Table,
    frame: pl.DataFrame,
    style: Style,
    *,
    exported_at: datetime,
    report_date: date | None = None,
    period: tuple[date, date] | None = None,
    junk: tuple[Junk, ...] = (),
    drop: tuple[str, ...] = (),
    hidden: bool = False,
) -> RenderedSheet:
    """Lay out title block, header (one or two rows), data with junk rows, footer."""
    extras_pool = EXTRA_COLUMNS_ZH if style.lang == "zh" else EXTRA_COLUMNS_EN
    extra = list(extras_pool[: 1 + style.layout_seed % 2]) if style.extras else []
    order = [c for c in column_order(table, style, extra) if c not in drop]
    n = frame.height
    colvals: dict[str, list[Cell]] = {}
    for c in order:
        if c in extra:
            colvals[c] = _extra_values(c, n + len(junk), style.layout_seed + len(c))
        else:
            colvals[c] = render_column(c, frame[c].to_list(), style, table)

    rows: list[list[Cell]] = title_rows(table, style, report_date, period, exported_at)
    merges: list[tuple[int, int, int, int, Cell]] = []
    labels = [c if c in extra else header_label(table, c, style, k) for k, c in enumerate(order)]
    if style.merged:
        top: list[Cell] = [None] * len(order)
        bottom: list[Cell] = [None] * len(order)
        r0 = len(rows)
        j = 0
        while j < len(order):
            g = None if order[j] in extra else group_label(table, order[j], style)
            if g is None:
                top[j] = labels[j]
                merges.append((r0, j, r0 + 1, j, labels[j]))
                j += 1
                continue
            k = j
            while (
                k + 1 < len(order)
                and order[k + 1] not in extra
                and group_label(table, order[k + 1], style) == g
            ):
                k += 1
            top[j] = g
            if k > j:
                merges.append((r0, j, r0, k, g))
            for m in range(j, k + 1):
                bottom[m] = labels[m]
            j = k + 1
        rows += [top, bottom]
    else:
        rows.append(list(labels))

    junk_at: dict[int, list[Junk]] = {}
    for jk in junk:
        junk_at.setdefault(jk.at, []).append(jk)
    data_rows: list[int] = []
    junk_rows: list[tuple[int, Junk]] = []
    n_junk = 0
    for i in range(n + 1):
        for jk in junk_at.get(i, ()):
            row = [colvals[c][jk.template] for c in order]
            for c, v in jk.overrides:
                if c in order:
                    row[order.index(c)] = cells.id_cell(v, style.ids[jk.template % len(style.ids)])
            if jk.column in order:
                row[order.index(jk.column)] = jk.raw
            for c in extra:
                row[order.index(c)] = colvals[c][n + n_junk]
            n_junk += 1
            rows.append(row)
            junk_rows.append((len(rows), jk))
        if i < n:
            rows.append([colvals[c][i] for c in order])
            data_rows.append(len(rows))
    rows += footer_rows(style.footer, style, order, frame, len(rows))
    widths = [max(10, min(28, len(str(lb)) * 2)) for lb in labels]
    return RenderedSheet(
        name=name,
        rows=rows,
        merges=merges,
        hidden=hidden,
        data_rows=data_rows,
        junk_rows=junk_rows,
        widths=widths,
    )

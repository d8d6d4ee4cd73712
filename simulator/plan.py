"""The export plan: which workbooks the back office writes, when, and how they look.

Every window day gets one workbook per domain, exported the next morning. On a
deterministic schedule some days are exported again later (top-up statuses
resolved, aggregates corrected: the first export then shows *preliminary*
values), some files are dropped twice, some carry junk rows, and the prelude
(history before the window) arrives as old monthly workbooks with one sheet
per day, hidden and summary sheets, VIP0..VIP4 levels and, when xlwt is
installed, a legacy ``.xls``. Styles rotate with coprime periods so that the
14 days of ``small`` already show every variation of the input contract (docs/input-contract.md).

The plan is pure data (paths, instants, styles, canonical frames); writing is
``workbooks.py``'s job and the truth is derived from the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np
import polars as pl

from simulator.cells import BLANK_MODES, DATE_MODES, ID_MODES, NUMBER_MODES, TIME_MODES
from simulator.layouts import Junk, Style
from simulator.vocab import COLUMNS, SHEET_NAMES, Table
from simulator.world import World

Role = Literal["data", "hidden", "summary", "missing_column", "no_header"]


@dataclass
class SheetPlan:
    name: str
    table: Table | None
    frame: pl.DataFrame | None  # canonical values as this export shows them
    role: Role = "data"
    report_date: date | None = None
    junk: tuple[Junk, ...] = ()
    drop: tuple[str, ...] = ()  # columns left out (missing_column sheets)
    raw_rows: list[list] | None = None  # free-form sheets (no_header, notes)
    style: Style | None = None  # overrides the file style


@dataclass
class FilePlan:
    path: str  # posix, relative to the inbox
    exported_at: datetime  # naive Asia/Taipei: when the back office exported it
    mtime: datetime  # naive Asia/Taipei: the file's modification time
    style: Style
    sheets: list[SheetPlan]
    fmt: Literal["xlsx", "xls"] = "xlsx"
    period: tuple[date, date] | None = None
    copies: tuple[tuple[str, datetime], ...] = ()  # byte-identical drops: (path, mtime)
    bad: Literal["truncated", "csv", "empty"] | None = None


@dataclass
class Plan:
    files: list[FilePlan]
    topup_reexported: set[date] = field(default_factory=set)  # days whose final status is 'later'
    post_reexported: set[date] = field(default_factory=set)


# ------------------------------------------------------------------ styles
_LANGS = ("en", "zh", "en", "zh", "canon")
_TITLES = ("full", "none", "date_only", "exported_only", "full", "none")
_FOOTERS = ("none", "total", "notes", "total_notes")
_VOCABS = ("title", "alt", "zh", "upper", "lower", "spaced")
_UNITS = ("none", "paren", "fullwidth")


def _cycle(options: tuple[str, ...], i: int) -> tuple[str, ...]:
    """One mode per file, and every ``len(options)+1``-th file mixes them all."""
    k = i % (len(options) + 1)
    return options if k == len(options) else (options[k],)


def daily_style(i: int, seed: int) -> Style:
    """Style of the i-th file of a domain; periods are chosen so 14 files cover all modes."""
    lang = _LANGS[i % 5]
    return Style(
        lang=lang,
        alias=i // 5,
        unit=_UNITS[i % 3] if lang != "canon" else "none",
        title=_TITLES[i % 6],
        footer=_FOOTERS[i % 4],
        extras=i % 3 == 1,
        shuffle=i % 4 == 2,
        merged=i % 3 == 2,
        number=_cycle(NUMBER_MODES, i),
        ints=_cycle(("numeric", "plain", "comma", "fullwidth"), i + 1),
        time=_cycle(TIME_MODES, i),
        dates=_cycle(DATE_MODES, i + 2),
        ids=_cycle(ID_MODES, i + 1),
        blank=_cycle(BLANK_MODES, i + 3),
        vocab=_cycle(_VOCABS, i + 2),
        spaced_text=i % 2 == 1,
        layout_seed=seed * 7919 + i,
    )


# ------------------------------------------------------------------ helpers
def _at(d: date, seconds: float) -> datetime:
    return datetime(d.year, d.month, d.day) + timedelta(seconds=int(seconds))


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, 777, *keys]))


def topup_frame(orders: pl.DataFrame, status_col: str) -> pl.DataFrame:
    return orders.with_columns(pl.col(status_col).alias("status")).select(COLUMNS["top_up"])


def _post_frame(post: pl.DataFrame, settlement: str) -> pl.DataFrame:
    return post.with_columns(pl.col(settlement).alias("settlement_status")).select(
        COLUMNS["post_deduction"]
    )


def _preliminary(table: Table, f: pl.DataFrame, r: np.random.Generator) -> pl.DataFrame:
    """An earlier, not yet final version of an aggregate day: a row missing, some values low."""
    if f.height > 3:
        f = f.with_row_index("_i").filter(pl.col("_i") != int(r.integers(0, f.height))).drop("_i")
    lower = pl.Series(r.random(f.height) < 0.25)
    if table == "pre_deduction":
        coins = (
            pl.when(lower)
            .then((pl.col("gift_coins") * 0.9).floor().cast(pl.Int64))
            .otherwise(pl.col("gift_coins"))
        )
        f = f.with_columns(coins.clip(lower_bound=1).alias("gift_coins")).with_columns(
            (pl.col("gift_coins") * 35).alias("gross_revenue")
        )
    elif table == "post_deduction":
        bump = pl.Series(r.integers(100, 5001, f.height)) * lower
        f = f.with_columns(
            (pl.col("payment_fee") + bump).alias("payment_fee"),
            (pl.col("net_revenue") - bump).alias("net_revenue"),
        )
    elif table == "channel_stats":
        uv = (
            pl.when(lower)
            .then((pl.col("unique_viewers") * 0.93).floor().cast(pl.Int64))
            .otherwise(pl.col("unique_viewers"))
        )
        f = f.with_columns(uv.alias("unique_viewers")).with_columns(
            pl.min_horizontal("peak_concurrent_viewers", "unique_viewers").alias(
                "peak_concurrent_viewers"
            )
        )
        test = f.head(1).with_columns(
            pl.lit("CH9990").alias("channel_id"),
            pl.lit("測試頻道-內部").alias("channel_name"),
            pl.lit("chat").alias("category"),
            pl.lit(5, pl.Int64).alias("unique_viewers"),
            pl.lit(1, pl.Int64).alias("peak_concurrent_viewers"),
            pl.lit(0, pl.Int64).alias("gift_senders"),
        )
        f = pl.concat([f, test])
    elif table == "user_activity":
        keep = pl.Series(r.random(f.height) >= 0.03)
        f = f.filter(keep)
        wm = pl.Series(r.random(f.height) < 0.1)
        f = f.with_columns(
            pl.when(wm)
            .then(pl.col("watch_minutes") // 2)
            .otherwise(pl.col("watch_minutes"))
            .alias("watch_minutes")
        )
    return f


# ------------------------------------------------------------------ junk rows
def _junk_for(table: Table, k: int, n: int, d: date) -> tuple[Junk, ...]:
    """Bad rows for the k-th daily file of a domain (only a few early files get them)."""
    if n < 4:
        return ()
    fake_order = f"{d:%y%m%d}9{k:06d}"
    spots = [max(1, n // 3), max(2, (2 * n) // 3)]
    specs: dict[tuple[str, int], list[tuple[str, str, object, tuple]]] = {
        ("top_up", 1): [
            ("order_id", "missing", None, ()),
            ("amount", "unparseable", "12O0", (("order_id", fake_order + "1"),)),
        ],
        ("top_up", 4): [
            ("amount", "negative", -490, (("order_id", fake_order + "2"),)),
            ("status", "unknown_value", "Cancelled", (("order_id", fake_order + "3"),)),
        ],
        ("top_up", 5): [
            ("payment_method", "unknown_value", "Bitcoin", (("order_id", fake_order + "4"),)),
            ("topup_at", "unparseable", "2025/02/30 25:61:00", (("order_id", fake_order + "5"),)),
        ],
        ("pre_deduction", 2): [
            ("report_date", "missing", None, (("streamer_id", "8899990"), ("channel_id", "CH9990")))
        ],
        ("post_deduction", 3): [
            ("report_date", "missing", None, (("streamer_id", "8899991"), ("channel_id", "CH9991")))
        ],
        ("channel_stats", 2): [
            ("category", "unknown_value", "Cooking", (("channel_id", "CH9992"),))
        ],
        ("channel_stats", 3): [("live_minutes", "not_integer", 12.5, (("channel_id", "CH9993"),))],
        ("user_activity", 4): [
            ("watch_minutes", "not_integer", "35.5", (("user_id", "1999990"),)),
            ("membership_level", "unknown_value", "VIP9", (("user_id", "1999991"),)),
        ],
    }
    out = []
    for j, (col, reason, raw, over) in enumerate(specs.get((table, k), [])):
        out.append(
            Junk(at=spots[j], template=spots[j], column=col, reason=reason, raw=raw, overrides=over)
        )
    return tuple(out)


# ------------------------------------------------------------------ names
_NAMES = {
    "top_up": (
        "TopUp_{ymd}.xlsx",
        "儲值紀錄_{iso}.xlsx",
        "downloads/{ymd}/export.xlsx",
        "{ym}/topup_{md}.xlsx",
        "訂單匯出 {ymd}.xlsx",
    ),
    "pre_deduction": (
        "PreDeduction_{ymd}.xlsx",
        "主播收益_扣除前_{iso}.xlsx",
        "gift_revenue_{ymd}.xlsx",
        "finance/{ymd}/export.xlsx",
    ),
    "post_deduction": (
        "PostDeduction_{ymd}.xlsx",
        "主播收益_扣除後_{iso}.xlsx",
        "settlement_{ymd}.xlsx",
        "finance/{ymd}/export (1).xlsx",
    ),
    "op_stats": (
        "OpStats_{ymd}.xlsx",
        "營運數據_{iso}.xlsx",
        "daily_ops_{ymd}.xlsx",
        "ops/{ymd}/export.xlsx",
    ),
}
_RE_NAMES = {
    "top_up": ("reexport/TopUp_{ymd}_v2.xlsx", "儲值紀錄_{iso} (更正).xlsx"),
    "pre_deduction": ("PreDeduction_{ymd}_rev.xlsx", "corrections/主播收益_扣除前_{iso}.xlsx"),
    "post_deduction": ("corrections/主播收益_扣除後_{iso}.xlsx", "PostDeduction_{ymd}_rev.xlsx"),
    "op_stats": ("OpStats_{ymd} (2).xlsx", "營運數據_{iso}_更正.xlsx"),
}
_SHEET_NAMES = {
    "top_up": ("Sheet1", "儲值紀錄", "TopUp", "工作表1"),
    "pre_deduction": ("Sheet1", "扣除前收益", "Gross"),
    "post_deduction": ("Sheet1", "扣除後收益", "Settlement"),
}


def _name(pattern: str, d: date) -> str:
    return pattern.format(ymd=f"{d:%Y%m%d}", iso=d.isoformat(), ym=f"{d:%Y-%m}", md=f"{d:%m%d}")


def _sheet_names(domain: str, style: Style) -> tuple[str, str]:
    zh = 1 if style.lang == "zh" else 0
    return SHEET_NAMES["channel_stats"][zh], SHEET_NAMES["user_activity"][zh]


# ------------------------------------------------------------------ the plan
def build_plan(world: World, seed: int, xls: bool) -> Plan:
    days = world.window_dates
    tu = world.top_up
    by_day = tu.partition_by("day", as_dict=True, maintain_order=True)
    orders_on = {world.sim_start + timedelta(days=k[0]): v for k, v in by_day.items()}
    pre_by = world.pre_deduction.partition_by("report_date", as_dict=True)
    post_by = world.post_deduction.partition_by("report_date", as_dict=True)
    cs_by = world.channel_stats.partition_by("report_date", as_dict=True)
    ua_by = world.user_activity.partition_by("report_date", as_dict=True)
    empty = {
        t: getattr(world, t).clear()
        for t in ("pre_deduction", "post_deduction", "channel_stats", "user_activity")
    }

    def get(part: dict, table: str, d: date) -> pl.DataFrame:
        return part.get((d,), empty[table])

    files: list[FilePlan] = []
    plan = Plan(files=files)
    offsets = {"top_up": 0, "pre_deduction": 1, "post_deduction": 2, "op_stats": 3}

    for k, d in enumerate(days):
        r = _rng(seed, k)
        nxt = d + timedelta(days=1)

        def export_time(base_day: date, lo_h: float, hi_h: float, rr=r) -> datetime:
            return _at(base_day, rr.uniform(lo_h * 3600, hi_h * 3600))

        def mtime_for(exp: datetime, style: Style, rr=r) -> datetime:
            # files with an Exported-at line were downloaded a while later; others' mtime
            # is the export instant itself
            return (
                exp + timedelta(seconds=int(rr.integers(60, 7200)))
                if style.has_exported_line
                else exp
            )

        # ---------------- top_up
        orders = orders_on[d]
        st = daily_style(k + offsets["top_up"], seed)
        if k == 0:
            st = _replace(st, vocab=("vip",))
        reexport = k % 4 == 2
        copies: tuple[tuple[str, datetime], ...] = ()
        path = _name(_NAMES["top_up"][k % 5], d)
        if k == 3:  # the same file dropped twice; "(1)" sorts first
            st = _replace(st, title="full")
            path = "topup report.xlsx"
        exp = export_time(nxt, 8, 10.5)
        mt = mtime_for(exp, st)
        if k == 3:
            copies = (("topup report (1).xlsx", mt + timedelta(hours=2)),)
        files.append(
            FilePlan(
                path=path,
                exported_at=exp,
                mtime=mt,
                style=st,
                copies=copies,
                sheets=[
                    SheetPlan(
                        _SHEET_NAMES["top_up"][k % 4],
                        "top_up",
                        topup_frame(orders, "status_v0"),
                        report_date=d,
                        junk=_junk_for("top_up", k, orders.height, d),
                    )
                ],
            )
        )
        if reexport:
            plan.topup_reexported.add(d)
            st2 = daily_style(k + 3, seed + 1)
            # corrections files carry the rare statuses (refunded): spell them every way
            st2 = _replace(st2, vocab=("zh",) if (k // 4) % 2 == 0 else _VOCABS)
            if (k // 4) % 2 == 1:
                st2 = _replace(st2, title="none")  # exported_at comes from the mtime
            exp2 = export_time(d + timedelta(days=2 + k % 3), 10, 18)
            files.append(
                FilePlan(
                    path=_name(_RE_NAMES["top_up"][(k // 4) % 2], d),
                    exported_at=exp2,
                    mtime=mtime_for(exp2, st2),
                    style=st2,
                    sheets=[
                        SheetPlan(
                            "Sheet1", "top_up", topup_frame(orders, "status_later"), report_date=d
                        )
                    ],
                )
            )

        # ---------------- pre / post deduction
        for table, every, rem in (("pre_deduction", 5, 1), ("post_deduction", 5, 3)):
            part = pre_by if table == "pre_deduction" else post_by
            final = get(part, table, d)
            if table == "post_deduction":
                later = k % every == rem
                final_view = _post_frame(final, "settlement_later" if later else "settlement_v0")
                first_view = _post_frame(final, "settlement_v0")
                if later:
                    plan.post_reexported.add(d)
            else:
                final_view = first_view = final.select(COLUMNS[table])
                later = k % every == rem
            st = daily_style(k + offsets[table], seed)
            exp = export_time(nxt, 8.5, 11)
            first = _preliminary(table, first_view, r) if later else first_view
            files.append(
                FilePlan(
                    path=_name(_NAMES[table][k % 4], d),
                    exported_at=exp,
                    mtime=mtime_for(exp, st),
                    style=st,
                    sheets=[
                        SheetPlan(
                            _SHEET_NAMES[table][k % 3],
                            table,
                            first,
                            report_date=d,
                            junk=_junk_for(table, k, first.height, d),
                        )
                    ],
                )
            )
            if later:
                st2 = daily_style(k + 4, seed + 2)
                exp2 = export_time(d + timedelta(days=3), 9, 17)
                files.append(
                    FilePlan(
                        path=_name(_RE_NAMES[table][(k // every) % 2], d),
                        exported_at=exp2,
                        mtime=mtime_for(exp2, st2),
                        style=st2,
                        sheets=[SheetPlan("Sheet1", table, final_view, report_date=d)],
                    )
                )

        # ---------------- op_stats (two sheets)
        cs, ua = get(cs_by, "channel_stats", d), get(ua_by, "user_activity", d)
        cs, ua = cs.select(COLUMNS["channel_stats"]), ua.select(COLUMNS["user_activity"])
        full_re, cs_re = k % 6 == 4, k % 6 == 1
        st = daily_style(k + offsets["op_stats"], seed)
        if k == 0:
            st = _replace(st, vocab=("vip",))
        if k == 5:
            st = _replace(st, title="full")
        cs_name, ua_name = _sheet_names("op_stats", st)
        exp = export_time(nxt, 7, 9)
        mt = mtime_for(exp, st)
        op_path = _name(_NAMES["op_stats"][k % 4], d)
        copies = ()
        if k == 5:  # dropped again into a sub-folder; the root copy sorts first
            copies = ((f"downloads/{_name(_NAMES['op_stats'][k % 4], d)}", mt + timedelta(days=1)),)
        files.append(
            FilePlan(
                path=op_path,
                exported_at=exp,
                mtime=mt,
                style=st,
                copies=copies,
                sheets=[
                    SheetPlan(
                        cs_name,
                        "channel_stats",
                        _preliminary("channel_stats", cs, r) if (full_re or cs_re) else cs,
                        report_date=d,
                        junk=_junk_for("channel_stats", k, cs.height, d),
                    ),
                    SheetPlan(
                        ua_name,
                        "user_activity",
                        _preliminary("user_activity", ua, r) if full_re else ua,
                        report_date=d,
                        junk=_junk_for("user_activity", k, ua.height, d),
                    ),
                ],
            )
        )
        if full_re or cs_re:
            st2 = daily_style(k + 2, seed + 3)
            n2 = _sheet_names("op_stats", st2)
            sheets = [SheetPlan(n2[0], "channel_stats", cs, report_date=d)]
            if full_re:
                sheets.append(SheetPlan(n2[1], "user_activity", ua, report_date=d))
            exp2 = export_time(d + timedelta(days=2), 14, 20)
            files.append(
                FilePlan(
                    path=_name(_RE_NAMES["op_stats"][0 if full_re else 1], d),
                    exported_at=exp2,
                    mtime=mtime_for(exp2, st2),
                    style=st2,
                    sheets=sheets,
                )
            )

    _prelude_files(world, plan, seed, xls)
    _odd_files(world, plan, seed)
    paths = [f.path for f in files] + [c for f in files for c, _ in f.copies]
    if len(paths) != len(set(paths)):
        raise AssertionError("export plan writes two files to one path")
    return plan


def _replace(style: Style, **kw) -> Style:
    from dataclasses import replace

    return replace(style, **kw)


def final_topup_status(world: World, plan: Plan) -> pl.Series:
    """The status the latest export shows: 'later' for prelude and re-exported days."""
    dates = world.top_up["topup_at"].dt.date()
    later = dates.is_in(sorted(plan.topup_reexported)) | (dates < world.scale.start)
    return pl.Series(
        "status",
        np.where(
            later.to_numpy(),
            world.top_up["status_later"].to_numpy(),
            world.top_up["status_v0"].to_numpy(),
        ),
    )


def _prelude_files(world: World, plan: Plan, seed: int, xls: bool) -> None:
    """History before the window: monthly top-up workbooks, one sheet per day, VIP levels.

    Exported once, after month end, so they show the resolved ('later') statuses."""
    pd = world.prelude_dates
    if not pd:
        return
    tu = world.top_up
    half = len(pd) // 2
    month_end = date(pd[0].year, pd[0].month, 28)
    period = (date(pd[0].year, pd[0].month, 1), month_end)
    exp = _at(world.scale.start, 9 * 3600 + 15 * 60 + 2)

    def day_sheets(ds: list[date]) -> list[SheetPlan]:
        out = []
        for j, d in enumerate(ds):
            fr = topup_frame(tu.filter(pl.col("topup_at").dt.date() == d), "status_later")
            nm = (f"{d:%m-%d}", f"{d:%m%d}", f"{d.month}月{d.day}日")[j % 3]
            out.append(SheetPlan(nm, "top_up", fr, report_date=None))
        return out

    def decoys(ds: list[date], hidden_name: str, summary_names: tuple[str, ...]) -> list[SheetPlan]:
        """Data-looking sheets that are not data: a hidden draft and summary/notes sheets."""
        src = topup_frame(tu.filter(pl.col("topup_at").dt.date() == ds[0]), "status_v0")
        draft = src.head(25).with_columns(pl.lit("pending").alias("status"))
        out = [SheetPlan(hidden_name, "top_up", draft, role="hidden")]
        for nm in summary_names:
            out.append(SheetPlan(nm, "top_up", src.tail(12), role="summary"))
        return out

    # first half: legacy .xls (or an old-style .xlsx without xlwt)
    st_old = Style(
        lang="zh",
        alias=1,
        title="period",
        footer="total",
        number=("numeric",),
        time=("slash",),
        dates=("slash",),
        ids=("number",),
        blank=("none",),
        vocab=("vip",),
        layout_seed=seed + 11,
    )
    sheets = day_sheets(pd[:half])
    sheets.insert(1, decoys(pd[:half], "舊資料", ())[0])
    sheets.append(SheetPlan("摘要", "top_up", sheets[0].frame.tail(8), role="summary"))
    plan.files.append(
        FilePlan(
            path=f"legacy/{pd[0]:%Y-%m}_儲值紀錄_上半月.{'xls' if xls else 'xlsx'}",
            exported_at=exp,
            mtime=exp + timedelta(minutes=3),
            style=st_old,
            sheets=sheets,
            fmt="xls" if xls else "xlsx",
            period=period,
        )
    )
    # second half: monthly .xlsx with Summary / 說明 sheets and a hidden draft
    st_m = Style(
        lang="en",
        alias=0,
        title="period",
        footer="notes",
        number=("comma",),
        time=("datetime",),
        dates=("date",),
        ids=("float_text",),
        blank=("dash",),
        vocab=("vip",),
        merged=False,
        layout_seed=seed + 12,
    )
    sheets = day_sheets(pd[half:])
    dec = decoys(pd[half:], f"{pd[half]:%m-%d} draft", ("Summary", "說明"))
    sheets = [dec[1], *sheets[:2], dec[0], *sheets[2:], dec[2]]
    plan.files.append(
        FilePlan(
            path=f"{pd[0]:%Y-%m}/TopUp_{pd[0]:%Y%m}_monthly.xlsx",
            exported_at=exp + timedelta(minutes=7),
            mtime=exp + timedelta(minutes=9),
            style=st_m,
            sheets=sheets,
            period=period,
        )
    )


def _odd_files(world: World, plan: Plan, seed: int) -> None:
    """A partially rejected workbook, a sheet missing `amount`, a header-less workbook and
    three unreadable files. None of them changes the world."""
    days = world.window_dates
    tu = world.top_up
    final = tu.with_columns(final_topup_status(world, plan).alias("status_final"))
    d6, d8, d9 = (
        days[min(5, len(days) - 1)],
        days[min(7, len(days) - 1)],
        days[min(8, len(days) - 1)],
    )

    def orders(d: date, col: str) -> pl.DataFrame:
        return topup_frame(final.filter(pl.col("topup_at").dt.date() == d), col)

    late = _at(days[-1] + timedelta(days=2), 11 * 3600)
    st = Style(
        lang="en",
        title="full",
        number=("comma",),
        time=("slash",),
        ids=("text",),
        layout_seed=seed + 21,
    )
    o8 = orders(d8, "status_final")
    plan.files.append(
        FilePlan(
            path=f"TopUp_{d8:%Y%m%d}_補.xlsx",
            exported_at=late,
            mtime=late + timedelta(minutes=5),
            style=st,
            sheets=[
                SheetPlan("補單", "top_up", o8.head(6), report_date=d8),
                SheetPlan(
                    "Sheet2",
                    "top_up",
                    o8.slice(6, 6),
                    role="missing_column",
                    drop=("amount",),
                    report_date=d8,
                ),
            ],
        )
    )
    st_z = Style(
        lang="zh",
        title="none",
        number=("numeric",),
        time=("ampm",),
        ids=("number",),
        layout_seed=seed + 22,
    )
    plan.files.append(
        FilePlan(
            path="export_v3.xlsx",
            exported_at=late,
            mtime=late + timedelta(minutes=9),
            style=st_z,
            sheets=[
                SheetPlan(
                    "工作表1",
                    "top_up",
                    orders(d6, "status_final").head(15),
                    role="missing_column",
                    drop=("amount",),
                    report_date=d6,
                )
            ],
        )
    )
    raw = [
        ["營運摘要"],
        [],
        ["項目", "數值", "備註"],
        ["DAU", 523, None],
        ["營收", "NT$88,120", "含稅"],
        ["新註冊", 41, None],
    ]
    plan.files.append(
        FilePlan(
            path="misc/export.xlsx",
            exported_at=late,
            mtime=late + timedelta(minutes=12),
            style=st,
            sheets=[SheetPlan("Sheet1", None, None, role="no_header", raw_rows=raw)],
        )
    )
    o9 = orders(d9, "status_v0")
    for bad, path in (
        ("truncated", f"bad/TopUp_{d9:%Y%m%d}_download.xlsx"),
        ("csv", f"bad/儲值紀錄_{d9.isoformat()}.xlsx"),
        ("empty", "bad/export (3).xlsx"),
    ):
        plan.files.append(
            FilePlan(
                path=path,
                exported_at=late,
                mtime=late + timedelta(minutes=20),
                style=st,
                sheets=[SheetPlan("Sheet1", "top_up", o9.head(40), report_date=d9)],
                bad=bad,
            )
        )

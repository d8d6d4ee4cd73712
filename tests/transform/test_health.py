"""The data-health marts, built by a real `dbt build`, checked value by value.

Three lakes:

- the fixture lake (lake_fixture.py) plus the side parts the ingest would have
  written beside it, in the ingest's own schemas: quarantined rows, a partial file
  with a rejected sheet, a file rejected whole, a quarantined row of no known
  domain, exact repeats the ingest loaded once, and a manifest entry per file.
  Every expected value below is worked out by hand from the fixture;
- the fixture lake alone: a lake that never quarantined, rejected or committed
  anything (no `_quarantine`, `_rejected` or `_manifest` folder) still builds;
- the session's ingested small world: the marts agree with the ingest's own summary
  (the manifest, read here without dbt) and with the simulator's ground truth.

The fixture's exports, in Asia/Taipei (UTC+8), that the expectations lean on:

  TopUp_20250301.xlsx       exported 03-02 09:00: o1-o4 (all superseded by the
                            re-export), o3 again (a duplicate); 2 rows quarantined
                            here, 1 exact repeat loaded once -> day 03-02
  topup report (1).xlsx     exported 03-05 10:00: o1-o4 win; its Sheet2 rejected
                            (6 rows) -> partial, day 03-05
  op_stats_20250301.xlsx    exported 03-02 10:00: 3 User Activity + 2 Channel Stats
                            rows, all superseded by the (2) re-export; 1 row of each
                            quarantined; 1 exact repeat (two domains: 'unknown')
  bad/export (3).xlsx       rejected whole, mtime 03-04 00:30 (03-03 16:30 UTC)
  misc/export.xlsx          one quarantined row of no known domain, 03-07 04:00
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.files import QUARANTINE_COLUMNS, REJECTED_SCHEMA
from lake import manifest
from lake.layout import MANIFEST, QUARANTINE, REJECTED
from lake.runs import RunWriter, open_run
from tests.transform.conftest import query, run_dbt
from tests.transform.lake_fixture import SCHEMAS, file_sha256, write_fixture_lake

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
UTC = dt.UTC
TAIPEI = dt.timezone(dt.timedelta(hours=8))

# The contract with the dashboards (each mart's columns, exactly, in order).
HEALTH_MARTS = {
    "mart_data_health_daily": [
        "domain",
        "day",
        "files",
        "rows_read",
        "rows_loaded",
        "rows_winning",
        "rows_superseded",
        "rows_duplicate",
        "rows_quarantined",
        "rows_rejected",
    ],
    "mart_data_health_quarantine": ["domain", "day", "reason", "rows_quarantined"],
    "mart_data_health_rejections": [
        "source_file",
        "source_sheet",
        "domain",
        "column",
        "reason",
        "rows",
        "ingested_at_taipei",
        "day",
    ],
    "mart_data_health_freshness": [
        "domain",
        "latest_exported_at_taipei",
        "latest_data_date",
        "files_loaded",
        "built_at_taipei",
        "hours_since_export",
        "expected_data_date",
        "export_time",
        "expected_by_taipei",
        "delivered_at_taipei",
        "freshness_status",
    ],
    "mart_data_health_files": [
        "source_file",
        "file_sha256",
        "status",
        "exported_at_taipei",
        "day",
        "ingested_at_taipei",
        "rows_read",
        "rows_loaded",
        "rows_winning",
        "rows_superseded",
        "rows_duplicate",
        "rows_quarantined",
        "rows_rejected",
    ],
}
HEALTH_BUILD = (
    "build",
    "--select",
    "+marts.health",
    "--indirect-selection",
    "cautious",
    "--exclude-resource-type",
    "unit_test",
)

TOPUP_0301 = ("2025-03/TopUp_20250301.xlsx", "2025-03-02 01:00:00")
TOPUP_REEXPORT = ("2025-03/topup report (1).xlsx", "2025-03-05 02:00:00")
OPSTATS_0301 = ("2025-03/op_stats_20250301.xlsx", "2025-03-02 02:00:00")
REJECTED_FILE = ("bad/export (3).xlsx", "2025-03-03 16:30:00")
NO_DOMAIN_FILE = ("misc/export.xlsx", "2025-03-06 20:00:00")
INGESTED_LATER = "2025-04-10 01:00:00"  # when the two manifest-only files were ingested


def _utc(text: str) -> dt.datetime:
    return T(text).replace(tzinfo=UTC)


def _quarantined(
    file: tuple[str, str], sheet: str, row: int, table: str | None, column: str, reason: str
) -> dict[str, object]:
    source_file, exported_at = file
    return {
        "source_file": source_file,
        "source_sheet": sheet,
        "source_row": row,
        "file_sha256": file_sha256(*file),
        "table": table,
        "column": column,
        "reason": reason,
        "errors": json.dumps([{"column": column, "reason": reason, "raw": "?"}]),
        "raw": json.dumps({column: "?"}),
        "exported_at": _utc(exported_at),
        "ingested_at": None,  # filled from the file's manifest entry
        "run_id": None,  # filled with the run that writes it
    }


QUARANTINE_SCHEMA = {
    "source_file": pl.String(),
    "source_sheet": pl.String(),
    "source_row": pl.Int64(),
    "file_sha256": pl.String(),
    "table": pl.String(),
    "column": pl.String(),
    "reason": pl.String(),
    "errors": pl.String(),
    "raw": pl.String(),
    "exported_at": pl.Datetime("us", "UTC"),
    "ingested_at": pl.Datetime("us", "UTC"),
    "run_id": pl.Int64(),
}
assert list(QUARANTINE_SCHEMA) == QUARANTINE_COLUMNS  # the ingest's own column order

QUARANTINED = [
    _quarantined(TOPUP_0301, "Sheet1", 8, "top_up", "amount", "negative"),
    _quarantined(TOPUP_0301, "Sheet1", 9, "top_up", "topup_at", "unparseable"),
    _quarantined(OPSTATS_0301, "User Activity", 6, "user_activity", "level", "unknown_value"),
    _quarantined(OPSTATS_0301, "Channel Stats", 5, "channel_stats", "live_minutes", "not_integer"),
    _quarantined(NO_DOMAIN_FILE, "Sheet1", 3, None, "report_date", "missing"),
]
SHEET2_REASON = "header at row 1 (top_up) lacks required column amount (tried amount, 金額)"
EMPTY_REASON = "the file is empty (0 bytes)"
# source_file -> (sheet, table, column, reason, rows)
REJECTIONS = {
    TOPUP_REEXPORT: ("Sheet2", "top_up", "amount", SHEET2_REASON, 6),
    REJECTED_FILE: (None, None, None, EMPTY_REASON, None),
}
REPEATS = {TOPUP_0301: 1, OPSTATS_0301: 1}  # exact repeats the ingest loaded once


def _lake_files(lake: Path) -> dict[str, dict]:
    """Per fixture file (sha256): its name, export, ingest and rows per lake table."""
    files: dict[str, dict] = {}
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        for table in SCHEMAS:
            rows = con.execute(
                "select file_sha256, source_file, min(exported_at), min(ingested_at), count(*) "
                f"from read_parquet('{lake / table}/*/*.parquet') group by 1, 2"
            ).fetchall()
            for sha, source_file, exported_at, ingested_at, n in rows:
                entry = files.setdefault(
                    sha,
                    {"source_file": source_file, "exported_at": exported_at, "tables": {}},
                )
                entry["ingested_at"] = ingested_at
                entry["tables"][table] = n
    return files


def _write_side_part(run: RunWriter, kind: str, frame: pl.DataFrame) -> None:
    if frame.height:
        path = run.new_part(kind)
        frame.with_columns(run_id=pl.lit(run.run_id, pl.Int64())).write_parquet(path)
        run.add_part(kind, None, path, rows=frame.height)


def write_side_parts(lake: Path, only: set[str] | None = None, commit: bool = True) -> None:
    """The quarantine, rejected and manifest parts the ingest would have written for
    the fixture lake (plus two files that left no lake rows), in its schemas, as one
    run (lake.runs) that commits the files: `only` those (sha256) if given. With
    `commit=False` the run writes its parts and dies before its record."""
    files = _lake_files(lake)
    for file in (REJECTED_FILE, NO_DOMAIN_FILE):
        files[file_sha256(*file)] = {
            "source_file": file[0],
            "exported_at": _utc(file[1]),
            "ingested_at": _utc(INGESTED_LATER),
            "tables": {},
        }
    by_file = {file_sha256(*f): f for f in (*REJECTIONS, *REPEATS, NO_DOMAIN_FILE)}
    quarantine, rejected, entries, statuses = [], [], [], {}
    for sha, info in files.items():
        if only is not None and sha not in only:
            continue
        quarantined = [q | {"ingested_at": info["ingested_at"]} for q in QUARANTINED]
        quarantined = [q for q in quarantined if q["file_sha256"] == sha]
        quarantine += quarantined
        file = by_file.get(sha)
        rejection = REJECTIONS.get(file) if file else None
        if rejection:
            sheet, table, column, reason, rows = rejection
            rejected.append(
                {
                    "source_file": info["source_file"],
                    "source_sheet": sheet,
                    "file_sha256": sha,
                    "table": table,
                    "column": column,
                    "reason": reason,
                    "rows": rows,
                    "ingested_at": info["ingested_at"],
                    "run_id": None,
                }
            )
        loaded = sum(info["tables"].values())
        repeats = REPEATS.get(file, 0) if file else 0
        status = "loaded"
        if rejection:
            status = "rejected" if not info["tables"] else "partial"
        statuses[sha] = (info["source_file"], status)
        entry = {
            name: 0 if dtype.is_integer() else None
            for name, dtype in manifest.MANIFEST_SCHEMA.items()
        }
        entry |= {
            "file_sha256": sha,
            "source_file": info["source_file"],
            "size_bytes": 1000,
            "status": status,
            "exported_at": info["exported_at"],
            "exported_at_from": "title",
            "rows_read": loaded + len(quarantined) + repeats,
            "rows_loaded": loaded,
            "rows_quarantined": len(quarantined),
            "rows_rejected": (rejection[4] or 0) if rejection else 0,
            "rows_duplicate": repeats,
            "tables": json.dumps(info["tables"]),
            "messages": "[]",
            "ingested_at": info["ingested_at"],
        }
        entries.append(entry)

    class _Killed(Exception):
        pass

    placed: dict[Path, bytes] = {}
    try:
        with open_run(lake, wait=True) as run:
            _write_side_part(run, QUARANTINE, pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA))
            _write_side_part(run, REJECTED, pl.DataFrame(rejected, schema=REJECTED_SCHEMA))
            _write_side_part(run, MANIFEST, pl.DataFrame(entries, schema=manifest.MANIFEST_SCHEMA))
            for sha, (source_file, status) in statuses.items():
                run.add_file(sha, source_file, status)
            if not commit:
                placed = {lake / part.path: (lake / part.path).read_bytes() for part in run.parts}
                raise _Killed
    except _Killed:
        # A killed run cleans nothing up: its placed parts stay, listed by no record.
        for path, content in placed.items():
            path.write_bytes(content)


@pytest.fixture(scope="module")
def health(tmp_path_factory) -> dict:
    data_dir = tmp_path_factory.mktemp("health") / "data"
    write_fixture_lake(data_dir)
    write_side_parts(data_dir / "lake")
    result = run_dbt(data_dir, *HEALTH_BUILD)
    return {"result": result, "query": query(data_dir)}


def rows_by(rows: list[dict], *keys: str) -> dict:
    """Rows keyed by one column's value, or by a tuple of several."""
    if len(keys) == 1:
        return {r[keys[0]]: r for r in rows}
    return {tuple(r[k] for k in keys): r for r in rows}


def test_build_passes(health):
    assert "ERROR=0" in health["result"].stdout
    assert "WARN=0" in health["result"].stdout


@pytest.mark.parametrize("mart", sorted(HEALTH_MARTS))
def test_columns_are_the_contract(health, mart):
    rows = health["query"](
        "select column_name from information_schema.columns "
        f"where table_schema = 'marts' and table_name = '{mart}' order by ordinal_position"
    )
    assert [r["column_name"] for r in rows] == HEALTH_MARTS[mart]


def test_daily_ledger(health):
    got = rows_by(health["query"]("select * from marts.mart_data_health_daily"), "domain", "day")
    columns = HEALTH_MARTS["mart_data_health_daily"][2:]
    expected = {
        # (domain, day): files, read, loaded, winning, superseded, duplicate, quarantined, rejected
        ("top_up", D("2025-03-02")): (1, 8, 6, 0, 4, 2, 2, 0),
        ("top_up", D("2025-03-03")): (1, 4, 4, 4, 0, 0, 0, 0),
        ("top_up", D("2025-03-05")): (1, 4, 4, 4, 0, 0, 0, 6),
        ("user_activity", D("2025-03-02")): (1, 4, 3, 0, 3, 0, 1, 0),
        ("user_activity", D("2025-03-03")): (1, 3, 3, 2, 0, 1, 0, 0),
        ("channel_stats", D("2025-03-02")): (1, 3, 2, 0, 2, 0, 1, 0),
        ("unknown", D("2025-03-02")): (1, 1, 1, 0, 0, 1, 0, 0),  # op_stats' repeat
        ("unknown", D("2025-03-04")): (1, 0, 0, 0, 0, 0, 0, 0),  # the empty file
        ("unknown", D("2025-03-07")): (1, 1, 0, 0, 0, 0, 1, 0),  # no known domain
        # post_20250301_v2 (13:00) and post_2025-03-05 (exported 03-05 21:00 UTC)
        ("post_deduction", D("2025-03-06")): (2, 3, 3, 3, 0, 0, 0, 0),
        ("post_deduction", D("2025-03-02")): (1, 2, 2, 0, 2, 0, 0, 0),
    }
    for key, values in expected.items():
        assert tuple(got[key][c] for c in columns) == values, key
    # every domain-day is there, and nothing else: 30 from the lake rows (as the clean
    # build below), 3 more for 'unknown'
    assert len(got) == 33
    for row in got.values():
        assert row["rows_loaded"] == (
            row["rows_winning"] + row["rows_superseded"] + row["rows_duplicate"]
        )
        assert row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"]


def test_quarantine_by_reason(health):
    got = {
        (r["domain"], r["day"], r["reason"]): r["rows_quarantined"]
        for r in health["query"]("select * from marts.mart_data_health_quarantine")
    }
    assert got == {
        ("top_up", D("2025-03-02"), "negative"): 1,
        ("top_up", D("2025-03-02"), "unparseable"): 1,
        ("user_activity", D("2025-03-02"), "unknown_value"): 1,
        ("channel_stats", D("2025-03-02"), "not_integer"): 1,
        ("unknown", D("2025-03-07"), "missing"): 1,
    }


def test_rejections(health):
    got = health["query"]("select * from marts.mart_data_health_rejections order by source_file")
    assert got == [
        {
            "source_file": "2025-03/topup report (1).xlsx",
            "source_sheet": "Sheet2",
            "domain": "top_up",
            "column": "amount",
            "reason": SHEET2_REASON,
            "rows": 6,
            "ingested_at_taipei": T("2025-03-05 11:00:00"),
            "day": D("2025-03-05"),
        },
        {
            "source_file": "bad/export (3).xlsx",
            "source_sheet": None,
            "domain": None,
            "column": None,
            "reason": EMPTY_REASON,
            "rows": None,
            "ingested_at_taipei": T("2025-04-10 09:00:00"),
            "day": D("2025-03-04"),  # its mtime, 03-03 16:30 UTC, is 03-04 in Taipei
        },
    ]


def test_files_ledger(health):
    got = rows_by(health["query"]("select * from marts.mart_data_health_files"), "source_file")
    counts = HEALTH_MARTS["mart_data_health_files"][6:]
    expected = {
        # file: status, day, read, loaded, winning, superseded, duplicate, quarantined, rejected
        "2025-03/TopUp_20250301.xlsx": ("loaded", D("2025-03-02"), 8, 6, 0, 4, 2, 2, 0),
        "2025-03/topup report (1).xlsx": ("partial", D("2025-03-05"), 4, 4, 4, 0, 0, 0, 6),
        "2025-03/op_stats_20250301.xlsx": ("loaded", D("2025-03-02"), 8, 6, 0, 5, 1, 2, 0),
        "2025-03/op_stats_20250302.xlsx": ("loaded", D("2025-03-03"), 5, 5, 4, 0, 1, 0, 0),
        "bad/export (3).xlsx": ("rejected", D("2025-03-04"), 0, 0, 0, 0, 0, 0, 0),
        "misc/export.xlsx": ("loaded", D("2025-03-07"), 1, 0, 0, 0, 0, 1, 0),
    }
    for name, (status, day, *values) in expected.items():
        row = got[name]
        assert (row["status"], row["day"], *(row[c] for c in counts)) == (status, day, *values)
    top_up = got["2025-03/TopUp_20250301.xlsx"]
    assert top_up["file_sha256"] == file_sha256(*TOPUP_0301)
    assert top_up["exported_at_taipei"] == T("2025-03-02 09:00:00")
    assert top_up["ingested_at_taipei"] == T("2025-03-02 10:00:00")
    # one row per committed file: 28 fixture files with lake rows (3 top-up, 4 op_stats,
    # 10 pre- and 11 post-deduction), 2 without
    assert len(got) == 30


def test_freshness(health):
    got = rows_by(health["query"]("select * from marts.mart_data_health_freshness"), "domain")
    expected = {
        # domain: latest export (Taipei), latest date with a winning row, files
        "top_up": (T("2025-03-05 10:00:00"), D("2025-03-02"), 3),
        "user_activity": (T("2025-04-06 10:00:00"), D("2025-04-05"), 4),
        "channel_stats": (T("2025-03-04 10:00:00"), D("2025-03-02"), 3),
        "pre_deduction": (T("2025-03-11 04:00:00"), D("2025-03-10"), 10),
        "post_deduction": (T("2025-03-11 05:00:00"), D("2025-03-10"), 11),
    }
    assert set(got) == set(expected)
    now_taipei = dt.datetime.now(TAIPEI).replace(tzinfo=None)
    for domain, (latest, data_date, files) in expected.items():
        row = got[domain]
        assert (row["latest_exported_at_taipei"], row["latest_data_date"]) == (latest, data_date)
        assert row["files_loaded"] == files
        built = row["built_at_taipei"]
        assert dt.timedelta(0) <= now_taipei - built < dt.timedelta(minutes=30), built
        hours = (built - latest).total_seconds() / 3600
        assert row["hours_since_export"] == pytest.approx(hours, abs=1 / 3600)
    # judged at the lake's newest delivery: user activity of 04-05, exported 04-06
    # 10:00, after its 08:30 export time; the other four never delivered 04-05 (their
    # latest date's first export: top-ups of 03-02 on 03-03 09:00, channel stats of
    # 03-02 on 03-03 10:00, the deduction reports of 03-10 on 03-11 04:00 and 05:00)
    judged = {
        domain: (
            row["expected_data_date"],
            row["export_time"],
            row["expected_by_taipei"],
            row["delivered_at_taipei"],
            row["freshness_status"],
        )
        for domain, row in got.items()
    }
    assert judged == {
        "top_up": (
            D("2025-04-05"),
            "10:00",
            T("2025-04-06 10:00:00"),
            T("2025-03-03 09:00:00"),
            "missing",
        ),
        "user_activity": (
            D("2025-04-05"),
            "08:30",
            T("2025-04-06 08:30:00"),
            T("2025-04-06 10:00:00"),
            "late",
        ),
        "channel_stats": (
            D("2025-04-05"),
            "08:30",
            T("2025-04-06 08:30:00"),
            T("2025-03-03 10:00:00"),
            "missing",
        ),
        "pre_deduction": (
            D("2025-04-05"),
            "10:30",
            T("2025-04-06 10:30:00"),
            T("2025-03-11 04:00:00"),
            "missing",
        ),
        "post_deduction": (
            D("2025-04-05"),
            "10:30",
            T("2025-04-06 10:30:00"),
            T("2025-03-11 05:00:00"),
            "missing",
        ),
    }


def test_side_parts_count_once_their_run_is_committed(tmp_path):
    """A file's quarantine and manifest parts written by a run that has not committed
    (it died, or is still running) are not counted; once a run commits them, the
    next (incremental) build counts them, and reads only that run's parts."""
    data_dir = tmp_path / "data"
    write_fixture_lake(data_dir)
    lake = data_dir / "lake"
    late = file_sha256(*NO_DOMAIN_FILE)
    everything = set(_lake_files(lake)) | {file_sha256(*REJECTED_FILE)}
    write_side_parts(lake, only=everything)
    write_side_parts(lake, only={late}, commit=False)
    assert list((lake / QUARANTINE).glob("part-*.parquet"))[1:], "the dead run's part is on disk"
    run_dbt(data_dir, *HEALTH_BUILD)
    q = query(data_dir)
    assert q("select count(*) as n from marts.mart_data_health_files") == [{"n": 29}]
    assert q("select count(*) as n from marts.mart_data_health_quarantine") == [{"n": 4}]

    write_side_parts(lake, only={late})
    run_dbt(data_dir, *HEALTH_BUILD)
    compiled = (
        tmp_path / "target" / "compiled" / "livelake" / "models" / "staging" / "lake" / "base"
    )
    assert (compiled / "base_lake__manifest.sql").read_text().count("part-") == 1
    assert (compiled / "base_lake__quarantine.sql").read_text().count("part-") == 1
    assert q("select count(*) as n from marts.mart_data_health_files") == [{"n": 30}]
    (row,) = q("select * from marts.mart_data_health_quarantine where domain = 'unknown'")
    assert (row["day"], row["reason"], row["rows_quarantined"]) == (D("2025-03-07"), "missing", 1)


# ------------------------------------------------------- a lake with no side parts


def test_a_clean_lake_without_side_parts_builds(built_fixture):
    """The fixture lake alone: no _quarantine, _rejected or _manifest folder."""
    q = built_fixture["query"]
    data_dir = built_fixture["data_dir"]
    assert not any((data_dir / "lake" / kind).exists() for kind in ("_quarantine", "_manifest"))
    for mart in ("quarantine", "rejections", "files"):
        assert q(f"select count(*) as n from marts.mart_data_health_{mart}") == [{"n": 0}]
    daily = rows_by(q("select * from marts.mart_data_health_daily"), "domain", "day")
    assert len(daily) == 30
    columns = HEALTH_MARTS["mart_data_health_daily"][2:]
    assert tuple(daily[("top_up", D("2025-03-02"))][c] for c in columns) == (
        1,
        5,
        5,
        0,
        4,
        1,
        0,
        0,
    )
    # the whole lake is there: 13 + 10 + 6 + 13 + 15 rows (test_build's ledger)
    (totals,) = q(
        "select sum(rows_loaded) as loaded, sum(rows_winning) as winning "
        "from marts.mart_data_health_daily"
    )
    assert (int(totals["loaded"]), int(totals["winning"])) == (57, 44)
    assert len(q("select * from marts.mart_data_health_freshness")) == 5


# ---------------------------------------------------- the ingested small world


@pytest.mark.slow
def test_small_world_agrees_with_the_ingests_summary(truth_build):
    """Per committed file, the marts say what the ingest's manifest says (read here
    straight from the lake's parquet, without dbt)."""
    lake = truth_build["source"] / "lake"
    entries = pl.read_parquet(lake / "_manifest" / "*.parquet")
    files = rows_by(
        truth_build["query"]("select * from marts.mart_data_health_files"), "file_sha256"
    )
    assert len(files) == entries.height > 0
    for entry in entries.iter_rows(named=True):
        row = files[entry["file_sha256"]]
        repeats = entry.get("rows_duplicate") or 0
        assert row["status"] == entry["status"]
        assert row["day"] == entry["exported_at"].astimezone(TAIPEI).date()
        assert row["rows_read"] == entry["rows_read"]
        assert row["rows_loaded"] == entry["rows_loaded"] + repeats
        assert row["rows_quarantined"] == entry["rows_quarantined"]
        assert row["rows_rejected"] == entry["rows_rejected"]
        assert row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"]
    daily = truth_build["query"](
        "select sum(rows_read) as rows_read, sum(rows_quarantined) as quarantined, "
        "sum(rows_rejected) as rejected from marts.mart_data_health_daily"
    )[0]
    assert daily["rows_read"] == entries["rows_read"].sum()
    assert daily["quarantined"] == entries["rows_quarantined"].sum() > 0
    assert daily["rejected"] == entries["rows_rejected"].sum() > 0
    rejected = pl.read_parquet(lake / "_rejected" / "*.parquet")
    marts_rejected = truth_build["query"]("select * from marts.mart_data_health_rejections")
    assert len(marts_rejected) == rejected.height > 0


@pytest.mark.slow
def test_small_world_agrees_with_the_simulators_truth(truth_build):
    """Quarantined rows per domain and reason, and the winning rows per domain, are
    what the simulator planted (truth/expected/_quarantine.parquet, truth/world)."""
    truth = truth_build["source"] / "truth"
    planted = (
        pl.read_parquet(truth / "expected" / "_quarantine.parquet")
        .group_by("table", "reason")
        .len()
    )
    want = {(r["table"], r["reason"]): r["len"] for r in planted.iter_rows(named=True)}
    got = {
        (r["domain"], r["reason"]): int(r["n"])
        for r in truth_build["query"](
            "select domain, reason, sum(rows_quarantined) as n "
            "from marts.mart_data_health_quarantine group by 1, 2"
        )
    }
    assert got == want
    winning = {
        r["domain"]: int(r["n"])
        for r in truth_build["query"](
            "select domain, sum(rows_winning) as n from marts.mart_data_health_daily group by 1"
        )
    }
    for table in SCHEMAS:
        assert winning[table] == len(truth_build["world"](table)), table


EXPORT_TIMES = {  # the back office's schedule the freshness mart judges against
    "top_up": dt.time(10, 0),
    "pre_deduction": dt.time(10, 30),
    "post_deduction": dt.time(10, 30),
    "channel_stats": dt.time(8, 30),
    "user_activity": dt.time(8, 30),
}


@pytest.mark.slow
def test_small_world_freshness_is_judged_at_the_newest_delivery(truth_build):
    """Worked out from the lake's parquet without dbt: every domain should hold the
    newest report date any domain holds; fresh if that date first arrived by the
    domain's export time on the next day, late if after."""
    lake = truth_build["source"] / "lake"
    newest: dict[str, tuple[dt.date, dt.datetime]] = {}
    for domain in EXPORT_TIMES:
        parts = pl.read_parquet(lake / domain / "**" / "*.parquet", hive_partitioning=True)
        last = parts["dt"].max()
        first = parts.filter(pl.col("dt") == last)["exported_at"].min()
        newest[domain] = (last, first.astimezone(TAIPEI).replace(tzinfo=None))
    expected_date = max(last for last, _ in newest.values())
    want = {}
    for domain, (last, first) in newest.items():
        due = dt.datetime.combine(expected_date + dt.timedelta(days=1), EXPORT_TIMES[domain])
        status = "missing" if last < expected_date else "late" if first > due else "fresh"
        want[domain] = (last, expected_date, first, status)
    got = {
        r["domain"]: (
            r["latest_data_date"],
            r["expected_data_date"],
            r["delivered_at_taipei"],
            r["freshness_status"],
        )
        for r in truth_build["query"]("select * from marts.mart_data_health_freshness")
    }
    assert got == want
    # the seeded small world: the 14th's op_stats and post-deduction arrived on time,
    # its top-ups and pre-deduction report after their export times
    assert {d: s for d, (*_, s) in got.items()} == {
        "top_up": "late",
        "pre_deduction": "late",
        "post_deduction": "fresh",
        "channel_stats": "fresh",
        "user_activity": "fresh",
    }

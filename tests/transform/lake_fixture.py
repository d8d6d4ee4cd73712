"""A tiny hand-made lake in exactly the layout the ingest writes.

`lake/<table>/dt=YYYY-MM-DD/part-<run_id>-<n>.parquet`, one committed run per export
(lake.runs), zstd, the contract's columns plus lineage with the ingest's types
(ingest.contracts). Small enough to compute every mart value by hand; see
`test_build.py` for the expectations and the reasoning behind each number.

What it exercises:
- a re-export of top_up 03-01 that turns o2 from success into refunded,
- an exact duplicate row (o3 twice in the first 03-01 export; u1 twice on 03-02),
- a level change (u1 silver -> gold on 03-01; u4 regular -> silver at an equal
  instant decided by the larger order_id; u2 silver -> regular on 04-05),
- re-exports of user_activity, channel_stats and post_deduction for 03-01,
- pre/post mismatches (s1 gross differs on 03-02, s3 pre-only, s4 post-only) and an
  arithmetic break (s2 on 03-01 in the winning export),
- a take-rate spike for s1 on 03-10 after seven calm days (z-score flag),
- silver+ users who go quiet for 30 days (drop-offs on 03-31 and 04-01).

`append_late_correction` adds a late re-export of 03-01 top-ups (o1 refunded) and of
03-02 pre-deductions (s1 corrected to 805) for the incremental test.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.contracts import DOMAINS_BY_TABLE, KIND_TYPES, LINEAGE
from lake.runs import open_run

# The lake's DuckDB types (ingest.contracts) as arrow types: the fixture's parts have
# exactly the columns and types the ingest writes, read from the contract.
_ARROW_TYPES = {
    "varchar": pa.string(),
    "bigint": pa.int64(),
    "decimal(18,2)": pa.decimal128(18, 2),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
}
# table -> its content columns with arrow types, in the contract's order
SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    table: [(c.name, _ARROW_TYPES[KIND_TYPES[c.kind]]) for c in domain.columns]
    for table, domain in DOMAINS_BY_TABLE.items()
}
LINEAGE_FIELDS: list[tuple[str, pa.DataType]] = [(name, _ARROW_TYPES[t]) for name, t in LINEAGE]

SHEETS = {
    "top_up": "Sheet1",
    "pre_deduction": "Sheet1",
    "post_deduction": "Sheet1",
    "channel_stats": "Channel Stats",
    "user_activity": "User Activity",
}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _m(value: float | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def file_sha256(source_file: str, exported_at: str) -> str:
    """The fixture's stand-in for a workbook's sha256: one per (file, export)."""
    return hashlib.sha256(f"{source_file}|{exported_at}".encode()).hexdigest()


def write_export(
    lake: Path,
    table: str,
    dt: str,
    rows: list[dict],
    *,
    source_file: str,
    exported_at: str,
    ingested_at: str,
    extra_columns: str | None = None,
) -> int:
    """Write one export's rows of one table-partition as one committed run of one part
    (lake.runs, the writer the ingest uses): the run's id on every row, the export's
    own ingested_at (the fixture's tie-breaks need chosen instants)."""
    sha = file_sha256(source_file, exported_at)
    fields = SCHEMAS[table] + LINEAGE_FIELDS
    data: dict[str, list] = {name: [] for name, _ in fields}
    for i, row in enumerate(rows):
        for name, _ in SCHEMAS[table]:
            data[name].append(row.get(name))
        data["source_file"].append(source_file)
        data["source_sheet"].append(SHEETS[table])
        data["source_row"].append(row.get("_row", i + 2))
        data["file_sha256"].append(sha)
        data["exported_at"].append(_utc(exported_at))
        data["ingested_at"].append(_utc(ingested_at))
        data["extra_columns"].append(extra_columns)
    schema = pa.schema([pa.field(n, t) for n, t in fields])
    with open_run(lake, wait=True) as run:
        data["run_id"] = [run.run_id] * len(rows)
        path = run.new_part(table, dt)
        pq.write_table(pa.table(data, schema=schema), path, compression="zstd")
        run.add_part(table, dt, path, rows=len(rows))
    return len(rows)


def _topup(order_id, user_id, at, amount, status, channel_id, level, method, platform, **kw):
    return {
        "order_id": order_id,
        "user_id": user_id,
        "topup_at": _ts(at),
        "amount": _m(amount),
        "coins": int(float(amount) * 10),
        "bonus_coins": kw.get("bonus_coins", 0),
        "payment_method": method,
        "platform": platform,
        "status": status,
        "channel_id": channel_id,
        "membership_level": level,
        "promo_code": kw.get("promo_code"),
        **({"_row": kw["_row"]} if "_row" in kw else {}),
    }


def _activity(d, user_id, registered, level, watch, msgs, gifts, channels=1):
    return {
        "report_date": _d(d),
        "user_id": user_id,
        "registered_at": _d(registered) if registered else None,
        "membership_level": level,
        "watch_minutes": watch,
        "channels_watched": channels,
        "messages_sent": msgs,
        "gifts_sent_coins": gifts,
    }


def _stats(d, channel_id, name, category, live, viewers):
    return {
        "report_date": _d(d),
        "channel_id": channel_id,
        "channel_name": name,
        "category": category,
        "live_minutes": live,
        "unique_viewers": viewers,
        "peak_concurrent_viewers": viewers // 2,
        "new_followers": 1,
        "chat_messages": 10,
        "gift_senders": 1,
    }


def _pre(d, streamer_id, name, channel_id, agency, gross):
    return {
        "report_date": _d(d),
        "streamer_id": streamer_id,
        "streamer_name": name,
        "channel_id": channel_id,
        "channel_name": {"c1": "Music Room", "c2": "Game Den"}.get(channel_id),
        "agency": agency,
        "gift_count": 10,
        "gift_coins": int(gross * 10),
        "gross_revenue": _m(gross),
    }


def _post(d, streamer_id, channel_id, gross, platform_fee, payment_fee, tax, net, status="settled"):
    return {
        "report_date": _d(d),
        "streamer_id": streamer_id,
        "channel_id": channel_id,
        "gross_revenue": _m(gross),
        "platform_fee": _m(platform_fee),
        "payment_fee": _m(payment_fee),
        "tax_withheld": _m(tax),
        "net_revenue": _m(net),
        "settlement_status": status,
    }


# s1's take rate 03-03..03-09 (calm), then a spike on 03-10.
S1_CALM_TAKE_RATES = [0.40, 0.41, 0.39, 0.40, 0.41, 0.39, 0.40]
S1_SPIKE_TAKE_RATE = 0.60


def write_fixture_lake(data_dir: Path) -> dict[str, int]:
    """Write the fixture lake under data_dir/lake; return lake row counts per table."""
    lake = Path(data_dir) / "lake"
    counts = {t: 0 for t in SCHEMAS}

    # ---- top_up -------------------------------------------------------------
    o1 = _topup(
        "o1", "u1", "2025-03-01 10:00:00", 100, "success", "c1", "silver", "credit_card", "ios"
    )
    o2 = _topup(
        "o2", "u2", "2025-03-01 20:30:00", 50, "success", "c2", "regular", "line_pay", "android"
    )
    o3 = _topup("o3", "u1", "2025-03-01 23:10:00", 200, "success", None, "gold", "apple_iap", "ios")
    o4 = _topup(
        "o4", "u3", "2025-03-01 03:00:00", 300, "success", "c1", "gold", "credit_card", "web"
    )
    o3_copy = dict(o3, _row=7)
    counts["top_up"] += write_export(
        lake,
        "top_up",
        "2025-03-01",
        [o1, o2, o3, o4, o3_copy],
        source_file="2025-03/TopUp_20250301.xlsx",
        exported_at="2025-03-02 01:00:00",
        ingested_at="2025-03-02 02:00:00",
    )
    # Re-export of 03-01: o2 is now refunded; the rest unchanged.
    o2_refunded = dict(o2, status="refunded")
    counts["top_up"] += write_export(
        lake,
        "top_up",
        "2025-03-01",
        [o1, o2_refunded, o3, o4],
        source_file="2025-03/topup report (1).xlsx",
        exported_at="2025-03-05 02:00:00",
        ingested_at="2025-03-05 03:00:00",
    )
    o5 = _topup(
        "o5", "u1", "2025-03-02 09:00:00", 150, "success", "c1", "gold", "credit_card", "ios"
    )
    o6 = _topup(
        "o6", "u4", "2025-03-02 14:00:00", 80, "success", "c2", "regular", "jko_pay", "android"
    )
    o7 = _topup(
        "o7", "u2", "2025-03-02 15:00:00", 60, "failed", "c2", "silver", "line_pay", "android"
    )
    # Same instant as o6: the larger order_id (o8) is the later observation.
    o8 = _topup(
        "o8", "u4", "2025-03-02 14:00:00", 80, "failed", "c2", "silver", "jko_pay", "android"
    )
    counts["top_up"] += write_export(
        lake,
        "top_up",
        "2025-03-02",
        [o5, o6, o7, o8],
        source_file="2025-03/儲值紀錄_2025-03-02.xlsx",
        exported_at="2025-03-03 01:00:00",
        ingested_at="2025-03-03 02:00:00",
    )

    # ---- user_activity ------------------------------------------------------
    counts["user_activity"] += write_export(
        lake,
        "user_activity",
        "2025-03-01",
        [
            _activity("2025-03-01", "u1", "2025-01-10", "silver", 30, 2, 0),
            _activity("2025-03-01", "u2", "2025-03-01", "regular", 0, 0, 0),
            _activity("2025-03-01", "u3", "2024-12-01", "gold", 10, 0, 0),
        ],
        source_file="2025-03/op_stats_20250301.xlsx",
        exported_at="2025-03-02 02:00:00",
        ingested_at="2025-03-02 02:30:00",
    )
    counts["user_activity"] += write_export(
        lake,
        "user_activity",
        "2025-03-01",
        [
            _activity("2025-03-01", "u1", "2025-01-10", "gold", 40, 2, 0),
            _activity("2025-03-01", "u2", "2025-03-01", "regular", 5, 1, 0),
            _activity("2025-03-01", "u3", "2024-12-01", "gold", 10, 0, 0),
        ],
        source_file="2025-03/op_stats_20250301 (2).xlsx",
        exported_at="2025-03-04 02:00:00",
        ingested_at="2025-03-04 02:30:00",
    )
    u1_0302 = _activity("2025-03-02", "u1", "2025-01-12", "gold", 20, 0, 0)
    counts["user_activity"] += write_export(
        lake,
        "user_activity",
        "2025-03-02",
        [
            u1_0302,
            _activity("2025-03-02", "u2", "2025-03-01", "silver", 0, 0, 0),
            dict(u1_0302, _row=9),
        ],
        source_file="2025-03/op_stats_20250302.xlsx",
        exported_at="2025-03-03 02:00:00",
        ingested_at="2025-03-03 02:30:00",
        extra_columns=None,
    )
    counts["user_activity"] += write_export(
        lake,
        "user_activity",
        "2025-04-05",
        [_activity("2025-04-05", "u2", "2025-03-01", "regular", 15, 0, 0)],
        source_file="2025-04/op_stats_20250405.xlsx",
        exported_at="2025-04-06 02:00:00",
        ingested_at="2025-04-06 02:30:00",
        extra_columns=json.dumps({"Device": "tv"}),
    )

    # ---- channel_stats ------------------------------------------------------
    counts["channel_stats"] += write_export(
        lake,
        "channel_stats",
        "2025-03-01",
        [
            _stats("2025-03-01", "c1", "Music Room", "music", 120, 50),
            _stats("2025-03-01", "c2", "Game Den", "gaming", 60, 20),
        ],
        source_file="2025-03/op_stats_20250301.xlsx",
        exported_at="2025-03-02 02:00:00",
        ingested_at="2025-03-02 02:30:00",
    )
    counts["channel_stats"] += write_export(
        lake,
        "channel_stats",
        "2025-03-01",
        [
            _stats("2025-03-01", "c1", "Music Room 2", "music", 120, 40),
            _stats("2025-03-01", "c2", "Game Den", "gaming", 60, 20),
        ],
        source_file="2025-03/op_stats_20250301 (2).xlsx",
        exported_at="2025-03-04 02:00:00",
        ingested_at="2025-03-04 02:30:00",
    )
    counts["channel_stats"] += write_export(
        lake,
        "channel_stats",
        "2025-03-02",
        [
            _stats("2025-03-02", "c1", "Music Room 2", "music", 90, 30),
            _stats("2025-03-02", "c2", "Game Den", "gaming", 30, 10),
        ],
        source_file="2025-03/op_stats_20250302.xlsx",
        exported_at="2025-03-03 02:00:00",
        ingested_at="2025-03-03 02:30:00",
    )

    # ---- pre_deduction / post_deduction ------------------------------------
    counts["pre_deduction"] += write_export(
        lake,
        "pre_deduction",
        "2025-03-01",
        [
            _pre("2025-03-01", "s1", "Aria", "c1", "Star Agency", 1000),
            _pre("2025-03-01", "s2", "Bo", "c2", None, 500),
        ],
        source_file="2025-03/pre_20250301.xlsx",
        exported_at="2025-03-02 04:00:00",
        ingested_at="2025-03-02 04:30:00",
    )
    counts["post_deduction"] += write_export(
        lake,
        "post_deduction",
        "2025-03-01",
        [
            _post("2025-03-01", "s1", "c1", 1000, 300, 50, 50, 600),
            _post("2025-03-01", "s2", "c2", 500, 150, 25, 0, 325),
        ],
        source_file="2025-03/post_20250301.xlsx",
        exported_at="2025-03-02 05:00:00",
        ingested_at="2025-03-02 05:30:00",
    )
    # Re-export of post 03-01: s2's net no longer adds up (break of 5 TWD).
    counts["post_deduction"] += write_export(
        lake,
        "post_deduction",
        "2025-03-01",
        [
            _post("2025-03-01", "s1", "c1", 1000, 300, 50, 50, 600),
            _post("2025-03-01", "s2", "c2", 500, 150, 25, 0, 320),
        ],
        source_file="2025-03/post_20250301_v2.xlsx",
        exported_at="2025-03-06 05:00:00",
        ingested_at="2025-03-06 05:30:00",
    )
    counts["pre_deduction"] += write_export(
        lake,
        "pre_deduction",
        "2025-03-02",
        [
            _pre("2025-03-02", "s1", "Aria", "c1", "Star Agency", 800),
            _pre("2025-03-02", "s2", "Bo", "c2", None, 400),
            _pre("2025-03-02", "s3", "Cy", "c2", "Moon Agency", 100),
        ],
        source_file="2025-03/pre_20250302.xlsx",
        exported_at="2025-03-03 04:00:00",
        ingested_at="2025-03-03 04:30:00",
    )
    counts["post_deduction"] += write_export(
        lake,
        "post_deduction",
        "2025-03-02",
        [
            _post("2025-03-02", "s1", "c1", 805, 241.5, 40, 0, 523.5),
            _post("2025-03-02", "s2", "c2", 400, 120, 20, 0, 260),
            _post("2025-03-02", "s4", "c2", 50, 15, 0, 0, 35),
        ],
        source_file="2025-03/post_20250302.xlsx",
        exported_at="2025-03-03 05:00:00",
        ingested_at="2025-03-03 05:30:00",
    )
    rates = S1_CALM_TAKE_RATES + [S1_SPIKE_TAKE_RATE]
    for day, rate in enumerate(rates, start=3):
        d = f"2025-03-{day:02d}"
        counts["pre_deduction"] += write_export(
            lake,
            "pre_deduction",
            d,
            [_pre(d, "s1", "Aria", "c1", "Star Agency", 1000)],
            source_file=f"2025-03/pre_{d}.xlsx",
            exported_at=f"{d} 20:00:00",
            ingested_at=f"{d} 20:30:00",
        )
        fee = round(1000 * rate, 2)
        counts["post_deduction"] += write_export(
            lake,
            "post_deduction",
            d,
            [_post(d, "s1", "c1", 1000, fee, 0, 0, round(1000 - fee, 2), status="pending")],
            source_file=f"2025-03/post_{d}.xlsx",
            exported_at=f"{d} 21:00:00",
            ingested_at=f"{d} 21:30:00",
        )
    return counts


def append_late_correction(data_dir: Path) -> None:
    """A late re-export: 03-01 top-ups (o1 now refunded) and 03-02 pre-deductions."""
    lake = Path(data_dir) / "lake"
    write_export(
        lake,
        "top_up",
        "2025-03-01",
        [
            _topup(
                "o1",
                "u1",
                "2025-03-01 10:00:00",
                100,
                "refunded",
                "c1",
                "silver",
                "credit_card",
                "ios",
            ),
            _topup(
                "o2",
                "u2",
                "2025-03-01 20:30:00",
                50,
                "refunded",
                "c2",
                "regular",
                "line_pay",
                "android",
            ),
            _topup(
                "o3", "u1", "2025-03-01 23:10:00", 200, "success", None, "gold", "apple_iap", "ios"
            ),
            _topup(
                "o4",
                "u3",
                "2025-03-01 03:00:00",
                300,
                "success",
                "c1",
                "gold",
                "credit_card",
                "web",
            ),
        ],
        source_file="2025-04/TopUp_20250301_corrected.xlsx",
        exported_at="2025-04-07 01:00:00",
        ingested_at="2025-04-07 02:00:00",
    )
    write_export(
        lake,
        "pre_deduction",
        "2025-03-02",
        [
            _pre("2025-03-02", "s1", "Aria", "c1", "Star Agency", 805),
            _pre("2025-03-02", "s2", "Bo", "c2", None, 400),
            _pre("2025-03-02", "s3", "Cy", "c2", "Moon Agency", 100),
        ],
        source_file="2025-04/pre_20250302_corrected.xlsx",
        exported_at="2025-04-07 04:00:00",
        ingested_at="2025-04-07 04:30:00",
    )


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
    print(write_fixture_lake(target))

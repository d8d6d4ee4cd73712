"""What the back office must fix after a run, read from the serving copy's data-health
marts: files or sheets rejected by the runs since a given instant, files with more rows
quarantined than a threshold, domains whose newest export is late or missing.

`livelake health` prints it and exits 3 when there is anything to fix, so the daily
DAG (dags/livelake_daily.py) stays thin: its freshness task is this command, and its
data e-mail is this report. It reads the serving copy read-only, so it never waits
for a build and never blocks one.

"Since" is an instant, not a run id, because every row the ingest writes carries its
run's start (`ingested_at`): the DAG passes its own run's start, which is after every
earlier run's ingest (one run at a time) and before its own, so each rejection is
reported by the run that made it, once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from lake.serving import connect_read_only

TAIPEI = ZoneInfo("Asia/Taipei")
EXIT_HEALTHY = 0
EXIT_PROBLEMS = 3
# A file with more quarantined rows than this is worth a re-export (bad rows are
# otherwise quarantined quietly: a few per file are expected).
QUARANTINE_THRESHOLD_VARIABLE = "LIVELAKE_HEALTH_MAX_QUARANTINED_ROWS"
DEFAULT_QUARANTINE_THRESHOLD = 100


@dataclass(frozen=True)
class Rejection:
    file: str
    sheet: str | None
    reason: str
    ingested_at_taipei: str


@dataclass(frozen=True)
class Quarantined:
    file: str
    rows_quarantined: int
    rows_read: int


@dataclass(frozen=True)
class Stale:
    domain: str
    status: str  # late | missing
    latest_data_date: str | None
    expected_data_date: str | None
    expected_by_taipei: str | None  # when the expected date's export was due
    delivered_at_taipei: str | None  # when the latest date first arrived


@dataclass(frozen=True)
class HealthReport:
    since_taipei: str
    quarantine_threshold: int
    rejected: list[Rejection] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.rejected) + len(self.quarantined) + len(self.stale)

    @property
    def exit_code(self) -> int:
        return EXIT_PROBLEMS if self.problems else EXIT_HEALTHY


def threshold_from_env() -> int:
    raw = os.environ.get(QUARANTINE_THRESHOLD_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_QUARANTINE_THRESHOLD
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{QUARANTINE_THRESHOLD_VARIABLE}={raw!r} is not a whole number") from exc
    if value < 0:
        raise ValueError(f"{QUARANTINE_THRESHOLD_VARIABLE}={raw!r} must be 0 or more")
    return value


def parse_since(text: str) -> dt.datetime:
    """An ISO date or date-time; without an offset it is UTC (Airflow's dates are)."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise ValueError(f"--since {text!r}: not an ISO date or date-time") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _taipei_wall(instant: dt.datetime) -> dt.datetime:
    """The marts keep Asia/Taipei wall times without a zone (ingested_at_taipei)."""
    return instant.astimezone(TAIPEI).replace(tzinfo=None)


def check(serving: Path, since: dt.datetime | None, quarantine_threshold: int) -> HealthReport:
    """The report for the runs that started at or after `since` (None: the newest run)."""
    with connect_read_only(serving) as con:
        if since is None:
            newest = con.execute(
                "select max(ingested_at_taipei) from ("
                " select ingested_at_taipei from marts.mart_data_health_files"
                " union all"
                " select ingested_at_taipei from marts.mart_data_health_rejections)"
            ).fetchone()[0]
            wall = newest or dt.datetime(1970, 1, 1)
        else:
            wall = _taipei_wall(since)
        rejected = [
            Rejection(file, sheet, reason, str(at))
            for file, sheet, reason, at in con.execute(
                "select source_file, source_sheet, reason, ingested_at_taipei"
                " from marts.mart_data_health_rejections"
                " where ingested_at_taipei >= ?"
                " order by source_file, source_sheet nulls first",
                [wall],
            ).fetchall()
        ]
        quarantined = [
            Quarantined(file, int(rows), int(read))
            for file, rows, read in con.execute(
                "select source_file, rows_quarantined, rows_read"
                " from marts.mart_data_health_files"
                " where ingested_at_taipei >= ? and rows_quarantined > ?"
                " order by rows_quarantined desc, source_file",
                [wall, quarantine_threshold],
            ).fetchall()
        ]
        stale, notes = _stale_domains(con)
    return HealthReport(
        since_taipei=str(wall),
        quarantine_threshold=quarantine_threshold,
        rejected=rejected,
        quarantined=quarantined,
        stale=stale,
        notes=notes,
    )


def _stale_domains(con) -> tuple[list[Stale], list[str]]:  # noqa: ANN001 - a DuckDB connection
    """Domains the freshness mart judges late or missing against their daily cadence."""
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'mart_data_health_freshness'"
        ).fetchall()
    }
    if not {"freshness_status", "expected_data_date"} <= columns:
        # A serving copy published before the freshness judgement existed.
        return [], ["freshness not judged: the serving copy predates freshness_status (rebuild)"]
    rows = con.execute(
        "select domain, freshness_status, latest_data_date, expected_data_date,"
        " expected_by_taipei, delivered_at_taipei"
        " from marts.mart_data_health_freshness"
        " where freshness_status in ('late', 'missing')"
        " order by domain"
    ).fetchall()
    return [Stale(*(_text(value) for value in row)) for row in rows], []


def _stale_line(stale: Stale) -> str:
    if stale.status == "late":
        return (
            f"- {stale.domain}: late, data of {stale.latest_data_date} arrived "
            f"{stale.delivered_at_taipei}, due {stale.expected_by_taipei}"
        )
    return (
        f"- {stale.domain}: missing, no data of {stale.expected_data_date} (due "
        f"{stale.expected_by_taipei}); newest data {stale.latest_data_date or 'none'}"
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def to_json(report: HealthReport) -> str:
    """One line: the DAG's data-alert task reads its task's last output line."""
    body = asdict(report)
    body["problems"] = report.problems
    body["text"] = render(report)  # the e-mail's body, so the DAG needs no copy of render()
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> HealthReport:
    body = json.loads(text)
    return HealthReport(
        since_taipei=body["since_taipei"],
        quarantine_threshold=body["quarantine_threshold"],
        rejected=[Rejection(**r) for r in body["rejected"]],
        quarantined=[Quarantined(**q) for q in body["quarantined"]],
        stale=[Stale(**s) for s in body["stale"]],
        notes=list(body.get("notes", [])),
    )


def render(report: HealthReport) -> str:
    """Plain lines, one per item, never wrapped: read in a task log and in the e-mail."""
    if not report.problems:
        lines = [f"healthy: nothing to fix in the runs since {report.since_taipei} (Asia/Taipei)"]
        return "\n".join(lines + [f"note: {n}" for n in report.notes]) + "\n"
    lines = [f"{report.problems} problem(s) in the runs since {report.since_taipei} (Asia/Taipei)"]
    if report.rejected:
        lines += ["", "Rejected (fix the file and export it again into the same folder):"]
        lines += [
            f"- {r.file} | sheet: {r.sheet or '(the whole file)'} | {r.reason}"
            for r in report.rejected
        ]
    if report.quarantined:
        lines += [
            "",
            f"More than {report.quarantine_threshold} rows quarantined (the rest of the file "
            "loaded; check the rows and export again):",
        ]
        lines += [
            f"- {q.file} | {q.rows_quarantined} of {q.rows_read} rows quarantined"
            for q in report.quarantined
        ]
    if report.stale:
        lines += ["", "Late or missing (export the newest report):"]
        lines += [_stale_line(s) for s in report.stale]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines) + "\n"

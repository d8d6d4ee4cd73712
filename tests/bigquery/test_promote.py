"""`livelake promote` against the real BigQuery client library and a BigQuery API
emulator: the small world's lake, promoted, equals BigQuery row for row; promoting
again changes nothing; a late re-export loads only the days it touched; a promotion
killed halfway is finished by running it again; without a project or credentials,
or with a frozen endpoint, it fails in bounded time with what to do.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from ingest.run import RunReport
from lake.runs import committed_runs
from promote.schema import SHAPES
from simulator.direct_lake import report_days, resolved_world, write_correction
from tests.bigquery import emulator as bqemulator

pytestmark = pytest.mark.xdist_group("bigquery")  # one emulator, one worker

LIVELAKE = Path(sys.executable).with_name("livelake")
REPORT_TABLES = ("top_up", "pre_deduction", "post_deduction", "channel_stats", "user_activity")
MONEY = {
    "top_up": ("amount",),
    "pre_deduction": ("gross_revenue",),
    "post_deduction": (
        "gross_revenue",
        "platform_fee",
        "payment_fee",
        "tax_withheld",
        "net_revenue",
    ),
}


@pytest.fixture
def data_dir(small_lake: tuple[Path, RunReport], tmp_path: Path) -> Path:
    """A private copy of the small world's lake (the session's is read-only)."""
    source, _ = small_lake
    shutil.copytree(source / "lake", tmp_path / "lake", symlinks=True)
    return tmp_path


def promote_cli(
    data_dir: Path,
    emulator: bqemulator.Emulator | None,
    dataset: str,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> tuple[subprocess.CompletedProcess[str], float]:
    """`livelake promote --json` as a user runs it; its result and seconds."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIVELAKE_", "GOOGLE_", "CLOUDSDK_"))
    }
    base |= {
        "LIVELAKE_DATA_DIR": str(data_dir),
        "LIVELAKE_BQ_RAW_DATASET": dataset,
        "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "120",
    }
    base |= emulator.env() if emulator else {}
    started = time.monotonic()
    done = subprocess.run(
        [str(LIVELAKE), "promote", "--json", *args],
        env=base | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.monotonic() - started


def promoted(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _value(value: object) -> object:
    """One cell, comparable across engines: instants in UTC, exact decimals."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def lake_rows(data_dir: Path, table: str) -> Counter[tuple]:
    """The committed rows of a lake table (+ dt from the part's folder), as DuckDB reads them."""
    lake = data_dir / "lake"
    files = [str(lake / p.path) for r in committed_runs(lake) for p in r.parts if p.table == table]
    columns = ", ".join(f'"{c}"' for c in SHAPES[table].columns)
    hive = "true, hive_types = {'dt': date}" if table in REPORT_TABLES else "false"
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        rows = con.execute(
            f"select {columns} from read_parquet(?, hive_partitioning = {hive}, "
            "union_by_name = true)",
            [files],
        ).fetchall()
    return Counter(tuple(_value(v) for v in row) for row in rows)


def bq_rows(bq: bigquery.Client, dataset: str, table: str) -> Counter[tuple]:
    columns = ", ".join(f"`{c}`" for c in SHAPES[table].columns)
    query = f"select {columns} from `{bq.project}.{dataset}.{table}`"
    rows = bq.query(query, timeout=30).result(timeout=120)
    return Counter(tuple(_value(v) for v in row.values()) for row in rows)


def bq_scalar(bq: bigquery.Client, sql: str) -> object:
    return next(iter(bq.query(sql, timeout=30).result(timeout=60)))[0]


def manifest_rows(bq: bigquery.Client, dataset: str) -> set[tuple]:
    rows = bq.query(
        "select lake_table, dt, run_id, parts_digest, parts, `rows`, promoted_at "
        f"from `{bq.project}.{dataset}._promotions`",
        timeout=30,
    ).result(timeout=60)
    return {tuple(r.values()) for r in rows}


def snapshots(bq: bigquery.Client, dataset: str) -> list[int]:
    """The lake runs BigQuery says it holds completely, oldest first ([]: none)."""
    try:
        rows = bq.query(
            f"select snapshot_run_id from `{bq.project}.{dataset}._promoted_snapshots` "
            "order by snapshot_run_id",
            timeout=30,
        ).result(timeout=60)
    except NotFound:
        return []
    return [r[0] for r in rows]


def last_run(data_dir: Path) -> int:
    return committed_runs(data_dir / "lake")[-1].run_id


def assert_equals_lake(bq: bigquery.Client, data_dir: Path, dataset: str) -> None:
    """Every lake table in BigQuery: the same rows (keys, lineage, values), as often."""
    for table in SHAPES:
        lake, held = lake_rows(data_dir, table), bq_rows(bq, dataset, table)
        assert sum(held.values()) == sum(lake.values()), table
        assert held == lake, f"{table}: {len(held - lake)} rows differ"
    for table, columns in MONEY.items():  # to the cent, said out loud
        for column in columns:
            held = bq_scalar(bq, f"select sum(`{column}`) from `{bq.project}.{dataset}.{table}`")
            with duckdb.connect() as con:
                files = [
                    str(data_dir / "lake" / p.path)
                    for r in committed_runs(data_dir / "lake")
                    for p in r.parts
                    if p.table == table
                ]
                lake = con.execute(
                    f'select sum("{column}") from read_parquet(?)', [files]
                ).fetchone()[0]
            assert isinstance(held, Decimal) and held == lake, (table, column, held, lake)


def test_promote_equals_the_lake_twice_and_after_a_late_reexport(
    emulator: bqemulator.Emulator, bq: bigquery.Client, data_dir: Path, raw_dataset: str
) -> None:
    first, seconds = promote_cli(data_dir, emulator, raw_dataset)
    summary = promoted(first)
    parts = [p for r in committed_runs(data_dir / "lake") for p in r.parts]
    assert summary["unchanged"] == 0 and summary["rows"] == sum(p.rows for p in parts)
    assert_equals_lake(bq, data_dir, raw_dataset)
    assert snapshots(bq, raw_dataset) == [last_run(data_dir)]
    assert summary["held_snapshot_run_id"] == last_run(data_dir)
    print(f"first promotion: {len(summary['slices'])} slices in {seconds:.1f}s")

    # Partitioned by day and clustered as promote.schema says.
    top_up = bq.get_table(f"{bq.project}.{raw_dataset}.top_up", timeout=30)
    assert top_up.time_partitioning.field == "dt"
    assert top_up.clustering_fields == ["run_id", "order_id"]

    # Again: nothing loaded, nothing changed (not even the manifest's promoted_at).
    before = manifest_rows(bq, raw_dataset)
    again = promoted(promote_cli(data_dir, emulator, raw_dataset)[0])
    assert again["slices"] == [] and again["unchanged"] == len(summary["slices"])
    assert manifest_rows(bq, raw_dataset) == before
    assert snapshots(bq, raw_dataset) == [last_run(data_dir)]
    assert_equals_lake(bq, data_dir, raw_dataset)

    # A late re-export of one old day: a new run with top_up, user_activity and
    # channel_stats parts of that day. Only those three slices are loaded.
    world = resolved_world("small", 42)
    day = report_days(world)[3]
    write_correction(data_dir / "lake", world, day)
    late = promoted(promote_cli(data_dir, emulator, raw_dataset)[0])
    assert sorted((s["table"], s["dt"]) for s in late["slices"]) == [
        ("channel_stats", day.isoformat()),
        ("top_up", day.isoformat()),
        ("user_activity", day.isoformat()),
    ]
    assert late["unchanged"] == len(summary["slices"]) - 3
    assert_equals_lake(bq, data_dir, raw_dataset)
    after = manifest_rows(bq, raw_dataset)
    assert len(after) == len(before) and len(after - before) == 3
    assert snapshots(bq, raw_dataset) == [last_run(data_dir) - 1, last_run(data_dir)]


def test_dry_run_prints_the_load_and_its_bytes_and_writes_nothing(
    emulator: bqemulator.Emulator, bq: bigquery.Client, data_dir: Path, raw_dataset: str
) -> None:
    summary = promoted(promote_cli(data_dir, emulator, raw_dataset, "--dry-run")[0])
    parts = [p for r in committed_runs(data_dir / "lake") for p in r.parts]
    assert summary["dry_run"] and summary["bytes"] == sum(
        (data_dir / "lake" / p.path).stat().st_size for p in parts
    )
    assert summary["rows"] == sum(p.rows for p in parts)
    assert raw_dataset not in {d.dataset_id for d in bq.list_datasets(timeout=30)}
    human_text = subprocess.run(
        [str(LIVELAKE), "promote", "--dry-run"],
        env={**os.environ, **emulator.env(), "LIVELAKE_DATA_DIR": str(data_dir),
             "LIVELAKE_BQ_RAW_DATASET": raw_dataset},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert human_text.returncode == 0, human_text.stderr
    assert "would load" in human_text.stdout and "MB of parquet" in human_text.stdout


# The real promotion, cut right after the first report table's batch committed: the
# process SIGKILLed, or the emulator SIGSTOPped so the next call's timeout fires.
_CUT_AFTER = """
import os, signal, sys
from pathlib import Path
from settings.bigquery import BigQuerySettings
from promote.run import promote

def cut(batch):
    if batch[0].table == "channel_stats":
        if sys.argv[2] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        os.kill(int(sys.argv[3]), signal.SIGSTOP)

promote(Path(sys.argv[1]), BigQuerySettings.from_env(), on_batch_done=cut)
"""


@pytest.mark.parametrize("how", ["kill", "freeze"])
def test_a_promotion_cut_halfway_is_finished_by_running_it_again(
    emulator: bqemulator.Emulator,
    bq: bigquery.Client,
    data_dir: Path,
    raw_dataset: str,
    how: str,
) -> None:
    env = {
        **os.environ,
        **emulator.env(),
        "LIVELAKE_DATA_DIR": str(data_dir),
        "LIVELAKE_BQ_RAW_DATASET": raw_dataset,
        "LIVELAKE_BQ_TIMEOUT_SECONDS": "2",
        "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "5",
    }
    script = [sys.executable, "-c", _CUT_AFTER, str(data_dir / "lake"), how]
    try:
        cut = subprocess.run(
            [*script, str(emulator.process.pid)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.kill(emulator.process.pid, signal.SIGCONT)
    if how == "kill":
        assert cut.returncode == -signal.SIGKILL, cut.stderr
    else:  # the next call timed out: a traceback, the process failed
        assert cut.returncode == 1 and "Timeout" in cut.stderr, cut.stderr[-2000:]
    held = {row[0] for row in manifest_rows(bq, raw_dataset)}
    assert held == {"_manifest", "_quarantine", "_rejected", "channel_stats"}
    assert snapshots(bq, raw_dataset) == []  # no run is held completely yet
    assert bq_rows(bq, raw_dataset, "channel_stats") == lake_rows(data_dir, "channel_stats")

    rest = promoted(promote_cli(data_dir, emulator, raw_dataset)[0])
    assert {s["table"] for s in rest["slices"]} == set(REPORT_TABLES) - {"channel_stats"}
    assert_equals_lake(bq, data_dir, raw_dataset)
    assert snapshots(bq, raw_dataset) == [last_run(data_dir)]


def test_a_second_promotion_of_the_data_dir_is_refused_with_who_holds_it(
    emulator: bqemulator.Emulator, data_dir: Path, raw_dataset: str
) -> None:
    from promote.run import promotion_lock

    with promotion_lock(data_dir, wait=False):
        done, seconds = promote_cli(data_dir, emulator, raw_dataset)
    assert done.returncode == 4 and "another promotion is running" in done.stderr
    assert seconds < 30


def test_without_a_lake_it_says_to_ingest_first(
    emulator: bqemulator.Emulator, tmp_path: Path, raw_dataset: str
) -> None:
    # However long the data directory's path, the message is one line (not wrapped).
    data_dir = tmp_path / ("a-data-directory-with-a-long-name-" * 3)
    done, _ = promote_cli(data_dir, emulator, raw_dataset)
    assert done.returncode == 1
    assert f"error no committed lake at {data_dir / 'lake'}: run `livelake ingest` first\n" in (
        done.stderr.splitlines(keepends=True)
    )


def test_a_frozen_endpoint_is_cut_by_the_timeout(
    emulator: bqemulator.Emulator, data_dir: Path, raw_dataset: str
) -> None:
    env = {"LIVELAKE_BQ_TIMEOUT_SECONDS": "2", "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "5"}
    with bqemulator.frozen(emulator):
        done, seconds = promote_cli(data_dir, emulator, raw_dataset, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "run `livelake promote` again" in done.stderr
    # One request's timeout, retried within three: well under a minute, never a hang.
    assert seconds < 30, seconds
    print(f"frozen endpoint: failed in {seconds:.1f}s")


def test_without_a_project_it_fails_at_once_naming_what_to_set(
    data_dir: Path, raw_dataset: str
) -> None:
    done, seconds = promote_cli(data_dir, None, raw_dataset)
    assert done.returncode == 2
    assert "LIVELAKE_GCP_PROJECT" in done.stderr and seconds < 30, seconds


def test_without_credentials_it_fails_within_seconds_naming_what_to_set(
    data_dir: Path, raw_dataset: str, tmp_path: Path
) -> None:
    """Real BigQuery (no emulator endpoint), no key file, no application default
    credentials (an empty HOME and gcloud config): google.auth finds none."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "LIVELAKE_GCP_PROJECT": "livelake-prod",
        "HOME": str(home),
        "CLOUDSDK_CONFIG": str(home / "gcloud"),
    }
    done, seconds = promote_cli(data_dir, None, raw_dataset, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "GOOGLE_APPLICATION_CREDENTIALS" in done.stderr
    assert "application default credentials" in done.stderr
    assert seconds < 30, seconds
    print(f"no credentials: failed in {seconds:.1f}s")

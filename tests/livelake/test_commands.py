"""The README's commands as a user runs them, each a real process: `livelake generate`
writes the sample world, `livelake run` ingests, builds, publishes and prints the
headline KPIs (exit 3 when input was rejected, 0 when none was), `livelake kpis`
prints them again, and `livelake prod` does the same on BigQuery (the emulator).
Every number printed or served equals the simulator's truth (headline_truth.py)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import polars as pl
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from ingest.run import EXIT_OK, EXIT_REJECTED
from tests.bigquery import emulator as bqemulator
from tests.livelake.conftest import livelake
from tests.livelake.headline_truth import (
    differences,
    expected_daily_kpis,
    expected_headline,
    printed_headline,
    serving_daily_kpis,
)
from tests.transform import truth_kpis

pytestmark = pytest.mark.xdist_group("livelake_commands")  # one world, one worker


def output(done: subprocess.CompletedProcess) -> str:
    return f"{done.stdout[-8000:]}\n{done.stderr[-4000:]}"


def test_generate_writes_the_workbooks_and_the_truth(generated) -> None:
    data_dir, done = generated
    assert done.returncode == 0, output(done)
    files = pl.read_parquet(data_dir / "truth" / "expected" / "_files.parquet")
    written = sorted(
        p.relative_to(data_dir / "inbox").as_posix()
        for p in (data_dir / "inbox").rglob("*")
        if p.is_file()
    )
    assert written == sorted(files["source_file"].to_list())
    message = " ".join(done.stderr.split())  # as printed, wrapped or not
    assert f"generated {len(written)} workbooks" in message
    assert "14 days" in message and "scale small" in message
    world = data_dir / "truth" / "world"
    assert pl.read_parquet(world / "top_up.parquet").height > 1000


def test_run_exits_3_naming_each_rejected_file_and_serves_the_truth(generated, first_run) -> None:
    data_dir, _ = generated
    assert first_run.returncode == EXIT_REJECTED, output(first_run)
    files = pl.read_parquet(data_dir / "truth" / "expected" / "_files.parquet")
    rejected = files.filter(pl.col("expect") == "rejected")["source_file"].to_list()
    assert rejected, "the sample world has no rejected file: exit 3 proves nothing"
    text = " ".join(first_run.stdout.split())
    missing = [name for name in rejected if Path(name).name not in text]
    assert not missing, (missing, output(first_run))
    assert differences(data_dir, first_run.stdout) == []
    assert len(serving_daily_kpis(data_dir / "serving.duckdb")) == 28  # 14 days + prelude


def test_run_again_ingests_nothing_exits_0_and_serves_the_same(generated, second_run) -> None:
    data_dir, _ = generated
    assert second_run.returncode == EXIT_OK, output(second_run)
    runs = sorted((data_dir / "lake" / "_runs").glob("run-*.json"))
    assert len(runs) == 1, runs  # the second ingest committed nothing
    assert differences(data_dir, second_run.stdout) == []


def test_kpis_prints_the_truths_last_day(generated, second_run) -> None:
    data_dir, _ = generated
    done = livelake(data_dir, "kpis")
    assert done.returncode == 0, output(done)
    assert printed_headline(done.stdout) == expected_headline(data_dir)
    assert len(printed_headline(done.stdout)) == 13  # the date and 12 KPIs


def test_prod_on_the_emulator_prints_the_truths_kpis_from_bigquery(
    generated, patched_emulator: bqemulator.Emulator, tmp_path: Path
) -> None:
    """A successful `livelake prod` from an empty data dir: ingest (exit 3 kept: the
    sample world's bad files), promote, `dbt build --target prod` on the emulator, the
    headline read back from BigQuery, and every day of its mart_daily_kpis."""
    world, _ = generated
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "inbox").symlink_to(world / "inbox", target_is_directory=True)
    suffix = uuid.uuid4().hex[:8]
    env = patched_emulator.env() | {
        "LIVELAKE_BQ_RAW_DATASET": f"lake_{suffix}",
        "LIVELAKE_BQ_DATASET": f"livelake_{suffix}",
        "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "300",
        "LIVELAKE_BQ_TIMEOUT_SECONDS": "60",
        "LIVELAKE_DBT_THREADS": "2",
    }
    done = livelake(data_dir, "prod", env=env)
    assert done.returncode == EXIT_REJECTED, output(done)
    assert not (data_dir / "warehouse.duckdb").exists()  # nothing built on DuckDB
    headline = printed_headline(done.stdout)
    assert headline == expected_headline(world), output(done)

    # and every day of BigQuery's mart_daily_kpis, not only the one printed
    client = bigquery.Client(
        project=patched_emulator.project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=patched_emulator.endpoint),
    )
    try:
        mart = f"`{patched_emulator.project}.livelake_{suffix}_marts.mart_daily_kpis`"
        rows = [dict(row.items()) for row in client.query(f"select * from {mart}").result()]
    finally:
        client.close()
    got = [{k: v for k, v in row.items() if not k.startswith("_batch")} for row in rows]
    want = expected_daily_kpis(world)
    assert len(got) == len(want) == 28
    assert truth_kpis.diff_rows(got, want, ("date",)) == []

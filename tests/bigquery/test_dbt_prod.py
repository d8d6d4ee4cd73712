"""The production path, offline: the small world's lake promoted into a BigQuery API
emulator, `livelake build --target prod` (the real dbt-bigquery adapter, reaching
the emulator through the profile's api_endpoint with a dummy token) run twice, the
second incremental, and every mart equal to the dev (DuckDB) build's mart of the
same lake: the same rows, money to the cent, rates within 1e-9. Then a late
re-export lands, is promoted, both targets build incrementally and still agree.
Every compiled prod model and test is BigQuery SQL (sqlglot) with no DuckDB-only
function.

The emulator runs with the harness's patches (tests/bigquery/emulator/patched):
the defects dbt's SQL meets there, listed with their workarounds in
test_emulator_differences.py.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlglot
from google.cloud import bigquery

from ingest.run import RunReport
from livelake.headline import from_bigquery, from_serving
from settings.bigquery import BigQuerySettings
from simulator.direct_lake import report_days, resolved_world, write_correction
from tests.bigquery import emulator as bqemulator
from tests.bigquery.dialect import duckdb_only

pytestmark = pytest.mark.xdist_group("bigquery")  # one emulator, one worker

LIVELAKE = Path(sys.executable).with_name("livelake")
# The schemas dashboards and people read (DuckDB name -> BigQuery <dataset>_<name>).
MART_SCHEMAS = ("core", "marts")
# Bookkeeping, not content: which batch (re)built a row differs between a table
# rebuilt whole (BigQuery) and an incremental one (DuckDB).
BOOKKEEPING = {"_batch_run_id"}
# When the build ran, not what the lake says: two builds a minute apart differ.
BUILD_TIME = {"built_at_taipei", "hours_since_export"}
BUILD_TIMEOUT = 1500.0


@dataclass(frozen=True)
class World:
    data_dir: Path
    work: Path
    env: dict[str, str]  # the prod settings (emulator, datasets)
    dataset: str


def clean_environment() -> dict[str, str]:
    prefixes = ("LIVELAKE_", "GOOGLE_", "CLOUDSDK_", "DBT_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def livelake(
    world: World,
    *args: str,
    target_path: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = BUILD_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    env = clean_environment() | world.env | {"LIVELAKE_DATA_DIR": str(world.data_dir)} | (env or {})
    if target_path is not None:  # dbt's artefacts of this invocation, not the repo's
        env |= {"DBT_TARGET_PATH": str(target_path), "DBT_LOG_PATH": str(target_path / "logs")}
    started = time.monotonic()
    done = subprocess.run(
        [str(LIVELAKE), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    print(f"livelake {' '.join(args)}: exit {done.returncode} in {time.monotonic() - started:.0f}s")
    return done


def succeeded(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"{done.stdout[-12000:]}\n{done.stderr[-4000:]}"


@pytest.fixture(scope="module")
def world(
    small_lake: tuple[Path, RunReport],
    patched_emulator: bqemulator.Emulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    source, _ = small_lake
    work = tmp_path_factory.mktemp("dbt_prod")
    data_dir = work / "data"
    data_dir.mkdir()
    shutil.copytree(source / "lake", data_dir / "lake", symlinks=True)
    suffix = uuid.uuid4().hex[:8]
    dataset = f"livelake_{suffix}"
    env = patched_emulator.env() | {
        "LIVELAKE_BQ_RAW_DATASET": f"lake_{suffix}",
        "LIVELAKE_BQ_DATASET": dataset,
        "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "300",
        "LIVELAKE_BQ_TIMEOUT_SECONDS": "60",
        "LIVELAKE_DBT_THREADS": "2",
    }
    yield World(data_dir, work, env, dataset)


@pytest.fixture(scope="module")
def bq(patched_emulator: bqemulator.Emulator) -> Iterator[bigquery.Client]:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials

    client = bigquery.Client(
        project=patched_emulator.project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=patched_emulator.endpoint),
    )
    try:
        yield client
    finally:
        client.close()


# ---------------------------------------------------------------- comparing marts


def _cell(value: object) -> object:
    """One cell, comparable across engines: instants in UTC, money exact."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    if isinstance(value, Decimal):  # one spelling per value (scales differ by engine)
        return value.quantize(Decimal("1e-9"))
    return value


def _sort_key(row: tuple) -> tuple:
    """Rows ordered by everything but floats (which may differ in the last bits)."""
    return tuple("" if isinstance(v, float) else ("\0" if v is None else str(v)) for v in row)


def dev_marts(data_dir: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    marts: dict[str, tuple[list[str], list[tuple]]] = {}
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        con.execute("set timezone = 'UTC'")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {MART_SCHEMAS} and table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, name in tables:
            cursor = con.execute(f'select * from "{schema}"."{name}"')
            columns = [d[0] for d in cursor.description]
            keep = [i for i, c in enumerate(columns) if c not in BOOKKEEPING | BUILD_TIME]
            rows = [tuple(_cell(row[i]) for i in keep) for row in cursor.fetchall()]
            marts[f"{schema}.{name}"] = ([columns[i] for i in keep], rows)
    return marts


def prod_rows(bq: bigquery.Client, dataset: str, mart: str, columns: list[str]) -> list[tuple]:
    schema, name = mart.split(".")
    names = ", ".join(f"`{c}`" for c in columns)
    job = bq.query(f"select {names} from `{bq.project}.{dataset}_{schema}.{name}`", timeout=60)
    return [tuple(_cell(v) for v in row.values()) for row in job.result(timeout=300)]


def same_cell(dev: object, prod: object) -> bool:
    if isinstance(dev, float) or isinstance(prod, float):
        if dev is None or prod is None:
            return dev is prod
        return math.isclose(float(dev), float(prod), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(dev, Decimal) or isinstance(prod, Decimal):
        return dev is not None and prod is not None and Decimal(dev) == Decimal(prod)
    return dev == prod


def assert_marts_agree(bq: bigquery.Client, world: World) -> int:
    """Every dev mart equals its prod mart; returns how many marts were compared."""
    marts = dev_marts(world.data_dir)
    assert len(marts) > 20, sorted(marts)
    differing: list[str] = []
    for mart, (columns, dev) in sorted(marts.items()):
        prod = prod_rows(bq, world.dataset, mart, columns)
        if len(prod) != len(dev):
            differing.append(f"{mart}: {len(dev)} dev rows, {len(prod)} prod rows")
            continue
        for dev_row, prod_row in zip(
            sorted(dev, key=_sort_key), sorted(prod, key=_sort_key), strict=True
        ):
            if not all(same_cell(a, b) for a, b in zip(dev_row, prod_row, strict=True)):
                pairs = [
                    (c, a, b)
                    for c, a, b in zip(columns, dev_row, prod_row, strict=True)
                    if not same_cell(a, b)
                ]
                differing.append(f"{mart}: first differing row {pairs}")
                break
    assert not differing, "\n".join(differing)
    return len(marts)


# ---------------------------------------------------------------- the compiled SQL


def assert_compiled_sql_is_bigquery(target_path: Path) -> int:
    """Every compiled model and test and every statement dbt ran, as BigQuery."""
    files = [f for folder in ("compiled", "run") for f in (target_path / folder).rglob("*.sql")]
    assert len(files) > 100, len(files)
    problems: list[str] = []
    for file in files:
        text = file.read_text()
        try:
            statements = [s for s in sqlglot.parse(text, read="bigquery") if s is not None]
        except sqlglot.errors.ParseError as exc:
            problems.append(f"{file.relative_to(target_path)}: {str(exc)[:300]}")
            continue
        for statement in statements:
            if only := duckdb_only(statement, text):
                problems.append(f"{file.relative_to(target_path)}: DuckDB-only {sorted(only)}")
    assert not problems, "\n".join(problems[:40])
    return len(files)


def test_the_check_refuses_duckdb_only_sql() -> None:
    sql = "select strftime(d, '%Y') as y from read_parquet('x')"
    parsed = sqlglot.parse_one(sql, read="bigquery")
    assert duckdb_only(parsed) == {"strftime", "read_parquet"}
    assert not duckdb_only(
        sqlglot.parse_one("select date_trunc(d, isoweek) as w from t", read="bigquery")
    )


# ---------------------------------------------------------------- the harness's patches


def test_the_patched_emulator_runs_what_dbt_sends_as_bigquery_does(bq: bigquery.Client) -> None:
    """Each defect test_emulator_differences.py pins, fixed by emulator/patched."""

    def rows(sql: str) -> list[tuple]:
        return [tuple(r.values()) for r in bq.query(sql, timeout=30).result(timeout=60)]

    distinct = rows(
        "select array_agg(distinct x ignore nulls) as xs from unnest([1, 1, null, 2]) x"
    )
    assert sorted(distinct[0][0]) == [1, 2]
    script = (
        "declare a array<int64>; declare b int64; "
        "set (a, b) = (select as struct [1, 2], 3); select array_length(a) as n, b;"
    )
    assert rows(script) == [(2, 3)]
    assert rows("select date_trunc(date '2025-03-08', isoweek) as w") == [(dt.date(2025, 3, 3),)]
    assert rows("select cast('1234567890123.456789' as numeric) as x") == [
        (Decimal("1234567890123.456789000"),)
    ]


# ---------------------------------------------------------------- the proof


def test_prod_marts_equal_dev_twice_and_after_a_late_reexport(
    world: World, bq: bigquery.Client
) -> None:
    dev_target, prod_target = world.work / "dev", world.work / "prod"

    succeeded(livelake(world, "promote", "--json"))
    succeeded(livelake(world, "build", "--target", "dev", target_path=dev_target / "1"))
    first = livelake(world, "build", "--target", "prod", target_path=prod_target / "1")
    succeeded(first)
    compared = assert_marts_agree(bq, world)
    checked = assert_compiled_sql_is_bigquery(prod_target / "1")
    print(f"first build: {compared} marts agree; {checked} compiled files are BigQuery SQL")

    # The headline KPIs read from BigQuery (LIVELAKE_TARGET=prod) are dev's.
    settings = BigQuerySettings(
        project=world.env["LIVELAKE_GCP_PROJECT"],
        location="asia-east1",
        raw_dataset=world.env["LIVELAKE_BQ_RAW_DATASET"],
        api_endpoint=world.env["LIVELAKE_BQ_API_ENDPOINT"],
        request_timeout=60,
        job_timeout=300,
        dataset=world.dataset,
    )
    on_prod, on_dev = from_bigquery(settings), from_serving(world.data_dir / "warehouse.duckdb")
    assert on_prod and on_dev and on_prod.keys() == on_dev.keys()
    assert all(same_cell(_cell(on_dev[k]), _cell(on_prod[k])) for k in on_dev), (on_dev, on_prod)
    printed = livelake(world, "kpis", env={"LIVELAKE_TARGET": "prod"})
    succeeded(printed)
    assert f"headline KPIs for {on_dev['date']}" in printed.stdout

    # The dry run prices every model: BigQuery's figure (0 on the emulator) and the
    # estimate from its strategy and the sizes of what it reads: a merge reads its
    # own table, so a base model's estimate is never 0.
    priced = livelake(world, "build", "--target", "prod", "--dry-run")
    succeeded(priced)
    assert "dry run" in priced.stdout and "estimate" in priced.stdout
    top_up = next(line for line in priced.stdout.splitlines() if "base_lake__top_up" in line)
    cells = [cell.strip() for cell in top_up.split("│")]
    assert cells[4] == "merge" and cells[5] not in ("0", "—"), top_up

    # Again, nothing new: the incremental models find nothing to do, the marts stay.
    second = livelake(world, "build", "--target", "prod", target_path=prod_target / "2")
    succeeded(second)
    assert_marts_agree(bq, world)

    # A late re-export of an old day: a new run, promoted, both targets incremental.
    lake_world = resolved_world("small", 42)
    write_correction(world.data_dir / "lake", lake_world, report_days(lake_world)[3])
    succeeded(livelake(world, "promote", "--json"))
    succeeded(livelake(world, "build", "--target", "dev", target_path=dev_target / "3"))
    succeeded(livelake(world, "build", "--target", "prod", target_path=prod_target / "3"))
    assert_marts_agree(bq, world)
    assert_compiled_sql_is_bigquery(prod_target / "3")

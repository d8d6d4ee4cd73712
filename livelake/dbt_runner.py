"""Run the dbt project in `transform/` the way every entry point does.

One place sets the project and profiles directories, the data directory and the
target, so every dbt run is the same dbt: `livelake build` and `livelake run` (what
the Makefile and the Airflow DAG, dags/livelake_daily.py, call), the benchmarks, the
SQL lint and the tests. The prod (BigQuery) target is checked before dbt starts (a
project and credentials, the way `livelake promote` checks them: `check_prod`), and
every prod dbt call is bounded by a timeout (LIVELAKE_BQ_BUILD_TIMEOUT_SECONDS): with
unusable credentials or a frozen endpoint dbt could hang instead of failing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from settings.paths import MEMORY_LIMIT_VARIABLE, Paths, memory_limit

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = REPO_ROOT / "transform"
# A daily build (`livelake build`, so the Airflow DAG's build; the benchmark) leaves
# unit tests out, as dbt advises: their inputs are fixtures, so they prove the SQL, not
# the day's data, and each sits on its model's critical path. They run in `make test`
# (every full `dbt build` of tests/transform) and with `livelake build --unit-tests`.
DAILY_BUILD = ("build", "--exclude-resource-type", "unit_test")
FULL_REFRESH = "--full-refresh"


def builds_from_scratch(args: list[str], data_dir: Path) -> bool:
    """Whether `dbt <args>` rebuilds every table: `--full-refresh`, or no warehouse yet
    (the first build). It has the full memory limit; any other run is incremental and
    has the smaller one (settings.paths.memory_limit)."""
    return FULL_REFRESH in args or not Paths(data_dir).warehouse.exists()


def check_prod() -> None:
    """Fail at once, naming what to set, when BigQuery has no project or no credentials.

    promote's check (settings.bigquery_client.connect): the project, then an emulator endpoint or
    google.auth's default credentials; no request is made. Without it dbt would call
    google.auth.default() itself while loading the profile, or hang on a bad endpoint.
    Raises settings.bigquery_client.NotConfiguredError."""
    from settings.bigquery import BigQuerySettings
    from settings.bigquery_client import connect

    connect(BigQuerySettings.from_env()).close()


def dbt_executable() -> Path:
    return Path(sys.executable).with_name("dbt")


def dbt_invocation(
    args: list[str],
    *,
    data_dir: Path,
    target: str = "dev",
    work_dir: Path | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command and environment of `dbt <args>` on the project.

    DuckDB's memory limit is the full build's for a build from scratch, else an
    incremental run's (`builds_from_scratch`). `work_dir` gives the run its own
    target/ and logs/ (tests and benchmarks run
    several builds at once, and must not share dbt's artefacts or partial parse;
    each work dir keeps its own partial parse, as a daily run does).
    """
    env = {
        **os.environ,
        "LIVELAKE_DATA_DIR": str(data_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        # What profiles.yml gives DuckDB (the dev target).
        MEMORY_LIMIT_VARIABLE: memory_limit(incremental=not builds_from_scratch(args, data_dir)),
    }
    command = [
        str(dbt_executable()),
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target",
        target,
    ]
    if work_dir is not None:
        command += ["--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
    return command, env


def run_dbt(
    args: list[str],
    *,
    data_dir: Path,
    target: str = "dev",
    timeout: float | None = None,
    pass_fds: tuple[int, ...] = (),
) -> int:
    """Run `dbt <args>`; returns dbt's exit code (124 when the timeout ended it).

    `pass_fds` go to the dbt process: the build passes its warehouse lock, so the
    lock lives as long as dbt does, even if `livelake build` itself is killed."""
    command, env = dbt_invocation(args, data_dir=data_dir, target=target)
    if timeout is None and target != "dev":
        from settings.bigquery import BigQuerySettings

        timeout = BigQuerySettings.from_env().build_timeout
    try:
        process = subprocess.run(
            command, env=env, cwd=REPO_ROOT, timeout=timeout, pass_fds=pass_fds
        )
        return process.returncode
    except subprocess.TimeoutExpired:
        print(f"dbt {' '.join(args)} --target {target} timed out after {timeout}s", file=sys.stderr)
        return 124

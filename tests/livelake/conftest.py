"""The command line end to end: one world written by `livelake generate`, shared by
the tests of the commands that read it (one xdist group, so one worker makes it).

The BigQuery emulator is tests/bigquery's fixture (one per session and worker)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.bigquery.conftest import patched_emulator  # noqa: F401 - the emulator fixture

REPO = Path(__file__).resolve().parents[2]
LIVELAKE = Path(sys.executable).with_name("livelake")
COMMAND_TIMEOUT = 1800.0


def livelake(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`livelake <args>` as a real process on data_dir: no settings inherited from the
    caller's environment, dbt's artefacts beside data_dir (never the repo's target/)."""
    prefixes = ("LIVELAKE_", "GOOGLE_", "CLOUDSDK_", "DBT_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    work = data_dir.parent / f"dbt-{args[0]}-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    done = subprocess.run(
        [str(LIVELAKE), *args],
        env=base
        | {
            "LIVELAKE_DATA_DIR": str(data_dir),
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
        }
        | (env or {}),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    print(f"livelake {' '.join(args)}: exit {done.returncode} in {time.monotonic() - started:.0f}s")
    return done


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """A data dir whose inbox and truth `livelake generate` wrote (the small world)."""
    data_dir = tmp_path_factory.mktemp("commands") / "data"
    data_dir.mkdir()
    return data_dir, livelake(data_dir, "generate")


@pytest.fixture(scope="session")
def first_run(generated) -> subprocess.CompletedProcess:
    """`livelake run` on the generated inbox: ingest, build, publish, KPIs."""
    data_dir, done = generated
    assert done.returncode == 0, done.stderr[-4000:]
    return livelake(data_dir, "run")


@pytest.fixture(scope="session")
def second_run(generated, first_run) -> subprocess.CompletedProcess:
    """`livelake run` again on the same inbox: nothing new to ingest."""
    return livelake(generated[0], "run")

"""`make prod` / `livelake prod` and `livelake build --target prod` fail fast and never
hang: without a project or credentials they exit 2 within seconds naming what to
set, before dbt starts; with a frozen endpoint (the emulator SIGSTOPped) the dbt
call is cut by its timeout (LIVELAKE_BQ_BUILD_TIMEOUT_SECONDS).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bigquery import emulator as bqemulator

pytestmark = pytest.mark.xdist_group("bigquery")

REPO = Path(__file__).resolve().parents[2]
LIVELAKE = Path(sys.executable).with_name("livelake")


def run(
    command: list[str], data_dir: Path, env: dict[str, str], timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], float]:
    prefixes = ("LIVELAKE_", "GOOGLE_", "CLOUDSDK_", "DBT_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    started = time.monotonic()
    done = subprocess.run(
        command,
        env=base | {"LIVELAKE_DATA_DIR": str(data_dir)} | env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.monotonic() - started


def no_credentials(tmp_path: Path) -> dict[str, str]:
    """No key file, no application default credentials (an empty HOME and gcloud config)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "CLOUDSDK_CONFIG": str(home / "gcloud")}


@pytest.mark.parametrize(
    "command",
    [
        ["make", "-o", "setup", "prod"],
        [str(LIVELAKE), "build", "--target", "prod"],
        [str(LIVELAKE), "build", "--target", "prod", "--dry-run"],
    ],
    ids=["make-prod", "build", "dry-run"],
)
def test_without_a_project_it_fails_within_seconds_naming_it(
    command: list[str], tmp_path: Path
) -> None:
    done, seconds = run(command, tmp_path, no_credentials(tmp_path))
    assert done.returncode != 0
    assert "no BigQuery project: set LIVELAKE_GCP_PROJECT" in done.stderr, done.stderr[-2000:]
    assert seconds < 30, seconds
    assert not (tmp_path / "lake").exists()  # it stopped before the ingest


def test_without_credentials_it_fails_within_seconds_naming_them(tmp_path: Path) -> None:
    env = no_credentials(tmp_path) | {"LIVELAKE_GCP_PROJECT": "livelake-prod"}
    done, seconds = run([str(LIVELAKE), "prod"], tmp_path, env)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "GOOGLE_APPLICATION_CREDENTIALS" in done.stderr
    assert "application default credentials" in done.stderr
    assert seconds < 30, seconds
    print(f"no credentials: failed in {seconds:.1f}s")


def test_kpis_on_prod_without_a_project_names_it(tmp_path: Path) -> None:
    done, seconds = run(
        [str(LIVELAKE), "kpis"], tmp_path, no_credentials(tmp_path) | {"LIVELAKE_TARGET": "prod"}
    )
    assert done.returncode == 2 and "LIVELAKE_GCP_PROJECT" in done.stderr, done.stderr
    assert seconds < 30


def test_an_unknown_target_is_refused(tmp_path: Path) -> None:
    done, _ = run([str(LIVELAKE), "build"], tmp_path, {"LIVELAKE_TARGET": "staging"})
    assert done.returncode == 2 and "dev or prod" in done.stderr


def test_a_frozen_endpoint_is_cut_by_the_build_timeout(
    emulator: bqemulator.Emulator, tmp_path: Path
) -> None:
    env = emulator.env() | {
        "LIVELAKE_BQ_BUILD_TIMEOUT_SECONDS": "25",
        "LIVELAKE_BQ_DATASET": "frozen",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    with bqemulator.frozen(emulator):
        done, seconds = run([str(LIVELAKE), "build", "--target", "prod"], tmp_path, env, 120)
    assert done.returncode == 124, done.stderr[-2000:]
    assert "timed out after 25" in done.stderr
    assert seconds < 60, seconds
    print(f"frozen endpoint: cut after {seconds:.1f}s")

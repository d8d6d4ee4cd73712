"""Superset's BigQuery jobs carry dbt's bounds: `maximum_bytes_billed` and a job timeout,
from the same variables, with the defaults transform/profiles.yml gives dbt's prod target
(dashboards/livelake_dashboards/bigquery_client.py builds the client in Superset's venv;
here, the client its DB_CONNECTION_MUTATOR hands sqlalchemy-bigquery)."""

from __future__ import annotations

import json
import os
import subprocess

import jinja2
import pytest
import yaml

from livelake.dbt_runner import PROJECT_DIR
from tests.dashboards.superset_server import DASHBOARDS_DIR, REPO_ROOT

BOUND_VARIABLES = ("LIVELAKE_BQ_MAXIMUM_BYTES_BILLED", "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS")
CLIENT_JOB_CONFIGS = """
import json, os, sys
from sqlalchemy.engine.url import make_url
from livelake_dashboards.bigquery_client import mutate_connection

configs = []
for env in json.loads(sys.argv[1]):
    os.environ.update(env)
    uri, params = mutate_connection(make_url("bigquery://a-project?location=asia-east1"), {})
    job = params["connect_args"]["client"].default_query_job_config.to_api_repr()
    configs.append({"query": dict(uri.query), "job": job})
print(json.dumps(configs))
"""
SET = {"LIVELAKE_BQ_MAXIMUM_BYTES_BILLED": "12345", "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "42"}


@pytest.fixture(scope="module")
def client_configs() -> list[dict]:
    """The mutated URI's query and the client's default job config, in Superset's venv:
    with the bound variables unset, then set."""
    base = {k: v for k, v in os.environ.items() if k not in BOUND_VARIABLES}
    done = subprocess.run(
        [
            str(REPO_ROOT / ".venv-superset" / "bin" / "python"),
            "-c",
            CLIENT_JOB_CONFIGS,
            json.dumps([{}, SET]),
        ],
        # an endpoint: anonymous credentials, so no credentials are looked for here
        env={
            **base,
            "PYTHONPATH": str(DASHBOARDS_DIR),
            "LIVELAKE_BQ_API_ENDPOINT": "http://127.0.0.1:9",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def dbt_prod_bounds() -> tuple[str, str]:
    """maximum_bytes_billed and job_execution_timeout_seconds as dbt renders its prod
    target with none of the variables set."""
    prod = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["livelake"]["outputs"]["prod"]

    def env_var(_name: str, default: str) -> str:
        return default

    return tuple(
        jinja2.Template(str(prod[key])).render(env_var=env_var)
        for key in ("maximum_bytes_billed", "job_execution_timeout_seconds")
    )


def test_jobs_carry_the_bounds_the_environment_sets(client_configs: list[dict]) -> None:
    config = client_configs[1]
    assert config["job"] == {"query": {"maximumBytesBilled": "12345"}, "jobTimeoutMs": "42000"}
    assert config["query"] == {"location": "asia-east1", "user_supplied_client": "true"}


def test_unset_the_bounds_are_dbts_defaults(client_configs: list[dict]) -> None:
    maximum_bytes_billed, timeout_seconds = dbt_prod_bounds()
    assert maximum_bytes_billed == str(100 * 1024**3)  # what the README promises
    config = client_configs[0]
    assert config["job"] == {
        "query": {"maximumBytesBilled": maximum_bytes_billed},
        "jobTimeoutMs": str(int(timeout_seconds) * 1000),
    }

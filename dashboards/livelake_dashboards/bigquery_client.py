"""The BigQuery client Superset's queries run on: bounded as dbt's jobs are, and sent to
another API endpoint (the tests' emulator) when LIVELAKE_BQ_API_ENDPOINT is set.

Every query job carries `maximum_bytes_billed` and a job timeout, the values dbt's prod
target uses (LIVELAKE_BQ_MAXIMUM_BYTES_BILLED, LIVELAKE_BQ_JOB_TIMEOUT_SECONDS). They are
read from where dbt reads them, transform/profiles.yml, rendered as dbt renders it
(`env_var(name, default)`), so the defaults live in one place. sqlalchemy-bigquery takes
neither a job timeout from its URL nor an endpoint, so Superset's DB_CONNECTION_MUTATOR
hands the driver a client of our own (`user_supplied_client=true`) whose default job
config holds both bounds. Credentials are found as the driver finds them
(GOOGLE_APPLICATION_CREDENTIALS, else application default credentials); against the
emulator, anonymous ones. The client is built once per process (Superset builds an
engine per query): credentials are loaded once, not per chart.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from sqlalchemy.engine.url import URL

ENDPOINT_VARIABLE = "LIVELAKE_BQ_API_ENDPOINT"
PROFILES = Path(__file__).resolve().parents[2] / "transform" / "profiles.yml"


@dataclass(frozen=True)
class JobBounds:
    maximum_bytes_billed: int
    job_timeout_seconds: int


class _MissingVariable(KeyError):
    pass


def job_bounds(env: Mapping[str, str] = os.environ, profiles: Path = PROFILES) -> JobBounds:
    """dbt's prod bounds as dbt would render them in this environment."""
    prod = yaml.safe_load(profiles.read_text())["livelake"]["outputs"]["prod"]

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise _MissingVariable(name)
        return default

    def render(key: str) -> int:
        return int(jinja2.Template(str(prod[key])).render(env_var=env_var))

    return JobBounds(
        maximum_bytes_billed=render("maximum_bytes_billed"),
        job_timeout_seconds=render("job_execution_timeout_seconds"),
    )


@functools.lru_cache(maxsize=8)
def _client(project: str | None, location: str | None, endpoint: str | None, bounds: JobBounds):
    from google.cloud import bigquery

    options: dict[str, Any] = {}
    if endpoint:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials

        options = {
            "credentials": AnonymousCredentials(),
            "client_options": ClientOptions(api_endpoint=endpoint),
        }
    job_config = bigquery.QueryJobConfig(
        maximum_bytes_billed=bounds.maximum_bytes_billed,
        job_timeout_ms=bounds.job_timeout_seconds * 1000,
    )
    return bigquery.Client(
        project=project, location=location, default_query_job_config=job_config, **options
    )


def mutate_connection(
    uri: URL, params: dict[str, Any], *_context: object
) -> tuple[URL, dict[str, Any]]:
    """Superset's DB_CONNECTION_MUTATOR: (uri, create_engine kwargs) for one engine."""
    if uri.get_backend_name() != "bigquery":
        return uri, params
    client = _client(
        uri.host or None,
        uri.query.get("location"),
        os.environ.get(ENDPOINT_VARIABLE) or None,
        job_bounds(),
    )
    connect_args = {**params.get("connect_args", {}), "client": client}
    uri = uri.update_query_dict({"user_supplied_client": "true"})
    return uri, {**params, "connect_args": connect_args}

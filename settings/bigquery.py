"""Where production lives on BigQuery, and how long any call may take.

Every setting comes from the environment (.env.example lists them; a blank variable
is an unset one); the emulator the tests use is reached through
LIVELAKE_BQ_API_ENDPOINT. These are the defaults: transform/profiles.yml and the
dashboards' warehouse.py repeat them, held to these by tests/settings/test_target.py.
Reading them needs no Google library: the client built from them is in settings.bigquery_client.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from settings.env import positive_number

GCP_PROJECT_VARIABLE = "LIVELAKE_GCP_PROJECT"


@dataclass(frozen=True)
class BigQuerySettings:
    """Where production lives and how long any BigQuery call may take.

    `request_timeout` bounds each HTTP request (and its retries together); `job_timeout`
    bounds the wait for one job (a load, a transaction). Both are finite, so a frozen
    endpoint fails the command instead of hanging it."""

    project: str | None
    location: str
    raw_dataset: str
    api_endpoint: str | None
    request_timeout: float
    job_timeout: float
    # The models' dataset (dbt's target dataset; marts in <dataset>_marts and _core).
    dataset: str = "livelake"
    # A whole prod `dbt` call (`livelake build --target prod`): a frozen endpoint or
    # a stuck job ends it with exit 124 instead of hanging the schedule.
    build_timeout: float = 1800.0

    @classmethod
    def from_env(cls) -> BigQuerySettings:
        env = os.environ
        return cls(
            project=env.get(GCP_PROJECT_VARIABLE, "").strip() or None,
            location=env.get("LIVELAKE_BQ_LOCATION", "").strip() or "asia-east1",
            raw_dataset=env.get("LIVELAKE_BQ_RAW_DATASET", "").strip() or "lake",
            api_endpoint=env.get("LIVELAKE_BQ_API_ENDPOINT") or None,
            request_timeout=positive_number("LIVELAKE_BQ_TIMEOUT_SECONDS", 30, unit="seconds"),
            job_timeout=positive_number("LIVELAKE_BQ_JOB_TIMEOUT_SECONDS", 600, unit="seconds"),
            dataset=env.get("LIVELAKE_BQ_DATASET", "").strip() or "livelake",
            build_timeout=positive_number(
                "LIVELAKE_BQ_BUILD_TIMEOUT_SECONDS", 1800, unit="seconds"
            ),
        )

    def marts_dataset(self, schema: str = "marts") -> str:
        """Where dbt builds a custom schema on BigQuery (macros/generate_schema_name.sql)."""
        return f"{self.dataset}_{schema}"

"""A BigQuery client from the settings, and the bounds every call of it runs under.

One client for the whole product: `livelake promote` loads with it, `livelake build
--target prod` checks with it before dbt starts, `livelake kpis` and the prod dry-run
query with it.

Without a project or credentials it fails at once with what to set, before any
request: `google.auth.default()` is asked only when no emulator endpoint is given,
and its failure is translated. Every call passes `timeout` (one HTTP request) and a
`retry` whose deadline is finite, so a frozen endpoint fails the command within
`request_timeout` and a retry budget, never hangs.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.api_core.client_options import ClientOptions
from google.api_core.retry import Retry
from google.cloud import bigquery

from settings.bigquery import GCP_PROJECT_VARIABLE, BigQuerySettings

_CREDENTIALS_HINT = (
    "set GOOGLE_APPLICATION_CREDENTIALS to a service account's key file, or sign in with "
    "application default credentials (`gcloud auth application-default login`)"
)


class NotConfiguredError(RuntimeError):
    """No project, or no credentials: the message names what to set."""


@dataclass(frozen=True)
class Bounds:
    """The timeout and retry every BigQuery call of one command passes."""

    request_timeout: float  # seconds, one HTTP request
    job_timeout: float  # seconds, waiting for one job
    retry: Retry  # transient errors retried, within the request budget


def bounds(settings: BigQuerySettings) -> Bounds:
    # Retries of one call together may take a few requests' time, no more.
    retry = bigquery.DEFAULT_RETRY.with_timeout(settings.request_timeout * 3)
    return Bounds(settings.request_timeout, settings.job_timeout, retry)


def connect(settings: BigQuerySettings) -> bigquery.Client:
    """A client for `settings.project`; an emulator endpoint needs no credentials."""
    if not settings.project:
        raise NotConfiguredError(
            f"no BigQuery project: set {GCP_PROJECT_VARIABLE} (and credentials: "
            f"{_CREDENTIALS_HINT})"
        )
    options = ClientOptions(api_endpoint=settings.api_endpoint) if settings.api_endpoint else None
    if settings.api_endpoint:
        from google.auth.credentials import AnonymousCredentials

        credentials = AnonymousCredentials()
    else:
        credentials = _default_credentials()
    return bigquery.Client(
        project=settings.project,
        credentials=credentials,
        location=settings.location,
        client_options=options,
    )


def _default_credentials():  # noqa: ANN202 - google.auth's Credentials, untyped there
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/bigquery"])
    except DefaultCredentialsError as exc:
        raise NotConfiguredError(f"no Google Cloud credentials: {_CREDENTIALS_HINT}") from exc
    return credentials

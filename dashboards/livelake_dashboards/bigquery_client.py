"""Superset's BigQuery connections sent to another API endpoint: the tests' emulator.

sqlalchemy-bigquery builds its client without `client_options`, so it always calls
bigquery.googleapis.com with real credentials. When LIVELAKE_BQ_API_ENDPOINT is set
(the variable `livelake promote` and dbt honour for the emulator), Superset's
DB_CONNECTION_MUTATOR hands the driver a client of our own instead
(`user_supplied_client=true`): pointed at that endpoint, with anonymous
credentials. Unset, as in production, connections are left exactly as they are.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.engine.url import URL

ENDPOINT_VARIABLE = "LIVELAKE_BQ_API_ENDPOINT"


def mutate_connection(
    uri: URL, params: dict[str, Any], *_context: object
) -> tuple[URL, dict[str, Any]]:
    """Superset's DB_CONNECTION_MUTATOR: (uri, create_engine kwargs) for one engine."""
    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if not endpoint or uri.get_backend_name() != "bigquery":
        return uri, params
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    client = bigquery.Client(
        project=uri.host,
        credentials=AnonymousCredentials(),
        location=uri.query.get("location"),
        client_options=ClientOptions(api_endpoint=endpoint),
    )
    connect_args = {**params.get("connect_args", {}), "client": client}
    uri = uri.update_query_dict({"user_supplied_client": "true"})
    return uri, {**params, "connect_args": connect_args}

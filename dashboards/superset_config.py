"""Superset's configuration for livelake (loaded through SUPERSET_CONFIG_PATH), the one
both `make dashboards` and the container (docker/Dockerfile's superset stage) run.

The launcher (`livelake_dashboards`) sets LIVELAKE_SUPERSET_HOME (the world's
`data/superset/`, the container's `/app/superset_home`) and LIVELAKE_DATA_DIR (where
the serving copy is): the metadata database, the SECRET_KEY, the results cache and
the log live in the home, never in git. The container's environment overrides the
two that live elsewhere there: SUPERSET_DATABASE_URI (the metadata on PostgreSQL) and
SUPERSET_SECRET_KEY (from .env). Each gunicorn worker keeps the serving copy open,
read-only, while it is the same file and reopens it after a publish
(serving_connection.py); answers are cached under the copy they came from, so a
publish invalidates them (results_cache.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from livelake_dashboards import bigquery_client, defaults, serving_connection
from livelake_dashboards.event_log import LogEventLogger
from livelake_dashboards.results_cache import SERVING_PATH_KEY
from livelake_dashboards.security import LivelakeSecurityManager
from livelake_dashboards.warehouse import TargetError, Warehouse
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

_HOME = Path(os.environ["LIVELAKE_SUPERSET_HOME"])
_DATA_DIR = Path(os.environ.get("LIVELAKE_DATA_DIR") or _HOME.parent)

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = (
    os.environ.get("SUPERSET_DATABASE_URI") or f"sqlite:///{_HOME / 'superset.db'}"
)
DATA_DIR = str(_HOME)
if SQLALCHEMY_DATABASE_URI.startswith("sqlite:"):
    # SQLAlchemy 1.4 gives a SQLite file NullPool: a connection opened and closed (and,
    # in WAL mode, checkpointed) several times per request. Pool them, as SQLAlchemy 2
    # does. (PostgreSQL keeps Superset's own pool.)
    SQLALCHEMY_ENGINE_OPTIONS = {
        "poolclass": QueuePool,
        "connect_args": {"check_same_thread": False},
    }

FEATURE_FLAGS = {
    "DRILL_TO_DETAIL": True,
    "DASHBOARD_NATIVE_FILTERS": True,
    "ENABLE_TEMPLATE_PROCESSING": False,
    "THUMBNAILS": False,
    "ALERT_REPORTS": False,
}

# Money is New Taiwan dollars: the D3 currency format `$,.0f` renders NT$1,234.
D3_FORMAT = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["NT$", ""]}
CURRENCIES = ["TWD"]
DEFAULT_TIME_FILTER = "No filter"


def _warehouse() -> Warehouse | None:
    """The warehouse this world's dashboards read."""
    try:
        return Warehouse.from_env(_DATA_DIR)
    except TargetError:  # `up` has refused to start already and says why
        return None


_WAREHOUSE = _warehouse()
# The DuckDB serving copy this world's dashboards read (None on BigQuery).
_SERVING = _WAREHOUSE.serving_path if _WAREHOUSE else None
# Chart answers cached under the serving copy they came from (results_cache.py): a second
# viewer never waits for DuckDB, a publish makes every older answer unreachable. The
# timeout and threshold only bound the disk; freshness is the copy's identity. On
# BigQuery nothing is cached here: BigQuery's own results cache (free, 24 h) is dropped
# whenever a table changes.
DATA_CACHE_CONFIG = (
    {
        "CACHE_TYPE": "livelake_dashboards.results_cache.ServingCopyCache",
        "CACHE_DIR": str(_HOME / "results"),
        SERVING_PATH_KEY: str(_SERVING),
        "CACHE_DEFAULT_TIMEOUT": 86400,
        "CACHE_THRESHOLD": 2000,
    }
    if _SERVING
    else {"CACHE_TYPE": "NullCache"}
)
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}


def _mutate_connection(uri: Any, params: dict[str, Any], *context: object) -> Any:
    """Every analytics engine Superset builds: a read-only DuckDB file takes its
    connections from the worker's open serving copy; BigQuery gets its client (bounds,
    and LIVELAKE_BQ_API_ENDPOINT when set). Each leaves other databases as they are."""
    for mutate in (serving_connection.mutate_connection, bigquery_client.mutate_connection):
        uri, params = mutate(uri, params, *context)
    return uri, params


DB_CONNECTION_MUTATOR = _mutate_connection
serving_connection.add_reserved_words_once()
# Every query on the warehouse in superset.log, with the serving copy it read.
QUERY_LOGGER = serving_connection.log_query
# Every event (a chart's data asked, a dashboard opened) a line in superset.log, not a
# committed row in the metadata database per request (event_log.py).
EVENT_LOGGER = LogEventLogger()
# The same permission look-ups on every request remembered for a few seconds per worker
# (security.py): a cached answer no longer asks the metadata database about them.
CUSTOM_SECURITY_MANAGER = LivelakeSecurityManager


def FLASK_APP_MUTATOR(app: Flask) -> None:  # noqa: N802 - Superset's name
    """Each request starts with no serving copy read yet (results_cache.py stores a
    forced refresh's answer under the copy its request read); a dashboard opened after
    a publish or an import first gets its default date range set for the copy the
    serving path names now (defaults.py)."""
    app.before_request(serving_connection.start_request)
    if _WAREHOUSE is not None:
        app.before_request(defaults.Keeper(_SERVING, _WAREHOUSE))


ROW_LIMIT = 50000
SUPERSET_WEBSERVER_TIMEOUT = 60
SQLLAB_TIMEOUT = 60
# Local, single-host serving: no talisman HTTPS redirects, no outbound calls.
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
RATELIMIT_ENABLED = False
WTF_CSRF_ENABLED = True


@event.listens_for(Engine, "connect")
def _sqlite_wal(dbapi_connection: object, _record: object) -> None:
    """The metadata database in WAL mode, synced at checkpoints only.

    Superset logs every request into its metadata database; with SQLite's default
    (a journal flushed to disk per commit) those commits were a quarter of each
    chart's answer time. WAL also lets the gunicorn workers read while one writes.
    Losing the last log rows on a power cut is acceptable; the metadata itself is
    re-imported by `make dashboards`.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("pragma journal_mode = wal")
        cursor.execute("pragma synchronous = normal")
        cursor.close()

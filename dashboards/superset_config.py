"""Superset's configuration for livelake (loaded through SUPERSET_CONFIG_PATH).

The launcher (`livelake_dashboards`) sets LIVELAKE_SUPERSET_HOME to the world's
`data/superset/`: the metadata database, the SECRET_KEY and the log live there,
never in git. Query results are not cached, so every chart reads the newest serving
copy (each query opens a new read-only DuckDB connection: Superset's NullPool).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from livelake_dashboards.bigquery_endpoint import mutate_connection
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

_HOME = Path(os.environ["LIVELAKE_SUPERSET_HOME"])

SECRET_KEY = (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"
DATA_DIR = str(_HOME)
# SQLAlchemy 1.4 gives a SQLite file NullPool: a connection opened and closed (and,
# in WAL mode, checkpointed) several times per request. Pool them, as SQLAlchemy 2 does.
SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}

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

# No result cache: an answer always comes from the serving copy as it is now.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}

# BigQuery connections go to LIVELAKE_BQ_API_ENDPOINT when it is set (the emulator).
DB_CONNECTION_MUTATOR = mutate_connection

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

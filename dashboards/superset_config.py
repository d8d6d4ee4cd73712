"""Superset's configuration for livelake (loaded through SUPERSET_CONFIG_PATH).

The launcher (`livelake_dashboards`) sets LIVELAKE_SUPERSET_HOME to the world's
`data/superset/`: the metadata database, the SECRET_KEY and the log live there,
never in git. Query results are not cached, so every chart reads the newest serving
copy (each query opens a new read-only DuckDB connection: Superset's NullPool).
"""

from __future__ import annotations

import os
from pathlib import Path

_HOME = Path(os.environ["LIVELAKE_SUPERSET_HOME"])

SECRET_KEY = (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"
DATA_DIR = str(_HOME)

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

ROW_LIMIT = 50000
SUPERSET_WEBSERVER_TIMEOUT = 60
SQLLAB_TIMEOUT = 60
# Local, single-host serving: no talisman HTTPS redirects, no outbound calls.
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
RATELIMIT_ENABLED = False
WTF_CSRF_ENABLED = True

"""Superset's configuration in the container (docker/Dockerfile's superset stage): the
metadata on PostgreSQL and the secret key from the environment (.env), the rest as
dashboards/superset_config.py has it for `make dashboards` (no result cache, so every
chart reads the newest serving copy; NT$ money)."""

from __future__ import annotations

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]

FEATURE_FLAGS = {
    "DRILL_TO_DETAIL": True,
    "DASHBOARD_NATIVE_FILTERS": True,
    "ENABLE_TEMPLATE_PROCESSING": False,
    "THUMBNAILS": False,
    "ALERT_REPORTS": False,
}
D3_FORMAT = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["NT$", ""]}
CURRENCIES = ["TWD"]
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
ROW_LIMIT = 50000
SUPERSET_WEBSERVER_TIMEOUT = 60
SQLLAB_TIMEOUT = 60
WTF_CSRF_ENABLED = True

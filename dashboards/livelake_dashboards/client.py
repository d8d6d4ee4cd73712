"""A small REST client for Superset: log in, import assets, manage roles and users.

Everything `make dashboards` changes in a running Superset goes through its REST
API as the admin (the assets import is the only way that updates existing charts,
datasets and dashboards in place); the tests and the benchmark use it to ask for
chart data the way the frontend does.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests

TIMEOUT = 120


class SupersetError(RuntimeError):
    pass


class SupersetClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Referer"] = self.base_url

    def login(self, username: str, password: str) -> SupersetClient:
        response = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": True},
            timeout=TIMEOUT,
        )
        if response.status_code != 200:
            raise SupersetError(f"login as {username} failed: {response.status_code}")
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.request("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers["X-CSRFToken"] = csrf
        return self

    def login_form(self, username: str, password: str) -> SupersetClient:
        """Log in as the browser does (a session cookie): the views outside /api/v1
        (drill to detail's /datasource/samples) take no bearer token."""
        page = self.session.get(f"{self.base_url}/login/", timeout=TIMEOUT)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page.text
        )
        if match is None:
            raise SupersetError("no csrf token on the login page")
        response = self.session.post(
            f"{self.base_url}/login/",
            data={"csrf_token": match.group(1), "username": username, "password": password},
            timeout=TIMEOUT,
        )
        if response.status_code >= 400 or "/login" in response.url:
            raise SupersetError(f"form login as {username} failed: {response.status_code}")
        self.session.headers["X-CSRFToken"] = match.group(1)
        return self

    def raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, f"{self.base_url}{path}", **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.raw(method, path, **kwargs)
        if response.status_code >= 400:
            raise SupersetError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json() if response.content else None

    def list_all(self, resource: str, filters: list[dict[str, Any]] | None = None) -> list[dict]:
        """Every row of a list endpoint, page by page (rison query)."""
        rows: list[dict] = []
        page = 0
        while True:
            query = {"page": page, "page_size": 100, "filters": filters or []}
            result = self.request("GET", f"/api/v1/{resource}/", params={"q": rison(query)})
            rows.extend(result["result"])
            if len(rows) >= result["count"] or not result["result"]:
                return rows
            page += 1

    # ---------------------------------------------------------------- assets
    def import_assets(self, bundle: bytes) -> None:
        self.request(
            "POST",
            "/api/v1/assets/import/",
            files={"bundle": ("livelake_assets.zip", bundle, "application/zip")},
            data={"overwrite": "true", "passwords": json.dumps({})},
        )

    def chart_data(self, chart_id: int, force: bool = True) -> requests.Response:
        """The chart's saved query, run now (force: past any cache)."""
        suffix = "?force=true" if force else ""
        return self.raw("GET", f"/api/v1/chart/{chart_id}/data/{suffix}")


def rison(value: Any) -> str:
    """Encode the small subset of rison Superset's list endpoints need."""
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if value is None:
        return "!n"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        escaped = value.replace("!", "!!").replace("'", "!'")
        return f"'{escaped}'"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(item) for item in value) + ")"
    if isinstance(value, dict):
        return "(" + ",".join(f"{key}:{rison(item)}" for key, item in value.items()) + ")"
    raise TypeError(f"cannot encode {value!r}")

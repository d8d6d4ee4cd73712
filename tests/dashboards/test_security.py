"""A cached chart answer asks the metadata database nothing about permissions
(security.py): a viewer's second request of a chart, inside one worker, answered from
the cache, runs no query on FAB's permission tables; the first one (forced) does
(the control)."""

from __future__ import annotations

import json
import subprocess

import pytest
from livelake_dashboards.launch import DASHBOARDS_DIR, SUPERSET_PYTHON, server_env

from tests.dashboards import api
from tests.dashboards.superset_server import PASSWORDS, VIEWER_PASSWORD

pytestmark = pytest.mark.xdist_group("superset")

# One Superset app in-process (the world's config), a viewer asking for one chart's
# cached answer twice; the statements each request ran on the metadata database.
ASK = """
import json, sys
from sqlalchemy import event
from superset.app import create_app
app = create_app()
client = app.test_client()
token = client.post("/api/v1/security/login", json={
    "username": "viewer", "password": sys.argv[2], "provider": "db"}).json["access_token"]
headers = {"Authorization": f"Bearer " + token}
url = f"/api/v1/chart/{sys.argv[1]}/data/"
from superset import db
with app.app_context():
    engine = db.engine
seen = []
event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
for ask in ("?force=true", ""):
    seen.clear()
    answer = client.get(url + ask, headers=headers)
    assert answer.status_code == 200, answer.json
    assert bool(answer.json["result"][0]["is_cached"]) == (ask == ""), answer.json
    print("SEEN " + json.dumps(seen))
"""
PERMISSION_TABLES = ("ab_permission", "ab_view_menu", "ab_permission_view_role")


def test_a_second_request_asks_no_permission_query(superset) -> None:
    chart_id = api.chart_ids(api.admin(superset))["Stickiness"]
    done = subprocess.run(
        [str(SUPERSET_PYTHON), "-c", ASK, str(chart_id), VIEWER_PASSWORD],
        env={
            **server_env(superset.data_dir, superset.port, PASSWORDS, dict(superset.env)),
            "SUPERSET_CONFIG_PATH": str(DASHBOARDS_DIR / "superset_config.py"),
            "LIVELAKE_SUPERSET_HOME": str(superset.data_dir / "superset"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = (
        json.loads(line[5:]) for line in done.stdout.splitlines() if line.startswith("SEEN ")
    )

    def asks_permissions(statements: list[str]) -> list[str]:
        return [s for s in statements if any(t in s for t in PERMISSION_TABLES)]

    assert asks_permissions(first)  # the control: the look-ups exist and are seen
    assert asks_permissions(second) == []
    assert len(second) < len(first)

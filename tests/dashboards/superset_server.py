"""The test session's Superset: the product's own launcher, fixed passwords."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
# livelake_dashboards' spec, client and launcher need only the stdlib, requests and yaml.
if str(DASHBOARDS_DIR) not in sys.path:
    sys.path.insert(0, str(DASHBOARDS_DIR))

from livelake_dashboards.launch import Launched, run, start, stop  # noqa: E402

ADMIN_PASSWORD = "admin-test-password"
VIEWER_PASSWORD = "viewer-test-password"
PASSWORDS = {"admin": ADMIN_PASSWORD, "viewer": VIEWER_PASSWORD}
Superset = Launched

__all__ = ["ADMIN_PASSWORD", "PASSWORDS", "REPO_ROOT", "VIEWER_PASSWORD", "Superset", "run"]


def start_server(data_dir: Path) -> Superset:
    server, _ = start(data_dir, PASSWORDS)
    return server


def stop_server(server: Superset) -> None:
    stop(server)

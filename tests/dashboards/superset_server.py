"""The test session's Superset: the product's own launcher, fixed passwords."""

from __future__ import annotations

from pathlib import Path

from livelake_dashboards.launch import Launched, run, start, stop

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = REPO_ROOT / "dashboards"

ADMIN_PASSWORD = "admin-test-password"
VIEWER_PASSWORD = "viewer-test-password"
PASSWORDS = {"admin": ADMIN_PASSWORD, "viewer": VIEWER_PASSWORD}
Superset = Launched

__all__ = ["ADMIN_PASSWORD", "PASSWORDS", "REPO_ROOT", "VIEWER_PASSWORD", "Superset", "run"]


def start_server(data_dir: Path, env: dict[str, str] | None = None, workers: int = 3) -> Superset:
    """The product's `up` for this data dir; dev unless `env` says otherwise."""
    server, _ = start(data_dir, PASSWORDS, workers, {"LIVELAKE_TARGET": "dev", **(env or {})})
    return server


def stop_server(server: Superset) -> None:
    stop(server)

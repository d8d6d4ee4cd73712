"""Initialise, serve and stop one world's Superset.

`up` is idempotent: the metadata database is migrated (`superset db upgrade`),
roles are synced (`superset init`), the admin's password is set, the server is
started if it is not running, and the assets bundle is imported over whatever is
there. The server is gunicorn with sync workers bound to 127.0.0.1: each worker
answers one request at a time on the serving copy it keeps open, reopened at the
first query after `livelake publish` renames a new one into place
(serving_connection.py).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from livelake_dashboards import bundle, defaults
from livelake_dashboards.client import SupersetClient, SupersetError
from livelake_dashboards.settings import (
    ADMIN_USER,
    VIEWER_USER,
    Settings,
    ensure_secret_key,
    password_for,
)
from livelake_dashboards.spec import DASHBOARDS
from livelake_dashboards.viewer import database_id, ensure_viewer

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 240


def superset(settings: Settings, *args: str) -> None:
    """Run one `superset` CLI command; its chatter goes to the log, errors surface."""
    run_logged(settings, [str(BIN / "superset"), *args], {})


def python(settings: Settings, module: str, **env: str) -> None:
    """Run one of our modules in this venv with Superset's environment (+ env)."""
    run_logged(settings, [sys.executable, "-m", module], env)


def run_logged(settings: Settings, command: list[str], env: dict[str, str]) -> None:
    with settings.log_file.open("a") as log:
        done = subprocess.run(
            command,
            env={**settings.superset_env(), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        raise SupersetError(f"`{' '.join(command[-2:])}` failed: see {settings.log_file}")


def initialise(settings: Settings) -> tuple[str, bool]:
    """Metadata, roles and the admin; returns the admin password and whether it is new.

    Migrating and syncing roles take a minute; they run again only when the
    installed Superset changes (a marker holds the version they ran for).
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    ensure_secret_key(settings)
    marker = settings.home / "initialised-for"
    version = importlib.metadata.version("apache-superset")
    database = settings.home / "superset.db"
    # the metadata elsewhere (SUPERSET_DATABASE_URI, the container's PostgreSQL): the marker
    in_home = not os.environ.get("SUPERSET_DATABASE_URI")
    done = marker.exists() and marker.read_text().strip() == version
    fresh = not done or (in_home and not database.exists())
    if fresh:
        superset(settings, "db", "upgrade")
    password, generated = password_for(settings, ADMIN_USER)
    if fresh:
        superset(settings, "init")  # creates the Admin role the admin needs
        marker.write_text(f"{version}\n")
    python(settings, "livelake_dashboards.admin", LIVELAKE_SUPERSET_ADMIN_PASSWORD=password)
    return password, generated


def running_pid(settings: Settings) -> int | None:
    try:
        pid = int(settings.pid_file.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def healthy(settings: Settings) -> bool:
    try:
        return requests.get(f"{settings.url}/health", timeout=5).text.strip() == "OK"
    except requests.RequestException:
        return False


def start(settings: Settings, workers: int) -> int:
    """Start gunicorn in its own session; returns its pid once /health answers."""
    pid = running_pid(settings)
    if pid is not None:
        return pid
    log = settings.log_file.open("a")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"{settings.host}:{settings.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--limit-request-line",
            "0",
            "--limit-request-field_size",
            "0",
            "superset.app:create_app()",
        ],
        env=settings.superset_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    settings.pid_file.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            settings.pid_file.unlink(missing_ok=True)
            raise SupersetError(f"Superset exited ({process.returncode}): see {settings.log_file}")
        if healthy(settings):
            return process.pid
        time.sleep(1)
    stop(settings)
    raise SupersetError(
        f"Superset did not answer within {START_TIMEOUT_S}s: see {settings.log_file}"
    )


def stop(settings: Settings) -> bool:
    """Stop the server of this world (its pid file); True if one was running."""
    pid = running_pid(settings)
    if pid is None:
        settings.pid_file.unlink(missing_ok=True)
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and running_pid(settings) is not None:
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.5)
    if running_pid(settings) is not None:
        os.killpg(pid, signal.SIGKILL)
    settings.pid_file.unlink(missing_ok=True)
    return True


def import_assets(settings: Settings, admin_password: str) -> SupersetClient:
    """Import the bundle over what is there, then read each dataset's columns."""
    client = SupersetClient(settings.url).login(ADMIN_USER, admin_password)
    client.import_assets(bundle.zip_bundle(settings.warehouse))
    datasets = client.list_all(
        "dataset", [{"col": "database", "opr": "rel_o_m", "value": database_id(client)}]
    )
    hint = (
        "has `dbt build --target prod` written it, and may Superset's credentials read it?"
        if settings.warehouse.dialect == "bigquery"
        else "is the serving copy built (`make dev`)?"
    )
    for dataset in datasets:
        response = client.raw("PUT", f"/api/v1/dataset/{dataset['id']}/refresh")
        if response.status_code != 200:  # the table is missing: its charts will say so
            print(
                f"warning: could not read the columns of {dataset['schema']}."
                f"{dataset['table_name']} ({response.status_code}); {hint}",
                file=sys.stderr,
            )
    return client


def sync(settings: Settings, admin_password: str) -> dict[str, str | None]:
    """Bring a running Superset up to date with the spec: import the bundle over what is
    there and give the viewer the datasets. Then open each dashboard once through the
    API, which has Superset set its default date range for the serving copy
    (defaults.py; it does so again by itself at the first opening after a publish).
    Returns each dashboard's default range."""
    client = import_assets(settings, admin_password)
    viewer_password, _ = password_for(settings, VIEWER_USER)
    ensure_viewer(client, viewer_password)
    opened = {}
    for dashboard in DASHBOARDS:
        found = client.request("GET", f"/api/v1/dashboard/{dashboard.slug}")["result"]
        metadata = json.loads(found.get("json_metadata") or "{}")
        opened[dashboard.slug] = defaults.default_of(dashboard, metadata)
    return opened


def up(settings: Settings, workers: int) -> None:
    admin_password, admin_new = initialise(settings)
    start(settings, workers)
    viewer_password, viewer_new = password_for(settings, VIEWER_USER)  # new: printed below
    opened = sync(settings, admin_password)
    print(f"Superset serves livelake's dashboards at {settings.url}/dashboard/list/")
    print(f"  database: {settings.database_uri} (read-only)")
    print(f"  dashboards open on {describe(opened)}")
    if settings.warehouse.dialect == "bigquery":
        print(
            f"  marts: datasets {settings.warehouse.schema('marts')}, "
            f"{settings.warehouse.schema('core')}"
        )
    for user, password, new in (
        (ADMIN_USER, admin_password, admin_new),
        (VIEWER_USER, viewer_password, viewer_new),
    ):
        if new:
            print(
                f"  log in as {user} / {password}  (generated now; kept 0600 in "
                f"{settings.password_file(user)})"
            )
        else:
            print(
                f"  log in as {user} (password: LIVELAKE_SUPERSET_{user.upper()}_PASSWORD "
                f"or {settings.password_file(user)})"
            )
    print("  stop it with `make dashboards-stop`")


def describe(opened: dict[str, str | None]) -> str:
    ranges = set(opened.values())
    if ranges == {None}:
        return "every date (no day with a User Activity report yet)"
    return ", ".join(sorted(str(r) for r in ranges)) + " (up to the latest complete day)"

"""A real Superset for the tests: started from `.venv-superset` on a free 127.0.0.1 port.

The server runs exactly what `make dashboards` runs (`python -m livelake_dashboards
up`) with a fresh metadata directory under the test's data dir, so the tests prove
the product's own start-up, import and viewer role, not a test double.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPERSET_PYTHON = REPO_ROOT / ".venv-superset" / "bin" / "python"
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
ADMIN_PASSWORD = "admin-test-password"
VIEWER_PASSWORD = "viewer-test-password"

# The spec's module path, importable from the main venv: it only needs the stdlib.
if str(DASHBOARDS_DIR) not in sys.path:
    sys.path.insert(0, str(DASHBOARDS_DIR))


@dataclass(frozen=True)
class Superset:
    url: str
    data_dir: Path
    port: int

    def env(self) -> dict[str, str]:
        return server_env(self.data_dir, self.port)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(data_dir: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "LIVELAKE_DATA_DIR": str(data_dir),
        "SUPERSET_PORT": str(port),
        "LIVELAKE_SUPERSET_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LIVELAKE_SUPERSET_VIEWER_PASSWORD": VIEWER_PASSWORD,
        "PYTHONPATH": str(DASHBOARDS_DIR),
    }


def dashboards_command(data_dir: Path, port: int, *args: str, timeout: float = 600) -> str:
    """Run `python -m livelake_dashboards <args>` in the Superset venv; its output."""
    if not SUPERSET_PYTHON.exists():
        raise AssertionError(f"{SUPERSET_PYTHON} is missing: run `make setup-dashboards`")
    done = subprocess.run(
        [str(SUPERSET_PYTHON), "-m", "livelake_dashboards", *args],
        env=server_env(data_dir, port),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        log = data_dir / "superset" / "superset.log"
        tail = log.read_text()[-6000:] if log.exists() else ""
        raise AssertionError(
            f"livelake_dashboards {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}\n--- superset.log ---\n{tail}"
        )
    return done.stdout + done.stderr


def start(data_dir: Path, workers: int = 3) -> tuple[Superset, str]:
    port = free_port()
    output = dashboards_command(data_dir, port, "up", "--workers", str(workers))
    return Superset(url=f"http://127.0.0.1:{port}", data_dir=data_dir, port=port), output


def stop(server: Superset) -> None:
    dashboards_command(server.data_dir, server.port, "stop", timeout=120)

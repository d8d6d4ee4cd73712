"""Start and stop a world's Superset from outside its venv (tests, benchmarks).

Runs exactly what `make dashboards` runs, `.venv-superset/bin/python -m
livelake_dashboards up`, on a free 127.0.0.1 port with the given data dir, so a
test or a benchmark exercises the product's own start-up, import and viewer role.
Standard library only: the main venv imports it.
"""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

DASHBOARDS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = DASHBOARDS_DIR.parent
SUPERSET_PYTHON = REPO_ROOT / ".venv-superset" / "bin" / "python"


@dataclass(frozen=True)
class Launched:
    url: str
    data_dir: Path
    port: int
    passwords: tuple[tuple[str, str], ...]  # (user, password) set through the environment
    env: tuple[tuple[str, str], ...] = ()  # more environment (LIVELAKE_TARGET=prod, ...)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(
    data_dir: Path, port: int, passwords: dict[str, str], extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {
        **os.environ,
        **(extra or {}),
        "LIVELAKE_DATA_DIR": str(data_dir),
        "SUPERSET_PORT": str(port),
        "PYTHONPATH": str(DASHBOARDS_DIR),
    }
    for user, password in passwords.items():
        env[f"LIVELAKE_SUPERSET_{user.upper()}_PASSWORD"] = password
    return env


def run(server: Launched, *args: str, timeout: float = 900) -> str:
    """`python -m livelake_dashboards <args>` in the Superset venv; its output."""
    if not SUPERSET_PYTHON.exists():
        raise RuntimeError(f"{SUPERSET_PYTHON} is missing: run `make setup-dashboards`")
    done = subprocess.run(
        [str(SUPERSET_PYTHON), "-m", "livelake_dashboards", *args],
        env=server_env(server.data_dir, server.port, dict(server.passwords), dict(server.env)),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        log = server.data_dir / "superset" / "superset.log"
        tail = log.read_text()[-6000:] if log.exists() else ""
        raise RuntimeError(
            f"livelake_dashboards {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}\n--- superset.log ---\n{tail}"
        )
    return done.stdout + done.stderr


def start(
    data_dir: Path,
    passwords: dict[str, str],
    workers: int = 3,
    env: dict[str, str] | None = None,
) -> tuple[Launched, str]:
    port = free_port()
    server = Launched(
        url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        port=port,
        passwords=tuple(passwords.items()),
        env=tuple((env or {}).items()),
    )
    return server, run(server, "up", "--workers", str(workers))


def stop(server: Launched) -> None:
    run(server, "stop", timeout=120)

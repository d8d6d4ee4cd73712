"""The BigQuery API emulator (bqemulator, its own venv: tests/bigquery/emulator), as a
process the tests start, freeze and stop.

The emulator is DuckDB inside; the extension wheels' files (spatial, avro) are put
in its HOME's extension folder before it starts, so its own `INSTALL spatial`
needs no network. HOME, TMPDIR and the upload staging folder are the test's own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("LIVELAKE_BQEMULATOR_VENV", REPO / ".venv-bqemulator"))
READY_SECONDS = 60.0  # ready in 4 to 12 s on these machines; a slow CI box gets slack
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint: str  # http://127.0.0.1:<rest port>
    project: str
    log: Path

    def env(self) -> dict[str, str]:
        """What points livelake (promote; dbt later) at this emulator."""
        return {"LIVELAKE_GCP_PROJECT": self.project, "LIVELAKE_BQ_API_ENDPOINT": self.endpoint}

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def installed() -> bool:
    return (VENV / "bin" / "bqemulator").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Test-only patches of the emulator's SQL translation for dbt's prod build (see
# the module): on its PYTHONPATH, so its Python imports them at start-up.
PATCHES = Path(__file__).resolve().parent / "emulator" / "patched"


def start(root: Path, project: str = "livelake-test", *, patched: bool = False) -> Emulator:
    """Start an ephemeral emulator on free 127.0.0.1 ports and wait until it answers.

    `patched`: with the harness's fixes of the defects dbt's SQL meets
    (emulator/patched/sitecustomize.py); the differences tests run it unpatched."""
    home, tmp, staging = (root / "home", root / "tmp", root / "staging")
    for folder in (home, tmp, staging):
        folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "BQEMU_UPLOAD_STAGING_DIR": str(staging),
    }
    if patched:
        env["PYTHONPATH"] = str(PATCHES)
    # The extension wheels' files in place under this HOME: no download at start-up.
    subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "import duckdb_extensions as x; x.import_extension('spatial'); "
            "x.import_extension('avro')",
        ],
        env=env,
        check=True,
        timeout=120,
    )
    rest, grpc = free_port(), free_port()
    log = root / "bqemulator.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(VENV / "bin" / "bqemulator"),
                "start",
                "--rest-host",
                "127.0.0.1",
                "--rest-port",
                str(rest),
                "--grpc-host",
                "127.0.0.1",
                "--grpc-port",
                str(grpc),
                "--project",
                project,
                "--log-level",
                "warning",
            ],  # fmt: skip
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole
            preexec_fn=_die_with_parent,
        )
    emulator = Emulator(process, f"http://127.0.0.1:{rest}", project, log)
    try:
        _wait_ready(emulator)
    except BaseException:
        stop(emulator)
        raise
    return emulator


def _wait_ready(emulator: Emulator) -> None:
    url = f"{emulator.endpoint}/bigquery/v2/projects/{emulator.project}/datasets"
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise RuntimeError(
                f"bqemulator exited with {emulator.process.returncode}:\n{emulator.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"bqemulator not ready in {READY_SECONDS:.0f}s:\n{emulator.log_tail()}")


def _die_with_parent() -> None:
    """In the child: SIGTERM it when the test process dies, even by SIGKILL, so a
    killed pytest leaves no emulator behind (Linux's PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def stop(emulator: Emulator) -> None:
    """Stop it (a frozen one is woken first), killed if it does not go in time."""
    if emulator.process.poll() is not None:
        return
    group = os.getpgid(emulator.process.pid)
    os.killpg(group, signal.SIGCONT)
    os.killpg(group, signal.SIGTERM)
    try:
        emulator.process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        emulator.process.wait(STOP_SECONDS)


@contextmanager
def frozen(emulator: Emulator) -> Iterator[None]:
    """The emulator stopped with SIGSTOP (it accepts connections, answers nothing),
    woken again afterwards whatever happened."""
    os.kill(emulator.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(emulator.process.pid, signal.SIGCONT)

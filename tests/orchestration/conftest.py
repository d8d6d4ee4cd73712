"""Fixtures of the orchestration tests: real Airflow 3.3.2 from its own virtualenv
(.venv-airflow, `make setup-airflow`), started as subprocesses of these tests (which
run in the pipeline's venv); a real SMTP server (aiosmtpd, from the same venv) on a
free 127.0.0.1 port, writing what it receives into a Maildir the tests read.

Without .venv-airflow the tests are skipped on a developer's machine with what to run,
and fail under CI=true. Every test here carries the `orchestration` marker, so `make
test-orchestration` (`pytest -m orchestration`) also picks up the Drive and unattended
tests other folders mark.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import mailbox
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW_VENV = REPO / ".venv-airflow"
AIRFLOW_PY = AIRFLOW_VENV / "bin" / "python"
DRIVER = Path(__file__).with_name("airflow_driver.py")
ALERT_TO = "backoffice@example.com"
ALERT_FROM = "livelake@example.com"
# Where the failure e-mail's log link points (AIRFLOW__API__BASE_URL).
BASE_URL = "http://airflow.livelake.test:8080"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.orchestration)


def need(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{path} missing: run `make setup-airflow` ({what})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited {proc.returncode} before 127.0.0.1:{port} answered")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {seconds}s")


class SmtpSink:
    """aiosmtpd's Mailbox handler on 127.0.0.1:port: every message lands in a Maildir."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.maildir = root / "maildir"
        self.proc = subprocess.Popen(
            [str(AIRFLOW_PY), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}"]
            + ["-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 30, self.proc)

    @property
    def connection(self) -> str:
        """AIRFLOW_CONN_SMTP_DEFAULT for this server (plain SMTP: it is local)."""
        return (
            f"smtp://127.0.0.1:{self.port}?disable_tls=true&disable_ssl=true"
            f"&from_email={ALERT_FROM}"
        )

    def messages(self) -> list[EmailMessage]:
        return self.read(self.maildir)

    @staticmethod
    def read(maildir: Path) -> list[EmailMessage]:
        """Every message in the Maildir, oldest first."""
        if not maildir.exists():
            return []
        box = mailbox.Maildir(maildir, create=False)
        return [
            email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            for key in sorted(box.keys())
        ]

    def wait_for(self, count: int, seconds: float) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(found := self.messages()) < count and time.monotonic() < deadline:
            time.sleep(1)
        return found

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def body_text(message: EmailMessage) -> str:
    """The message's HTML part, decoded."""
    part = message.get_body(preferencelist=("html", "plain"))
    assert part is not None, message
    return part.get_content()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpSink]:
    need(AIRFLOW_PY, "aiosmtpd")
    sink = SmtpSink(tmp_path)
    yield sink
    sink.stop()


def airflow_env(home: Path, database: Path, smtp: str, dags: Path = DAGS) -> dict[str, str]:
    """Airflow's settings for one test: its own home and SQLite metadata, the DAGs,
    the SMTP connection (`SmtpSink.connection`); the livelake settings are added by each
    test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LIVELAKE_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{database}",
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__API__BASE_URL=BASE_URL,
        AIRFLOW_CONN_SMTP_DEFAULT=smtp,
        LIVELAKE_VENV=str(REPO / ".venv"),
        LIVELAKE_ALERT_TO=ALERT_TO,
    )
    return env


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated Airflow metadata database; each test copies it."""
    need(AIRFLOW_PY, "Airflow")
    root = tmp_path_factory.mktemp("airflow_db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(root / "home"),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{root / 'airflow.db'}",
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )
    subprocess.run(
        [str(AIRFLOW_VENV / "bin" / "airflow"), "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root / "airflow.db"


@pytest.fixture
def airflow_database(migrated_database: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "airflow.db"
    shutil.copyfile(migrated_database, copy)
    return copy


def drive(env: dict[str, str], *args: str, timeout: float = 600) -> dict:
    """Run airflow_driver.py in Airflow's venv; its last output line is JSON."""
    done = subprocess.run(
        [str(AIRFLOW_PY), str(DRIVER), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout[-20000:] + done.stderr[-20000:])
        raise AssertionError(f"airflow_driver {args} exited {done.returncode}")
    return json.loads(lines[-1])

"""Fixtures of the ingest tests: a fake Google Drive, and workers made to crash."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ingest.drive_fake import drive_fake  # noqa: F401 - a fixture, re-exported

HOOK = Path(__file__).with_name("workerhook")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def crash_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """`crash_on("crash.xlsx", how="segv")`: the ingest workers started from now on
    die on that file (tests/ingest/workerhook/sitecustomize.py says how)."""

    def arm(file_name: str, how: str = "abort") -> None:
        path = os.pathsep.join(filter(None, [str(HOOK), str(REPO), os.environ.get("PYTHONPATH")]))
        monkeypatch.setenv("PYTHONPATH", path)
        monkeypatch.setenv("LIVELAKE_TESTS_CRASH_ON", file_name)
        monkeypatch.setenv("LIVELAKE_TESTS_CRASH_HOW", how)
        monkeypatch.setenv("LIVELAKE_TESTS_CRASH_MARK", str(tmp_path / "crashed-once"))

    return arm

"""One ``small`` world per test session (it takes a few seconds), shared read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.generate import GenerateReport


@pytest.fixture(scope="session")
def small(small_world: tuple[Path, GenerateReport]) -> tuple[Path, Path, GenerateReport]:
    """The session's `small` world (tests/conftest.py), as inbox, truth and report."""
    root, report = small_world
    return root / "inbox", root / "truth", report

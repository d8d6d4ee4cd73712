"""One ``small`` world per test session (it takes a few seconds), shared read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.generate import GenerateReport, generate


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> tuple[Path, Path, GenerateReport]:
    root = tmp_path_factory.mktemp("sim_small")
    report = generate(root / "inbox", root / "truth", scale="small", seed=42, workers=2)
    return root / "inbox", root / "truth", report

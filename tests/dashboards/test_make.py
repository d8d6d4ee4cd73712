"""`make test-dashboards` alone installs what its tests need and leaves the tree clean."""

from __future__ import annotations

import re

from tests.dashboards.superset_server import REPO_ROOT


def rule(target: str) -> tuple[set[str], str]:
    """A Makefile target's prerequisites and its recipe."""
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(
        rf"^{re.escape(target)}:([^#\n]*)(?:##[^\n]*)?\n((?:\t[^\n]*\n)*)", text, re.M
    )
    assert match, target
    return set(match.group(1).split()), match.group(2)


def test_test_dashboards_installs_the_bigquery_emulator_its_tests_use() -> None:
    prerequisites, recipe = rule("test-dashboards")
    # tests/dashboards/test_bigquery.py starts the emulator from .venv-bqemulator
    assert {"setup", "setup-dashboards", "setup-bigquery", "browser"} <= prerequisites
    assert "tests/dashboards" in recipe


def test_tests_never_write_the_tracked_screenshots() -> None:
    for target in ("test", "test-dashboards"):
        _, recipe = rule(target)
        assert "LIVELAKE_SCREENSHOTS" not in recipe and "docs/screenshots" not in recipe, target
    _, recipe = rule("screenshots")
    assert "LIVELAKE_SCREENSHOTS=$(CURDIR)/docs/screenshots" in recipe

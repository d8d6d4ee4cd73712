"""The key tests of the facts, dimensions and marts, as their YAML states them, and
how to run them over every row (test_keys.py, test_build.py)."""

from __future__ import annotations

from pathlib import Path

import yaml

TRANSFORM = Path(__file__).resolve().parents[2] / "transform"
# The key tests of the facts, dimensions and marts (their YAML is under models/marts/).
KEY_TESTS = (
    "path:models/marts,test_name:unique",
    "path:models/marts,test_name:unique_combination_of_columns",
)
ALL_ROWS = ("--vars", "{test_all_rows: true}")


def key_tests() -> dict[str, list[tuple[str, bool]]]:
    """model -> its key tests (a description, scoped to the newest batch or not)."""
    keys: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted(TRANSFORM.glob("models/marts/**/_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            found = keys.setdefault(model["name"], [])
            for test in model.get("data_tests") or []:
                if isinstance(test, dict) and "unique_combination_of_columns" in test:
                    spec = test["unique_combination_of_columns"]
                    columns = ", ".join(spec["arguments"]["combination_of_columns"])
                    found.append((columns, _scoped(spec)))
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or []:
                    if test == "unique" or (isinstance(test, dict) and "unique" in test):
                        spec = test["unique"] if isinstance(test, dict) else {}
                        found.append((column["name"], _scoped(spec or {})))
    return keys


def _scoped(spec: dict) -> bool:
    return bool(((spec.get("config") or {}).get("meta") or {}).get("newest_batch"))

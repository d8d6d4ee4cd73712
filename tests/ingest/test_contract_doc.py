"""docs/input-contract.md is what ingest.contract_doc writes from the code's tables, so
the contract in the repo cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from ingest import values
from ingest.contract_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "input-contract.md"


def test_the_committed_contract_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/input-contract.md is stale: run `make docs` "
        "(python -m ingest.contract_doc > docs/input-contract.md)"
    )


def test_every_reason_code_is_documented() -> None:
    """Each reason constant of ingest.values has its line in the doc's reasons table."""
    codes = {
        value
        for name, value in vars(values).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch("[a-z_]+", value)
    }
    assert codes == set(values.REASONS)
    text = DOC.read_text(encoding="utf-8")
    for code in values.REASONS:
        assert f"| `{code}` |" in text

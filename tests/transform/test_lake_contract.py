"""dbt's copy of the ingest's rules is generated, never written by hand.

transform/macros/lake_contract.sql (`livelake.lake_contract()`) is what
`python -m ingest.dbt_contract` writes from ingest/contracts.py, ingest/vocab.py and
lake/runs.py: the report tables' columns and types, the lineage, the partition
columns, the side tables, the vocabularies and the membership levels' order. Every
other place of the project reads it (livelake.lake_typed_columns, lineage_columns,
membership_rank, lake_tables, the accepted_columns test's `@name` lists); these
tests fail when the file drifts or a rule is stated again beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest import dbt_contract
from ingest.contracts import DOMAINS, LINEAGE
from ingest.vocab import LEVELS, SPELLINGS
from lake.runs import SIDE_TABLES
from simulator import vocab as simulator_vocab

TRANSFORM = Path(__file__).resolve().parents[2] / "transform"


def test_the_macro_file_is_the_generated_one() -> None:
    assert dbt_contract.MACRO_PATH.read_text(encoding="utf-8") == dbt_contract.render(), (
        "transform/macros/lake_contract.sql drifted from the ingest's contract: "
        "run `make docs` (python -m ingest.dbt_contract)"
    )


def test_the_contract_says_what_the_ingest_says() -> None:
    contract = dbt_contract.contract()
    assert list(contract["tables"]) == [d.table for d in DOMAINS]
    assert contract["tables"]["top_up"]["partition_date_column"] == "dt"
    assert contract["tables"]["user_activity"]["partition_date_column"] == "report_date"
    assert [tuple(pair) for pair in contract["lineage"]] == list(LINEAGE)
    assert contract["side_tables"] == ["_manifest", "_quarantine", "_rejected"] == list(SIDE_TABLES)
    assert contract["vocabularies"]["membership_level"] == list(LEVELS)
    assert LEVELS == ("regular", "silver", "gold", "platinum", "diamond")
    assert set(contract["vocabularies"]) == set(SPELLINGS)


def test_the_simulator_writes_the_ingests_levels() -> None:
    assert simulator_vocab.LEVELS is LEVELS


def _project_text() -> dict[Path, str]:
    paths = [*TRANSFORM.glob("macros/*.sql"), *TRANSFORM.glob("models/**/*.sql")]
    paths += [*TRANSFORM.glob("models/**/_*.yml"), *TRANSFORM.glob("tests/**/*.sql")]
    return {p: p.read_text(encoding="utf-8") for p in paths if p != dbt_contract.MACRO_PATH}


def _literals(text: str) -> list[tuple[str, str]]:
    """Each Jinja/YAML list or mapping literal ('[...]', '{...}') of a text."""
    return re.findall(r"\[[^\[\]]*\]|\{[^{}]*\}", text)


def _quoted(text: str) -> set[str]:
    return set(re.findall(r"['\"]([a-z_]+)['\"]", text))


def test_no_list_of_levels_lake_tables_or_lineage_beside_the_contract() -> None:
    """The levels, a vocabulary, the lake tables or the lineage listed in full anywhere
    else in the project would be a second statement of the rule (accepted values use
    `@name`; models loop over livelake.lake_tables()). A mapping that gives each lake
    table a value of its own (the export times) is a rule of its own: its keys must
    be exactly the contract's tables."""
    tables = {d.table for d in DOMAINS}
    lists = {
        "membership levels": set(LEVELS),
        "lake tables": tables,
        "lineage": {name for name, _ in LINEAGE},
        **{f"vocabulary {name}": set(values) for name, values in SPELLINGS.items()},
    }
    found = []
    for path, text in _project_text().items():
        for literal in _literals(text):
            words = _quoted(literal)
            for name, values in lists.items():
                if not values <= words:
                    continue
                keys = set(re.findall(r"['\"]([a-z_]+)['\"]\s*:", literal))
                if literal.startswith("{") and name == "lake tables" and keys == tables:
                    continue
                found.append(f"{path.relative_to(TRANSFORM)}: {name}")
    assert not found, found


def test_no_side_table_is_recognised_by_its_name_alone() -> None:
    """dbt tells a side table from a report table by the contract's list
    (`lake_contract().side_tables`), not by a leading underscore."""
    found = [
        str(path.relative_to(TRANSFORM))
        for path, text in _project_text().items()
        if "startswith('_')" in text
    ]
    assert not found, found


def test_the_accepted_columns_names_are_the_contracts() -> None:
    """Every `@name` an accepted_columns test uses names a list of the contract."""
    names = set()
    for path in TRANSFORM.glob("models/**/_*.yml"):
        names |= set(re.findall(r"'@([a-z_]+)'", path.read_text(encoding="utf-8")))
    assert names
    assert names <= {*SPELLINGS, "lake_table"}
    # and the YAML still parses with them
    for path in TRANSFORM.glob("models/**/_*.yml"):
        yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_project_macro_is_documented_once() -> None:
    """dbt docs shows each macro's description from macros/_macros.yml, the one place it
    is written (a `duckdb__` / `bigquery__` override of dbt's own is a macro too)."""
    defined = sorted(
        name
        for path in TRANSFORM.glob("macros/*.sql")
        for name in re.findall(r"{%-?\s*macro\s+(\w+)\(", path.read_text(encoding="utf-8"))
    )
    documented = [
        m["name"]
        for m in yaml.safe_load((TRANSFORM / "macros" / "_macros.yml").read_text())["macros"]
    ]
    assert sorted(documented) == defined
    assert len(set(defined)) == len(defined)

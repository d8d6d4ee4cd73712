"""Adding a report column and exposing it in a fact is the recipe in transform/README.md.

A new top_up column, `campaign_id`, taken from the ingest's contract to fct_topup
in a copy of the dbt project: the contract (ingest/contracts.py) gains the column,
`python -m ingest.dbt_contract` regenerates macros/lake_contract.sql, and four files
of the project change, each where `promo_code` (the last column added the same way)
is named: the staging model, its YAML, the fact and its YAML. Nothing else: the base
model, the change log and the re-export rules read the column from the contract, the
source YAML does not list the contract's columns, and the unit tests pin their own.
The copy then builds, tests included, with the values of the lake in the fact.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingest import dbt_contract
from ingest.contracts import DOMAINS, TOP_UP, Column, Kind
from livelake.dbt_runner import PROJECT_DIR, dbt_invocation
from tests.transform import lake_fixture

NEW = "campaign_id"
MODEL = "promo_code"  # the column the recipe follows
# The recipe's four files: where the project names a top_up content column by hand.
RECIPE = {
    "models/staging/lake/stg_lake__top_up.sql",
    "models/staging/lake/_lake__models.yml",
    "models/marts/core/fct_topup.sql",
    "models/marts/core/_core__models.yml",
}
# Files that name the column but need no edit: the unit tests give their own inputs.
PINNED = {"models/staging/lake/_lake__unit_tests.yml"}
GENERATED = "macros/lake_contract.sql"  # python -m ingest.dbt_contract (make docs)


def _project_files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in root.rglob("*")
        if p.suffix in {".sql", ".yml", ".md"} and not {"target", "logs"} & set(p.parts)
    }


def test_only_the_recipes_files_name_a_content_column() -> None:
    named = {
        path
        for path, text in _project_files(PROJECT_DIR).items()
        if re.search(rf"\b{MODEL}\b", text) and not path.endswith(".md")
    }
    assert named == RECIPE | PINNED | {GENERATED}


def _follow(text: str) -> str:
    """Each line naming promo_code, followed by the same line for the new column; a
    YAML column entry (its name line and the description under it) by a new entry."""
    out: list[str] = []
    entry = None  # the indent of a promo_code entry whose description comes next
    for line in text.splitlines(keepends=True):
        out.append(line)
        if entry is not None:
            out += [f"{entry}- name: {NEW}\n", f"{entry}  description: Campaign of the order.\n"]
            entry = None
        elif match := re.match(rf"(\s*)- name: {MODEL}\s*$", line):
            entry = match.group(1)
        elif re.search(rf"'{MODEL}',", line):  # a Jinja list: the name after it
            out[-1] = line.replace(f"'{MODEL}',", f"'{MODEL}', '{NEW}',")
        elif re.search(rf"\b{MODEL}\b", line):
            out.append(line.replace(MODEL, NEW))
    return "".join(out)


@pytest.mark.slow
def test_a_new_top_up_column_reaches_fct_topup(tmp_path: Path, monkeypatch) -> None:
    # 1. the contract
    top_up = dataclasses.replace(
        TOP_UP, columns=(*TOP_UP.columns, Column(NEW, Kind.TEXT, ("Campaign", "活動代碼")))
    )
    domains = tuple(top_up if d.table == "top_up" else d for d in DOMAINS)
    monkeypatch.setattr(dbt_contract, "DOMAINS", domains)

    # 2. a copy of the project: the generated contract, then the four files
    project = tmp_path / "transform"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "macros" / "lake_contract.sql").write_text(dbt_contract.render(), "utf-8")
    for path in RECIPE:
        target = project / path
        target.write_text(_follow(target.read_text(encoding="utf-8")), encoding="utf-8")
    changed = {
        path
        for path, text in _project_files(project).items()
        if text != _project_files(PROJECT_DIR).get(path)
    }
    assert changed == RECIPE | {GENERATED}

    # 3. a lake whose top-up exports carry the column (camp-<order>)
    monkeypatch.setitem(
        lake_fixture.SCHEMAS, "top_up", [*lake_fixture.SCHEMAS["top_up"], (NEW, pa.string())]
    )
    write_export = lake_fixture.write_export

    def with_campaign(lake, table, dt, rows, **kwargs):
        if table == "top_up":
            rows = [{**row, NEW: f"camp-{row['order_id']}"} for row in rows]
        return write_export(lake, table, dt, rows, **kwargs)

    monkeypatch.setattr(lake_fixture, "write_export", with_campaign)
    data_dir = tmp_path / "data"
    lake_fixture.write_fixture_lake(data_dir)

    # 4. the copy builds the fact and everything under it, tests included
    command, env = dbt_invocation(
        ["build", "--select", "+fct_topup", "--indirect-selection", "cautious"],
        data_dir=data_dir,
        work_dir=tmp_path,
    )
    command = [str(project) if arg == str(PROJECT_DIR) else arg for arg in command]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Deprecat" not in result.stdout, result.stdout[-3000:]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(f"select order_id, {NEW} from core.fct_topup order by 1").fetchall()
    assert len(rows) == 8
    assert all(campaign == f"camp-{order}" for order, campaign in rows)

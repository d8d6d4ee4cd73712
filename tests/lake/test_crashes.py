"""The crash record: deaths per source file, kept across runs, written crash-safely."""

from __future__ import annotations

import json
from pathlib import Path

from lake.atomic import sweep_temporaries
from lake.crashes import CRASHES, deaths, record_death

SHA = "ab" * 32


def test_deaths_accumulate_across_runs(tmp_path: Path) -> None:
    assert deaths(tmp_path, SHA) == []
    first = record_death(tmp_path, SHA, "名稱.xlsx", "run1", "its worker was killed by SIGABRT")
    second = record_death(tmp_path, SHA, "名稱.xlsx", "run2", "its worker was killed by SIGSEGV")
    assert [d.run_id for d in first] == ["run1"]
    assert [(d.run_id, d.reason) for d in second] == [
        ("run1", "its worker was killed by SIGABRT"),
        ("run2", "its worker was killed by SIGSEGV"),
    ]
    assert deaths(tmp_path, SHA) == second
    record = json.loads((tmp_path / CRASHES / f"{SHA}.json").read_text(encoding="utf-8"))
    assert record["source_file"] == "名稱.xlsx"
    assert [p.name for p in (tmp_path / CRASHES).iterdir()] == [f"{SHA}.json"]


def test_a_half_written_record_is_never_read(tmp_path: Path) -> None:
    """A run killed while writing leaves a temporary, swept by the next run; the record
    itself is the old one or the new one."""
    record_death(tmp_path, SHA, "a.xlsx", "run1", "its worker was killed by SIGKILL")
    (tmp_path / CRASHES / f".tmp-{SHA}.json.123").write_text('{"deaths": [')
    assert [d.run_id for d in deaths(tmp_path, SHA)] == ["run1"]
    assert sweep_temporaries(tmp_path) == 1
    assert [d.run_id for d in deaths(tmp_path, SHA)] == ["run1"]


def test_an_unreadable_record_counts_as_no_death(tmp_path: Path) -> None:
    (tmp_path / CRASHES).mkdir()
    (tmp_path / CRASHES / f"{SHA}.json").write_text("not json")
    assert deaths(tmp_path, SHA) == []

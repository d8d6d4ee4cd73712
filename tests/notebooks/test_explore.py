"""notebooks/explore.ipynb, executed headless (nbclient, the venv's ipykernel) on a
serving copy built from the session's ingested small world in a temp data dir.

It must run to the end without an error, read the copy LIVELAKE_DATA_DIR points at
without changing it, draw its plots, and print numbers that are the marts' own: the
last day's DAU, the best agency's revenue per live hour (recomputed here in SQL),
and the data-health totals (the ingest's manifest, read here without dbt). The
committed file carries no outputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import nbformat
import polars as pl
import pytest
from nbclient import NotebookClient

from lake.serving import publish
from tests.transform.conftest import run_dbt

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
MODELS_ONLY = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


@pytest.fixture(scope="module")
def serving_world(small_lake, tmp_path_factory) -> Path:
    """A data dir whose serving copy is built and published from the small world."""
    source, _ = small_lake
    data_dir = tmp_path_factory.mktemp("notebook") / "data"
    data_dir.mkdir()
    (data_dir / "lake").symlink_to(source / "lake", target_is_directory=True)
    run_dbt(data_dir, *MODELS_ONLY)
    publish(data_dir / "warehouse.duckdb", data_dir / "serving.duckdb")
    return data_dir


def _identity(path: Path) -> tuple[int, int, int]:
    """What a write or a replacement of the file would change (reads change atime only)."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


@pytest.fixture(scope="module")
def executed(serving_world) -> dict:
    """The notebook run top to bottom, as `make notebook` would from notebooks/."""
    serving = serving_world / "serving.duckdb"
    before = _identity(serving)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIVELAKE_DATA_DIR", str(serving_world))
        client = NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute()
    after = _identity(serving)
    stdout = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )
    return {"notebook": notebook, "stdout": stdout, "unchanged": before == after}


def serving_query(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "serving.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_runs_to_the_end_without_errors(executed):
    cells = [c for c in executed["notebook"].cells if c.cell_type == "code"]
    assert cells and all(c.execution_count is not None for c in cells)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]


def test_reads_the_serving_copy_of_livelake_data_dir_read_only(executed, serving_world):
    assert f"serving copy: {serving_world / 'serving.duckdb'}" in executed["stdout"]
    assert executed["unchanged"]


def test_draws_its_plots(executed):
    plots = [
        o
        for c in executed["notebook"].cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "display_data" and "image/png" in o.data
    ]
    assert len(plots) >= 2


def test_last_days_dau_is_the_marts(executed, serving_world):
    match = re.search(r"last day (\d{4}-\d{2}-\d{2}): DAU (\d+)", executed["stdout"])
    assert match, executed["stdout"]
    ((date, dau),) = serving_query(
        serving_world,
        "select cast(date as varchar), dau from marts.mart_daily_kpis order by date desc limit 1",
    )
    assert (match.group(1), int(match.group(2))) == (date, dau)
    assert dau > 0


def test_the_agency_answer_is_the_marts(executed, serving_world):
    match = re.search(r"best agency: (.+) at NT\$([\d,]+\.\d\d) per live hour", executed["stdout"])
    assert match, executed["stdout"]
    ((agency, per_hour),) = serving_query(
        serving_world,
        """
        select coalesce(streamers.agency_label, 'unknown'),
            sum(channels.attributed_revenue) / (sum(channels.live_minutes) / 60.0) as per_hour
        from marts.mart_channel_topup_effectiveness as channels
        left join core.dim_streamers as streamers using (channel_id)
        group by 1 order by per_hour desc limit 1
        """,
    )
    assert match.group(1) == agency
    assert float(match.group(2).replace(",", "")) == pytest.approx(float(per_hour), abs=0.005)


def test_data_health_totals_are_the_ingests(executed, small_lake):
    match = re.search(
        r"rows read (\d+), loaded (\d+), quarantined (\d+), rejected (\d+)", executed["stdout"]
    )
    assert match, executed["stdout"]
    entries = pl.read_parquet(small_lake[0] / "lake" / "_manifest" / "*.parquet")
    repeats = entries["rows_duplicate"].fill_null(0).sum() if "rows_duplicate" in entries else 0
    expected = (
        entries["rows_read"].sum(),
        entries["rows_loaded"].sum() + repeats,
        entries["rows_quarantined"].sum(),
        entries["rows_rejected"].sum(),
    )
    assert tuple(int(g) for g in match.groups()) == expected
    assert expected[2] > 0 and expected[3] > 0


def test_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]

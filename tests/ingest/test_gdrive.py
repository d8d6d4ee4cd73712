"""The Google Drive source against a fake Drive v3 (tests/ingest/drive_fake.py), with
the real google-api-python-client, a service-account key generated here, and the
real `livelake` command as a user (or Airflow) runs it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ingest.run import run_ingest
from ingest.sources.gdrive import (
    DriveSettings,
    DriveUnavailableError,
    GoogleDriveSource,
)
from livelake.cli import app
from tests.conftest import ingest, lake_table
from tests.ingest.drive_fake import SCOPE, FakeDrive
from tests.ingest.xlsx import SheetSpec, top_up_rows, write_workbook

pytestmark = pytest.mark.orchestration

LIVELAKE = Path(sys.executable).with_name("livelake")
T = dt.datetime
WHEN = T(2025, 3, 2, 1, 0, tzinfo=dt.UTC)


def _workbook(tmp: Path, order: str, amount: int = 5) -> bytes:
    path = tmp / f"{order}.xlsx"
    write_workbook(
        path, SheetSpec("s", top_up_rows([order, "7", T(2025, 3, 1, 9), amount, "Success"]))
    )
    return path.read_bytes()


def _settings(fake: FakeDrive, retry_s: float = 20.0, chunk: int = 4096) -> DriveSettings:
    return DriveSettings(
        endpoint=fake.api_endpoint, timeout_s=10, retry_s=retry_s, chunk_bytes=chunk
    )


@pytest.fixture
def shared(drive_fake: FakeDrive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A folder shared with the service account whose key is in the environment."""
    key = drive_fake.service_account_key(tmp_path / "keys" / "reader.json")
    for name, value in drive_fake.environment(key).items():
        monkeypatch.setenv(name, value)
    folder = drive_fake.add_folder("back office reports")
    drive_fake.share(folder, drive_fake.email)
    return folder


def test_the_folder_is_mirrored_once_and_changes_fetched_again(
    drive_fake: FakeDrive, shared: str, tmp_path: Path
) -> None:
    drive_fake.max_page_size = 3  # 9 items at the top: three pages
    made = tmp_path / "made"
    books = {f"top_{i}.xlsx": _workbook(made, f"T{i}") for i in range(4)}
    ids = {n: drive_fake.add_file(n, data, shared, modified=WHEN) for n, data in books.items()}
    monthly = _workbook(made, "M1")
    drive_fake.add_file("2025-03/monthly.xlsx", monthly, shared, modified=WHEN)
    sheet = _workbook(made, "G1")
    drive_fake.add_sheet("儲值紀錄 sheet", sheet, shared, modified=WHEN)
    gone = drive_fake.add_file("old.xlsx", _workbook(made, "X1"), shared)
    drive_fake.trash(gone)
    drive_fake.add_file("notes.txt", b"not a report", shared, mime_type="text/plain")
    drive_fake.add_file("長" * 70 + ".xlsx", b"x", shared)  # 215 bytes in UTF-8
    mirror = tmp_path / "data" / "inbox" / "gdrive" / shared

    source = GoogleDriveSource(shared, mirror, _settings(drive_fake))
    report = source.extract()
    assert sorted(report.fetched) == sorted([*books, "2025-03/monthly.xlsx", "儲值紀錄 sheet.xlsx"])
    assert report.ignored == [
        {"file": "notes.txt", "reason": report.ignored[0]["reason"]},
        {"file": "old.xlsx", "reason": "in Drive's trash"},
        {
            "file": "長" * 70 + ".xlsx",
            "reason": "its name is longer than 200 bytes: rename it in Drive",
        },
    ]
    assert "not a supported format (.txt files)" in report.ignored[0]["reason"]
    for name, data in books.items():
        assert (mirror / name).read_bytes() == data
        assert (mirror / name).stat().st_mtime == WHEN.timestamp()
    assert (mirror / "2025-03" / "monthly.xlsx").read_bytes() == monthly
    assert (mirror / "儲值紀錄 sheet.xlsx").read_bytes() == sheet
    assert not list(mirror.rglob("*.part"))
    # Read-only scope; shared drives included; 3 pages at the top, 1 in 2025-03/.
    assert set(drive_fake.scopes) == {SCOPE}
    lists = drive_fake.calls("list")
    assert len(lists) == 4
    assert all(
        r.query["supportsAllDrives"] == "true" and r.query["includeItemsFromAllDrives"] == "true"
        for r in lists
    )
    # A workbook of ~6 kB arrives in 4 kB ranges; the sheet is exported as xlsx.
    media = [r for r in drive_fake.calls("media") if r.path.endswith(ids["top_0.xlsx"])]
    size = len(books["top_0.xlsx"])
    assert [r.headers["range"] for r in media] == [
        f"bytes={start}-{start + 4095}" for start in range(0, size, 4096)
    ]
    assert len(media) >= 2
    (export,) = drive_fake.calls("export")
    assert export.query["mimeType"].endswith("spreadsheetml.sheet")
    files = list(source.files())
    assert [f.source_file for f in files] == sorted(f.source_file for f in files)
    assert {f.mtime for f in files} == {WHEN}

    drive_fake.requests.clear()
    again = GoogleDriveSource(shared, mirror, _settings(drive_fake)).extract()
    assert (again.fetched, again.unchanged) == ([], 6)
    assert drive_fake.calls("media") == drive_fake.calls("export") == []

    changed = _workbook(made / "v2", "T0", amount=9)
    drive_fake.change_file(ids["top_0.xlsx"], changed)
    third = GoogleDriveSource(shared, mirror, _settings(drive_fake)).extract()
    assert (third.fetched, third.unchanged) == (["top_0.xlsx"], 5)
    assert (mirror / "top_0.xlsx").read_bytes() == changed


def test_a_changed_file_is_ingested_again_as_a_newer_export(
    drive_fake: FakeDrive, shared: str, world: Path, tmp_path: Path
) -> None:
    made = tmp_path / "made"
    file_id = drive_fake.add_file("top.xlsx", _workbook(made, "T1", 5), shared, modified=WHEN)
    mirror = world / "inbox" / "gdrive" / shared

    def run() -> list[tuple[str, str]]:
        source = GoogleDriveSource(shared, mirror, _settings(drive_fake))
        report = run_ingest(source, world / "lake", workers=0)
        return [(f.source_file, f.status) for f in report.files]

    assert run() == [("top.xlsx", "loaded")]
    assert run() == [("top.xlsx", "already_ingested")]
    later = WHEN + dt.timedelta(hours=3)
    drive_fake.change_file(file_id, _workbook(made / "v2", "T1", 7), modified=later)
    assert run() == [("top.xlsx", "loaded")]
    frame = lake_table(world, "top_up").sort("exported_at")
    assert frame.select("source_file", "order_id", "amount").rows() == [
        ("top.xlsx", "T1", 5),
        ("top.xlsx", "T1", 7),
    ]
    assert frame["exported_at"].to_list() == [WHEN, later]
    # The inbox read as a local folder leaves the mirror to its source (one lineage).
    local = ingest(world)
    assert local.files == []
    assert local.ignored == [
        {
            "file": f"gdrive/{shared}/",
            "reason": "the mirror of a Google Drive folder: read it with --source gdrive:ID",
        }
    ]


def test_500_403_rate_limit_and_429_are_retried_honouring_retry_after(
    drive_fake: FakeDrive, shared: str, tmp_path: Path
) -> None:
    data = _workbook(tmp_path, "R1")
    drive_fake.add_file("r.xlsx", data, shared)
    drive_fake.fail("token", 503)
    drive_fake.fail("list", 500)
    drive_fake.fail("list", 403, reason="userRateLimitExceeded")
    drive_fake.fail("media", 429, retry_after=1)
    mirror = tmp_path / "mirror"
    report = GoogleDriveSource(shared, mirror, _settings(drive_fake, chunk=1 << 20)).extract()
    assert report.fetched == ["r.xlsx"]
    assert (mirror / "r.xlsx").read_bytes() == data
    lists, media = drive_fake.calls("list"), drive_fake.calls("media")
    assert len(drive_fake.calls("token")) == 2
    assert len(lists) == 3 and len(media) == 2
    # The second try came after the Retry-After the 429 asked for, not before.
    assert media[1].at - media[0].at >= 1.0


def test_a_download_cut_halfway_leaves_no_file_and_the_next_extract_finishes_it(
    drive_fake: FakeDrive, shared: str, tmp_path: Path
) -> None:
    made = tmp_path / "made"
    first = _workbook(made, "C0")
    drive_fake.add_file("a_first.xlsx", first, shared)
    data = _workbook(made, "C1")
    cut = drive_fake.add_file("b_cut.xlsx", data, shared)
    drive_fake.cut(cut, times=1000)  # every try, until the retry bound is spent
    mirror = tmp_path / "mirror"
    with pytest.raises(DriveUnavailableError, match="the download of b_cut.xlsx: still failing"):
        GoogleDriveSource(shared, mirror, _settings(drive_fake, retry_s=2)).extract()
    assert sorted(p.name for p in mirror.iterdir() if not p.name.startswith(".")) == [
        "a_first.xlsx"
    ]
    assert not list(mirror.rglob("*.part"))
    drive_fake.clear_faults()
    drive_fake.requests.clear()
    report = GoogleDriveSource(shared, mirror, _settings(drive_fake)).extract()
    assert (report.fetched, report.unchanged) == (["b_cut.xlsx"], 1)
    assert (mirror / "b_cut.xlsx").read_bytes() == data


def _livelake(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LIVELAKE), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_bad_key_unshared_folder_and_unknown_folder_exit_2_naming_the_fix(
    drive_fake: FakeDrive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = drive_fake.service_account_key(tmp_path / "key.json")
    private = drive_fake.add_folder("not shared")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LIVELAKE_", "GOOGLE_"))},
        **drive_fake.environment(key),
        "LIVELAKE_DATA_DIR": str(tmp_path / "data"),
    }
    # As a process, from LIVELAKE_SOURCE (the DAG's way): exit 2 before the lake.
    done = _livelake("ingest", env=env | {"LIVELAKE_SOURCE": f"gdrive:{private}"}, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert (
        f"Drive folder {private} was not found by {drive_fake.email}: share the folder with "
        f"{drive_fake.email} (Viewer is enough)"
    ) in done.stderr
    assert not (tmp_path / "data" / "lake").exists()

    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def extract(folder: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["extract", "--source", f"gdrive:{folder}"])
        return result.exit_code, " ".join(result.output.split())

    code, said = extract("no-such-id")
    assert code == 2 and "Drive folder no-such-id was not found" in said
    code, said = extract("")
    assert code == 2 and "'gdrive:' is not a Drive folder: write gdrive:FOLDER_ID" in said
    run = CliRunner().invoke(app, ["run", "--source", "gdrive:no-such-id"])
    assert run.exit_code == 2  # the chain stops at the ingest: nothing built
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()
    drive_fake.share(private, drive_fake.email)
    assert extract(private) == (
        0,
        f"extracted Drive folder {private} into "
        f"{tmp_path / 'data' / 'inbox' / 'gdrive' / private}: 0 fetched, "
        "0 unchanged, 0 removed, 0 ignored",
    )
    deleted = drive_fake.service_account_key(tmp_path / "deleted.json", registered=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(deleted))
    code, said = extract(private)
    assert code == 2
    assert (
        f"the credentials of {drive_fake.email} were refused (invalid_grant: Invalid JWT "
        "Signature.)"
    ) in said
    (tmp_path / "broken.json").write_text("{}")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "broken.json"))
    code, said = extract(private)
    assert code == 2
    assert f"GOOGLE_APPLICATION_CREDENTIALS={tmp_path / 'broken.json'} is not a usable key" in said
    assert "create a JSON key for the service account" in said


def test_ingest_from_drive_loads_the_same_rows_as_the_same_files_from_a_folder(
    drive_fake: FakeDrive, small_world: tuple[Path, object], tmp_path: Path
) -> None:
    """The small world's inbox uploaded to Drive (its sub-folders, one page of 25),
    `livelake ingest --source gdrive:...` as a process: the lake equals a local
    ingest of the same folder, Drive paths as lineage."""
    inbox = small_world[0] / "inbox"
    drive_fake.max_page_size = 25
    key = drive_fake.service_account_key(tmp_path / "key.json")
    folder = drive_fake.add_folder("reports")
    drive_fake.share(folder, drive_fake.email)
    assert drive_fake.upload(inbox, folder) > 50  # sub-folders too
    local = tmp_path / "local"
    local.mkdir()
    (local / "inbox").symlink_to(inbox)
    local_report = ingest(local, workers=2)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LIVELAKE_", "GOOGLE_"))},
        **drive_fake.environment(key),
        "LIVELAKE_DATA_DIR": str(tmp_path / "drive"),
        "LIVELAKE_SOURCE": f"gdrive:{folder}",
    }
    done = _livelake("ingest", "--json", env=env, cwd=tmp_path)
    assert done.returncode == local_report.exit_code == 3, done.stderr

    summary = json.loads(done.stdout)
    assert summary["totals"] == local_report.totals()
    lineage_of_run = ["ingested_at", "run_id"]
    for table in ("top_up", "pre_deduction", "post_deduction", "channel_stats", "user_activity"):
        from_drive = lake_table(tmp_path / "drive", table).drop(lineage_of_run)
        from_folder = lake_table(local, table).drop(lineage_of_run)
        assert from_drive.height > 0
        # exported_at from a file's mtime: Drive keeps milliseconds.
        ms = pl.col("exported_at").dt.truncate("1s")
        assert from_drive.with_columns(ms).equals(from_folder.with_columns(ms)), table

"""A Google Drive folder (and its sub-folders) as a source, through a local mirror.

The back office drops its reports into a shared Drive folder. `extract` mirrors it
into the data directory (`inbox/gdrive/<folder id>/<Drive path>`) with Drive v3
(google-api-python-client), read-only (`drive.readonly`), shared drives included;
the run then reads the mirror like any local file, with the Drive path (relative to
the shared folder) as `source_file`. So the run does not know which source it has.

- Only what is new or changed is fetched: the mirror's state file remembers each
  Drive file by id with its `md5Checksum` (binary workbooks) or `modifiedTime` and
  `version` (native Google Sheets, which have no checksum and are exported as xlsx).
  A file edited in place is fetched again and, its bytes being new, ingested as a new
  export; one removed from Drive leaves the mirror (the lake keeps what it loaded).
- Every file is written under a temporary name (a hidden `.part`, which the local
  source ignores) and renamed into place when complete, and the state is saved every
  few seconds and at the end: an interrupted extract leaves no partial file, and the
  next one goes on where it stopped.
- Every call has a timeout (`LIVELAKE_GDRIVE_TIMEOUT_SECONDS`); 429 and 5xx answers
  (and dropped connections) are retried with exponential backoff, honouring
  `Retry-After`, for at most `LIVELAKE_GDRIVE_RETRY_SECONDS` per call
  (`DriveUnavailableError`, exit 1).
- What cannot work without a person (no or bad credentials, a folder that does not
  exist or is not shared with the service account) fails at once with
  `DriveConfigError` (exit 2), naming what to fix and the e-mail to share with.
- Trashed files, shortcuts, Google Docs that are not Sheets and names the ingest does
  not read are listed as ignored with their reason, as the local source does.

`LIVELAKE_GDRIVE_API_ENDPOINT` (with its `/drive/v3/` path) points the client at
another server (the tests' fake, tests/ingest/drive_fake.py); unset, Google's own.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from ingest.sources.base import MIRROR_STATE, SourceFile, ignored_reason
from lake.atomic import flush
from lake.lock import BusyError, exclusive
from settings.env import SettingError, positive_number

PREFIX = "gdrive:"
SCOPE = "https://www.googleapis.com/auth/drive.readonly"
ENDPOINT_ENV = "LIVELAKE_GDRIVE_API_ENDPOINT"
TIMEOUT_ENV = "LIVELAKE_GDRIVE_TIMEOUT_SECONDS"
RETRY_ENV = "LIVELAKE_GDRIVE_RETRY_SECONDS"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"

FOLDER_MIME = "application/vnd.google-apps.folder"
SHEET_MIME = "application/vnd.google-apps.spreadsheet"
SHORTCUT_MIME = "application/vnd.google-apps.shortcut"
GOOGLE_APPS = "application/vnd.google-apps."
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Answers worth another try: rate limits and the server's own failures.
RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
STATE_NAME = MIRROR_STATE
# A local file name's limit (255 bytes on ext4), less room for the temporary's affixes.
MAX_NAME_BYTES = 200
LOCK_NAME = ".livelake-drive.lock"
PART_PREFIX = ".livelake-"
PART_SUFFIX = ".part"
# The state is saved this often while files arrive, and at the end (a failed download
# included): an extract killed outright fetches again at most what arrived since
# (the ingest skips bytes it holds).
STATE_EVERY_S = 5.0
_FIELDS = "id,name,mimeType,md5Checksum,modifiedTime,version,size,trashed"

T = TypeVar("T")


class DriveConfigError(Exception):
    """Something only a person can fix: credentials, the folder id, its sharing (exit 2)."""


class DriveUnavailableError(Exception):
    """Drive kept failing past the retry bound, or answered what no retry fixes (exit 1)."""


def folder_id(source: str) -> str | None:
    """The folder id of a `gdrive:FOLDER_ID` source, None for a local folder."""
    if not source.startswith(PREFIX):
        return None
    folder = source.removeprefix(PREFIX).strip().strip("/")
    if not folder or "/" in folder:
        raise DriveConfigError(
            f"{source!r} is not a Drive folder: write gdrive:FOLDER_ID, the id at the end "
            "of the folder's address (drive.google.com/drive/folders/FOLDER_ID)"
        )
    return folder


@dataclass(frozen=True)
class DriveSettings:
    endpoint: str | None  # None: Google's own
    timeout_s: float  # one HTTP call
    retry_s: float  # the retries of one call, in all
    chunk_bytes: int = 16 << 20  # a download's Range requests

    @classmethod
    def from_env(cls) -> DriveSettings:
        return cls(
            endpoint=os.environ.get(ENDPOINT_ENV) or None,
            timeout_s=_positive(TIMEOUT_ENV, 60.0),
            retry_s=_positive(RETRY_ENV, 300.0),
        )


@dataclass
class ExtractReport:
    folder_id: str
    mirror: Path
    fetched: list[str] = field(default_factory=list)  # Drive paths fetched this time
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)  # gone from Drive, left the mirror
    ignored: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "folder_id": self.folder_id,
            "mirror": str(self.mirror),
            "fetched": self.fetched,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "ignored": self.ignored,
        }

    def line(self) -> str:
        """One line for a log."""
        fetched = ", ".join(self.fetched[:5]) + (" ..." if len(self.fetched) > 5 else "")
        return (
            f"extracted Drive folder {self.folder_id} into {self.mirror}: "
            f"{len(self.fetched)} fetched{f' ({fetched})' if fetched else ''}, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed, "
            f"{len(self.ignored)} ignored"
        )


@dataclass(frozen=True)
class _Remote:
    """A Drive file the ingest reads, where it goes in the mirror."""

    id: str
    path: str  # the Drive path under the shared folder, posix
    export: bool  # a Google Sheet: exported as xlsx
    key: str  # what changes when the content does
    modified: dt.datetime


class GoogleDriveSource:
    """The `Source` of a Drive folder (ingest.sources.base): `extract` first (the run's
    `files` does it if not done), then the mirror's files under their Drive paths."""

    def __init__(self, folder: str, mirror: Path, settings: DriveSettings | None = None) -> None:
        self.folder = folder
        self.mirror = mirror
        self.settings = settings or DriveSettings.from_env()
        self._report: ExtractReport | None = None
        self._files: list[SourceFile] = []
        self._drive: Any = None
        self.email: str | None = None

    # --- the Source interface ----------------------------------------------------------

    def files(self) -> Iterator[SourceFile]:
        self.extract()
        yield from self._files

    def ignored(self) -> list[dict[str, str]]:
        return list(self.extract().ignored)

    # --- the extract -------------------------------------------------------------------

    def extract(self) -> ExtractReport:
        """Mirror the folder: fetch what is new or changed (once per instance)."""
        if self._report is not None:
            return self._report
        self._connect()
        self.mirror.mkdir(parents=True, exist_ok=True)

        def busy(holder: str) -> BusyError:
            return BusyError(f"another extract of {self.mirror} is running ({holder})")

        with exclusive(self.mirror / LOCK_NAME, doing="extract", busy=busy, wait=True):
            self._sweep()
            report = ExtractReport(self.folder, self.mirror)
            remotes = self._list(report)
            state = self._load_state()
            saved = time.monotonic()
            for gone in sorted(set(state) - {r.id for r in remotes}):
                old = state.pop(gone)
                (self.mirror / old["path"]).unlink(missing_ok=True)
                report.removed.append(old["path"])
            try:
                for remote in remotes:
                    known = state.get(remote.id)
                    target = self.mirror / remote.path
                    same = known and (known["key"], known["path"]) == (remote.key, remote.path)
                    if same and target.is_file():
                        report.unchanged += 1
                        continue
                    if known and known["path"] != remote.path:
                        (self.mirror / known["path"]).unlink(missing_ok=True)  # renamed in Drive
                    self._download(remote, target)
                    state[remote.id] = {"path": remote.path, "key": remote.key}
                    report.fetched.append(remote.path)
                    if time.monotonic() - saved > STATE_EVERY_S:
                        self._save_state(state)
                        saved = time.monotonic()
            finally:  # what arrived is kept, also when a download fails
                self._save_state(state)
            self._files = [
                SourceFile(
                    source_file=r.path,
                    path=self.mirror / r.path,
                    size_bytes=(self.mirror / r.path).stat().st_size,
                    mtime=r.modified,
                )
                for r in sorted(remotes, key=lambda r: r.path)
            ]
        report.ignored.sort(key=lambda i: i["file"])
        self._report = report
        return report

    def _connect(self) -> None:
        """Credentials, the client, the folder: every problem a person must fix, now."""
        import google.auth
        import google_auth_httplib2
        import httplib2
        from google.auth import exceptions as auth_errors
        from googleapiclient.discovery import build
        from googleapiclient.errors import HttpError

        key = os.environ.get(CREDENTIALS_ENV)
        try:
            credentials = _key_file(key) if key else google.auth.default(scopes=[SCOPE])[0]
        except (auth_errors.DefaultCredentialsError, ValueError, KeyError, OSError) as exc:
            if key and not Path(key).is_file():
                raise DriveConfigError(
                    f"{CREDENTIALS_ENV}={key}: no such file; point it at the service "
                    "account's JSON key"
                ) from exc
            where = (
                f"{CREDENTIALS_ENV}={key} is not a usable key"
                if key
                else (
                    f"no Google credentials: set {CREDENTIALS_ENV} to a service account's JSON key"
                )
            )
            raise DriveConfigError(
                f"{where} ({_first_line(exc)}); create a JSON key for the service account "
                "(IAM > Service accounts > Keys) and share the Drive folder with its e-mail"
            ) from exc
        self.email = getattr(credentials, "service_account_email", None)
        who = self.email or "the account of the application default credentials"
        timeout = self.settings.timeout_s
        sign_in = google_auth_httplib2.Request(httplib2.Http(timeout=timeout))
        try:
            self._retrying(lambda: credentials.refresh(sign_in), "the sign-in")
        except auth_errors.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise DriveUnavailableError(f"Google's token endpoint: {exc}") from exc
            raise DriveConfigError(
                f"the credentials of {who} were refused ({_first_line(exc)}): the key "
                f"may be deleted or disabled; create a new JSON key and point {CREDENTIALS_ENV} "
                "at it"
            ) from exc
        http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
        options = {"api_endpoint": self.settings.endpoint} if self.settings.endpoint else None
        self._drive = build(
            "drive",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options=options,
        )
        request = self._drive.files().get(
            fileId=self.folder, fields="id,name,mimeType,trashed", supportsAllDrives=True
        )
        try:
            folder = self._retrying(lambda: request.execute(num_retries=0), "the folder")
        except HttpError as exc:
            status = exc.resp.status
            if status in (403, 404):
                seen = "was not found" if status == 404 else "cannot be read"
                raise DriveConfigError(
                    f"Drive folder {self.folder} {seen} by {who}: share the folder with "
                    f"{self.email or 'that account'} (Viewer is enough), or check the id in "
                    "--source / LIVELAKE_SOURCE (gdrive:FOLDER_ID)"
                ) from exc
            if status == 401:
                raise DriveConfigError(
                    f"Drive refused the credentials of {who}: check {CREDENTIALS_ENV}"
                ) from exc
            raise DriveUnavailableError(f"Drive: {_first_line(exc)}") from exc
        if folder.get("mimeType") != FOLDER_MIME or folder.get("trashed"):
            what = "in the trash" if folder.get("trashed") else f"a {folder.get('mimeType')}"
            raise DriveConfigError(
                f"Drive item {self.folder} ({folder.get('name')!r}) is {what}, not a folder: "
                "give the id of the folder the reports are dropped into"
            )

    def _list(self, report: ExtractReport) -> list[_Remote]:
        """Every file the ingest reads under the folder; the rest into `report.ignored`."""
        remotes: list[_Remote] = []
        taken: set[str] = set()
        pending: list[tuple[str, PurePosixPath]] = [(self.folder, PurePosixPath())]
        while pending:
            parent, where = pending.pop(0)
            for item in sorted(self._children(parent), key=lambda i: (i["name"], i["id"])):
                name = item["name"].replace("/", "_").replace("\x00", "_") or item["id"]
                path = where / name
                mime = item.get("mimeType", "")
                if len(name.encode()) > MAX_NAME_BYTES:
                    reason = f"its name is longer than {MAX_NAME_BYTES} bytes: rename it in Drive"
                    report.ignored.append({"file": str(path), "reason": reason})
                elif item.get("trashed"):
                    suffix = "/" if mime == FOLDER_MIME else ""
                    report.ignored.append({"file": f"{path}{suffix}", "reason": "in Drive's trash"})
                elif mime == FOLDER_MIME:
                    if name.startswith("."):
                        report.ignored.append({"file": f"{path}/", "reason": "hidden folder"})
                    else:
                        pending.append((item["id"], path))
                elif mime == SHEET_MIME:
                    if not name.lower().endswith(".xlsx"):
                        path = path.with_name(f"{name}.xlsx")
                    key = f"{item.get('modifiedTime')} v{item.get('version')}"
                    remotes.append(self._remote(item, path, True, key, taken, report))
                elif mime.startswith(GOOGLE_APPS):
                    why = (
                        "a Drive shortcut (not followed: put the file itself in the folder)"
                        if mime == SHORTCUT_MIME
                        else f"a Google file of type {mime.removeprefix(GOOGLE_APPS)} "
                        "(only Google Sheets are exported, as xlsx)"
                    )
                    report.ignored.append({"file": str(path), "reason": why})
                elif (reason := ignored_reason(name)) is not None:
                    report.ignored.append({"file": str(path), "reason": reason})
                else:
                    key = item.get("md5Checksum") or (
                        f"{item.get('modifiedTime')} {item.get('size')}"
                    )
                    remotes.append(self._remote(item, path, False, key, taken, report))
        return remotes

    def _remote(
        self,
        item: dict[str, Any],
        path: PurePosixPath,
        export: bool,
        key: str,
        taken: set[str],
        report: ExtractReport,
    ) -> _Remote:
        """Drive allows two files of one name in a folder; the mirror cannot: the second
        gets its id in its name."""
        text = str(path)
        if text in taken:
            text = str(path.with_name(f"{path.stem} ({item['id']}){path.suffix}"))
        taken.add(text)
        return _Remote(item["id"], text, export, key, _instant(item.get("modifiedTime")))

    def _children(self, parent: str) -> Iterator[dict[str, Any]]:
        files = self._drive.files()
        token: str | None = None
        while True:
            request = files.list(
                q=f"'{parent}' in parents",
                fields=f"nextPageToken,files({_FIELDS})",
                pageSize=1000,
                pageToken=token,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
            )
            page = self._retrying(lambda r=request: r.execute(num_retries=0), "a folder listing")
            yield from page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def _download(self, remote: _Remote, target: Path) -> None:
        """The file's bytes under a temporary name, then renamed into place."""
        from googleapiclient.http import MediaIoBaseDownload

        files = self._drive.files()
        if remote.export:
            request = files.export_media(fileId=remote.id, mimeType=XLSX_MIME)
        else:
            request = files.get_media(fileId=remote.id, supportsAllDrives=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{PART_PREFIX}{target.name}.{os.getpid()}{PART_SUFFIX}")
        try:
            with tmp.open("wb") as handle:
                download = MediaIoBaseDownload(handle, request, chunksize=self.settings.chunk_bytes)
                done = False
                while not done:
                    _, done = self._retrying(
                        lambda: download.next_chunk(num_retries=0), f"the download of {remote.path}"
                    )
            os.utime(tmp, (remote.modified.timestamp(), remote.modified.timestamp()))
            flush(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def _retrying(self, call: Callable[[], T], what: str) -> T:
        """`call`, again after 429/5xx answers and dropped connections, with exponential
        backoff (or the answer's Retry-After) until the retry bound is spent."""
        import httplib2
        from google.auth import exceptions as auth_errors
        from googleapiclient.errors import HttpError

        deadline = time.monotonic() + self.settings.retry_s
        tries = 0
        while True:
            tries += 1
            try:
                return call()
            except HttpError as exc:
                if exc.resp.status not in RETRIED_STATUS and not _rate_limited(exc):
                    raise
                last = f"HTTP {exc.resp.status}"
                wait = _retry_after(exc.resp) or _backoff(tries)
            except (
                OSError,
                http.client.HTTPException,
                httplib2.HttpLib2Error,
                auth_errors.TransportError,
            ) as exc:
                last = f"{type(exc).__name__}: {_first_line(exc)}"
                wait = _backoff(tries)
            if time.monotonic() + wait > deadline:
                raise DriveUnavailableError(
                    f"Drive, {what}: still failing after {tries} tries ({last}); the retries "
                    f"are bounded by {RETRY_ENV}={self.settings.retry_s:g} s. Files fetched so "
                    "far stay; run it again"
                )
            time.sleep(wait)

    # --- the mirror's state ------------------------------------------------------------

    def _load_state(self) -> dict[str, dict[str, str]]:
        try:
            state = json.loads((self.mirror / STATE_NAME).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}  # no state (or a damaged one): everything is fetched again
        return dict(state.get("files", {}))

    def _save_state(self, files: dict[str, dict[str, str]]) -> None:
        path = self.mirror / STATE_NAME
        tmp = path.with_name(f"{PART_PREFIX}state.{os.getpid()}{PART_SUFFIX}")
        record = {"folder_id": self.folder, "files": files}
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        flush(tmp)
        os.replace(tmp, path)

    def _sweep(self) -> None:
        """Temporaries a killed extract left (this one holds the mirror's lock)."""
        for part in self.mirror.rglob(f"{PART_PREFIX}*{PART_SUFFIX}"):
            part.unlink(missing_ok=True)


def _key_file(path: str) -> Any:
    """The credentials of a key file: a service account's key (or a user's, from
    `gcloud auth application-default login`), scoped read-only."""
    from google.auth import exceptions as auth_errors
    from google.oauth2 import credentials as user
    from google.oauth2 import service_account

    try:
        kind = json.loads(Path(path).read_text(encoding="utf-8")).get("type")
    except FileNotFoundError as exc:
        raise auth_errors.DefaultCredentialsError(f"{path} does not exist") from exc
    except (ValueError, AttributeError) as exc:
        raise auth_errors.DefaultCredentialsError(f"{path} is not JSON") from exc
    if kind == "service_account":
        return service_account.Credentials.from_service_account_file(path, scopes=[SCOPE])
    if kind == "authorized_user":
        return user.Credentials.from_authorized_user_file(path, scopes=[SCOPE])
    raise auth_errors.DefaultCredentialsError(
        f"its type is {kind!r}, not a service account key (service_account)"
    )


def _rate_limited(exc: Any) -> bool:
    """Drive also answers a rate limit as 403 (`userRateLimitExceeded`): retried too."""
    details = getattr(exc, "error_details", None)
    reasons = (
        {d.get("reason") for d in details if isinstance(d, dict)}
        if isinstance(details, list)
        else set()
    )
    return exc.resp.status == 403 and bool(reasons & RATE_LIMIT_REASONS)


def _retry_after(response: Any) -> float | None:
    value = response.get("retry-after") if hasattr(response, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the backoff instead


def _backoff(tries: int) -> float:
    """0.5 s, 1 s, 2 s, ... up to 30 s, each with jitter (clients retrying together
    do not stay in step)."""
    return min(0.5 * 2 ** (tries - 1), 30.0) * random.uniform(0.75, 1.0)


def _instant(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def _first_line(exc: BaseException) -> str:
    first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    text = first.strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _positive(name: str, default: float) -> float:
    """A positive number of seconds from the environment (settings.env), as a Drive
    configuration error."""
    try:
        return positive_number(name, default, unit="seconds")
    except SettingError as exc:
        raise DriveConfigError(str(exc)) from None

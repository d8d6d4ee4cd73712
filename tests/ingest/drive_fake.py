"""A fake Google Drive v3 server for tests: the real client library talks to it.

google-api-python-client is pointed at it with `LIVELAKE_GDRIVE_API_ENDPOINT`
(`fake.api_endpoint`, which includes `/drive/v3/`); the discovery document is the
library's static copy, so the fake serves only what the Drive source calls:

- `POST /token`: the OAuth token endpoint of a service account's key (the key file
  `fake.service_account_key` writes has `token_uri` pointing here). It checks the JWT
  assertion's signature against the key it generated, its audience and its scope,
  and answers 400 `invalid_grant` to anything else, as Google does;
- `GET /drive/v3/files?q='ID' in parents`: the children of a folder, trashed ones
  included (with `trashed: true`), in pages of `pageSize` (capped at `max_page_size`)
  with `nextPageToken`;
- `GET /drive/v3/files/ID`: the file's metadata; `?alt=media` its bytes, honouring
  `Range` (206 and `Content-Range`), so a download in several chunks is exercised;
- `GET /drive/v3/files/ID/export?mimeType=...&alt=media`: a Google Sheet as xlsx
  (the bytes given to `add_sheet`), whole, as Google's export answers.

A file is visible to a service account only when it or a folder above it is shared
with its e-mail (`share`); anything else is 404 "File not found", as Drive answers
for an unknown id and for a file not shared with you; `forbid(id)` makes one answer
403 instead. Faults are injected per call kind: `fail("list"|"get"|"media"|"export"|
"token", status, times=, retry_after=)` answers an error status, `cut(file_id)` sends
half of a download and closes the connection. `requests` records every request.

Use it as a context manager, or through the `drive_fake` fixture (re-exported by
tests/ingest/conftest.py):

    with FakeDrive() as fake:
        key = fake.service_account_key(tmp_path / "key.json")
        folder = fake.add_folder("reports")
        fake.share(folder, fake.email)
        fake.add_file("2025-03/a.xlsx", data, parent=folder)   # makes 2025-03/ too
        fake.upload(Path("data/inbox"), folder)                 # a whole local tree
        env = fake.environment(key)  # GOOGLE_APPLICATION_CREDENTIALS, LIVELAKE_GDRIVE_API_ENDPOINT
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FOLDER = "application/vnd.google-apps.folder"
SHEET = "application/vnd.google-apps.spreadsheet"
DOCUMENT = "application/vnd.google-apps.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCOPE = "https://www.googleapis.com/auth/drive.readonly"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
DEFAULT_EMAIL = "livelake-reader@livelake-test.iam.gserviceaccount.com"


@dataclass
class Item:
    id: str
    name: str
    mime_type: str
    parent: str | None
    data: bytes = b""
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    version: int = 1
    trashed: bool = False

    def metadata(self) -> dict[str, object]:
        meta: dict[str, object] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": [self.parent] if self.parent else [],
            "trashed": self.trashed,
            "modifiedTime": self.modified.astimezone(dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "version": str(self.version),
        }
        if not self.mime_type.startswith("application/vnd.google-apps."):
            meta["md5Checksum"] = hashlib.md5(self.data).hexdigest()
            meta["size"] = str(len(self.data))
        return meta


@dataclass
class Fault:
    kind: str  # list | get | media | export | token
    status: int | None  # None: cut the body halfway
    times: int
    retry_after: float | None = None
    file_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    kind: str
    at: float  # time.monotonic() when it arrived


class FakeDrive:
    """The fake server; see the module. Thread-safe enough for one client at a time."""

    def __init__(self, max_page_size: int = 1000) -> None:
        self.max_page_size = max_page_size
        self.items: dict[str, Item] = {}
        self.shared: dict[str, set[str]] = {}  # item id -> e-mails it is shared with
        self.forbidden: set[str] = set()
        self.keys: dict[str, tuple[str, str]] = {}  # key id -> (e-mail, public key PEM)
        self.tokens: dict[str, str] = {}  # access token -> e-mail
        self.scopes: list[str] = []  # the scope of every token granted
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.email = DEFAULT_EMAIL
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeDrive:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeDrive:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_endpoint(self) -> str:
        return f"{self.url}/drive/v3/"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def environment(self, key: Path) -> dict[str, str]:
        """The variables that point the product at this fake with this key."""
        return {
            "GOOGLE_APPLICATION_CREDENTIALS": str(key),
            "LIVELAKE_GDRIVE_API_ENDPOINT": self.api_endpoint,
        }

    # --- credentials -------------------------------------------------------------------

    def service_account_key(
        self, path: Path, email: str | None = None, *, registered: bool = True
    ) -> Path:
        """Write a new service account's JSON key (0600) whose `token_uri` is this fake.
        `registered=False`: a key the fake does not know (a deleted key), refused."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        email = email or self.email
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_id = secrets.token_hex(20)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        if registered:
            self.keys[key_id] = (email, public)
        key = {
            "type": "service_account",
            "project_id": "livelake-test",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": "1" * 21,
            "auth_uri": f"{self.url}/auth",
            "token_uri": self.token_uri,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(key), encoding="utf-8")
        path.chmod(0o600)
        return path

    # --- content -----------------------------------------------------------------------

    def _new_id(self) -> str:
        return f"f{next(self._ids):04d}{secrets.token_hex(4)}"

    def add_folder(self, name: str, parent: str | None = None) -> str:
        with self._lock:
            item = Item(self._new_id(), name, FOLDER, parent)
            self.items[item.id] = item
            return item.id

    def _parent_of(self, name: str, parent: str | None) -> tuple[str, str | None]:
        """`a/b/c.xlsx` under `parent`: the folders a/ and b/ (made if missing)."""
        *folders, leaf = name.split("/")
        for folder in folders:
            found = next(
                (
                    i.id
                    for i in self.items.values()
                    if i.parent == parent and i.name == folder and i.mime_type == FOLDER
                ),
                None,
            )
            parent = found or self.add_folder(folder, parent)
        return leaf, parent

    def add_file(
        self,
        name: str,
        data: bytes,
        parent: str | None,
        *,
        mime_type: str = XLSX,
        modified: dt.datetime | None = None,
    ) -> str:
        """A binary file (a workbook uploaded as it is); `name` may hold folders."""
        leaf, parent = self._parent_of(name, parent)
        with self._lock:
            item = Item(self._new_id(), leaf, mime_type, parent, data)
            if modified is not None:
                item.modified = modified
            self.items[item.id] = item
            return item.id

    def upload(self, folder: Path, parent: str | None) -> int:
        """Every file under a local folder, at its relative path (sub-folders made),
        modified when the local file was; returns how many."""
        count = 0
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            name = path.relative_to(folder).as_posix()
            self.add_file(name, path.read_bytes(), parent, modified=modified)
            count += 1
        return count

    def add_sheet(
        self, name: str, xlsx: bytes, parent: str | None, *, modified: dt.datetime | None = None
    ) -> str:
        """A native Google Sheet; its export as xlsx answers `xlsx`."""
        return self.add_file(name, xlsx, parent, mime_type=SHEET, modified=modified)

    def change_file(self, file_id: str, data: bytes, modified: dt.datetime | None = None) -> None:
        """Edit a file in place: new bytes, a new version and modifiedTime."""
        with self._lock:
            item = self.items[file_id]
            item.data, item.version = data, item.version + 1
            item.modified = modified or max(
                dt.datetime.now(dt.UTC), item.modified + dt.timedelta(seconds=1)
            )

    def trash(self, file_id: str) -> None:
        self.items[file_id].trashed = True

    def share(self, item_id: str, email: str) -> None:
        self.shared.setdefault(item_id, set()).add(email)

    def forbid(self, item_id: str) -> None:
        """The item answers 403 (permission denied) instead of its content."""
        self.forbidden.add(item_id)

    # --- faults ------------------------------------------------------------------------

    def fail(
        self,
        kind: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        file_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        """The next `times` calls of `kind` (list, get, media, export, token) answer
        `status` (with `Retry-After` if given; `reason`: the error's, as Drive's
        `userRateLimitExceeded` on a 403)."""
        self.faults.append(Fault(kind, status, times, retry_after, file_id, reason))

    def cut(self, file_id: str, *, times: int = 1) -> None:
        """The next `times` downloads of the file send half its bytes and hang up."""
        self.faults.append(Fault("download", None, times, file_id=file_id))

    def clear_faults(self) -> None:
        self.faults.clear()

    def calls(self, kind: str) -> list[Request]:
        return [r for r in self.requests if r.kind == kind]

    def _fault(self, kind: str, file_id: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                download = fault.kind == "download" and kind in ("media", "export")
                if (fault.kind == kind or download) and fault.times > 0:
                    if fault.file_id is not None and fault.file_id != file_id:
                        continue
                    fault.times -= 1
                    return fault
        return None

    # --- what a caller sees ------------------------------------------------------------

    def visible(self, item_id: str, email: str | None) -> bool:
        seen: set[str] = set()
        current: str | None = item_id
        while current is not None and current not in seen:
            seen.add(current)
            if email in self.shared.get(current, set()):
                return True
            item = self.items.get(current)
            current = item.parent if item else None
        return False


class _Handler(BaseHTTPRequestHandler):
    fake: FakeDrive
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet

    # --- plumbing ----------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _error(self, status: int, message: str, reason: str, retry_after: float | None = None):
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        self._json(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [{"domain": "global", "reason": reason, "message": message}],
                }
            },
            headers,
        )

    def _record(self, kind: str, query: dict[str, str]) -> None:
        with self.fake._lock:
            self.fake.requests.append(
                Request(
                    self.command,
                    self.path.split("?")[0],
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    kind,
                    time.monotonic(),
                )
            )

    def _injected(self, kind: str, file_id: str | None = None) -> tuple[bool, Fault | None]:
        """(answered with an injected error, a cut to make of the body)."""
        fault = self.fake._fault(kind, file_id)
        if fault is not None and fault.status is not None:
            if kind == "token":  # the OAuth endpoint's own error shape
                self._json(fault.status, {"error": "internal_failure"})
                return True, None
            default = "rateLimitExceeded" if fault.status == 429 else "backendError"
            reason = fault.reason or default
            self._error(fault.status, f"injected {fault.status}", reason, fault.retry_after)
            return True, None
        return False, fault

    # --- the token endpoint ------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        self._record("token", {})
        if urllib.parse.urlsplit(self.path).path != "/token":
            self._error(404, "not found", "notFound")
            return
        if self._injected("token")[0]:
            return
        email = self._verify(form.get("assertion", ""))
        if email is None:
            refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            self._json(400, refused)
            return
        token = secrets.token_urlsafe(24)
        with self.fake._lock:
            self.fake.tokens[token] = email
        self._json(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def _verify(self, assertion: str) -> str | None:
        from google.auth import exceptions, jwt

        try:
            header = json.loads(_b64(assertion.split(".")[0]))
            email, public = self.fake.keys[header.get("kid", "")]
            # google-auth signs for Google's token endpoint whatever the key's token_uri.
            audience = [GOOGLE_TOKEN_URI, self.fake.token_uri]
            claims = jwt.decode(assertion, certs={header["kid"]: public}, audience=audience)
        except (KeyError, ValueError, IndexError, exceptions.GoogleAuthError):
            return None
        if claims.get("iss") != email:
            return None
        with self.fake._lock:
            self.fake.scopes.append(str(claims.get("scope", "")))
        return email

    # --- Drive v3 ----------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query))
        match = re.fullmatch(r"/drive/v3/files(?:/([^/]+))?(/export)?", split.path)
        kind = "unknown"
        if match:
            file_id, export = match.groups()
            if export:
                kind = "export"
            elif file_id:
                kind = "media" if query.get("alt") == "media" else "get"
            else:
                kind = "list"
        self._record(kind, query)
        auth = self.headers.get("Authorization", "")
        email = self.fake.tokens.get(auth.removeprefix("Bearer "))
        if email is None:
            self._error(401, "Request had invalid authentication credentials.", "authError")
            return
        if match is None:
            self._error(404, f"no such endpoint {split.path}", "notFound")
            return
        file_id = match.group(1)
        answered, cut = self._injected(kind, file_id)
        if answered:
            return
        if kind == "list":
            self._list(query, email)
            return
        item = self.fake.items.get(urllib.parse.unquote(file_id or ""))
        if item is None or not self.fake.visible(item.id, email):
            self._error(404, f"File not found: {file_id}.", "notFound")
            return
        if item.id in self.fake.forbidden:
            self._error(
                403,
                "The user does not have sufficient permissions for this file.",
                "insufficientFilePermissions",
            )
            return
        if kind == "get":
            self._json(200, item.metadata())
        elif kind == "export":
            if item.mime_type != SHEET or query.get("mimeType") != XLSX:
                self._error(403, "Export only supports Docs Editors files.", "fileNotExportable")
                return
            self._body(item.data, XLSX, None, cut)
        else:
            if item.mime_type.startswith("application/vnd.google-apps."):
                self._error(
                    403, "Only files with binary content can be downloaded.", "fileNotDownloadable"
                )
                return
            self._body(item.data, item.mime_type, self.headers.get("Range"), cut)

    def _list(self, query: dict[str, str], email: str) -> None:
        found = re.search(r"'([^']+)' in parents", query.get("q", ""))
        if found is None:
            self._error(400, "this fake lists folders only: q=\"'ID' in parents\"", "badRequest")
            return
        parent = found.group(1)
        if parent not in self.fake.items or not self.fake.visible(parent, email):
            self._error(404, f"File not found: {parent}.", "notFound")
            return
        children = sorted(
            (i for i in self.fake.items.values() if i.parent == parent), key=lambda i: i.id
        )
        if re.search(r"trashed\s*=\s*false", query.get("q", "")):
            children = [i for i in children if not i.trashed]
        size = min(int(query.get("pageSize", "100")), self.fake.max_page_size)
        start = int(query.get("pageToken", "0") or 0)
        page = children[start : start + size]
        payload: dict[str, object] = {
            "kind": "drive#fileList",
            "files": [i.metadata() for i in page],
        }
        if start + size < len(children):
            payload["nextPageToken"] = str(start + size)
        self._json(200, payload)

    def _body(self, data: bytes, content_type: str, range_header: str | None, cut: Fault | None):
        status, headers, body = 200, {}, data
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header or "")
        if ranged and data:
            first = int(ranged.group(1))
            last = min(int(ranged.group(2) or len(data) - 1), len(data) - 1)
            status, body = 206, data[first : last + 1]
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        if cut is None:
            self._send(status, body, content_type, headers)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def drive_fake() -> Iterator[FakeDrive]:
    """A started fake Drive, stopped after the test."""
    with FakeDrive() as fake:
        yield fake

"""Where Superset lives for one livelake world, and what it connects to.

Everything hangs off LIVELAKE_DATA_DIR (as `settings.paths.Paths` does), so a test
or a second world gets its own Superset metadata, key and passwords beside its own
serving copy. The analytics database is `warehouse.Warehouse`: the serving copy, or
BigQuery under LIVELAKE_TARGET=prod (LIVELAKE_SUPERSET_DATABASE_URI overrides either),
so the same dashboards read either warehouse without copies.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from livelake_dashboards.warehouse import Warehouse

ADMIN_USER = "admin"
VIEWER_USER = "viewer"
VIEWER_ROLE = "viewer"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str
    port: int
    warehouse: Warehouse

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("LIVELAKE_DATA_DIR", "data")).resolve()
        return cls(
            data_dir=data_dir,
            host=os.environ.get("SUPERSET_HOST", "127.0.0.1"),
            port=int(os.environ.get("SUPERSET_PORT", "8088")),
            warehouse=Warehouse.from_env(data_dir),
        )

    @property
    def database_uri(self) -> str:
        return self.warehouse.uri

    @property
    def home(self) -> Path:
        """Superset's own state: metadata database, key, passwords, pid file, log
        (`data/superset/`; LIVELAKE_SUPERSET_HOME moves it, as the container does)."""
        chosen = os.environ.get("LIVELAKE_SUPERSET_HOME")
        return Path(chosen) if chosen else self.data_dir / "superset"

    @property
    def secret_key_file(self) -> Path:
        return self.home / "secret_key"

    @property
    def pid_file(self) -> Path:
        return self.home / "superset.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "superset.log"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def password_file(self, user: str) -> Path:
        return self.home / f"{user}_password"

    def superset_env(self) -> dict[str, str]:
        """The environment every `superset` process of this world runs with."""
        package_root = Path(__file__).resolve().parent.parent
        config = package_root / "superset_config.py"
        paths = [str(package_root), *filter(None, [os.environ.get("PYTHONPATH")])]
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(paths),
            "SUPERSET_CONFIG_PATH": str(config),
            "SUPERSET_HOME": str(self.home),
            "LIVELAKE_SUPERSET_HOME": str(self.home),
            "LIVELAKE_DATA_DIR": str(self.data_dir),
            "FLASK_APP": "superset",
        }


def write_private(path: Path, text: str) -> None:
    """Write a secret readable by its owner only (0600), created with that mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def ensure_secret_key(settings: Settings) -> str:
    """The Flask SECRET_KEY: SUPERSET_SECRET_KEY (the container's), else generated on
    first run and kept under data/superset/ (0600)."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    if not settings.secret_key_file.exists():
        write_private(settings.secret_key_file, secrets.token_urlsafe(48))
    return settings.secret_key_file.read_text().strip()


def password_for(settings: Settings, user: str) -> tuple[str, bool]:
    """A user's password: from LIVELAKE_SUPERSET_<USER>_PASSWORD, else stored, else new.

    Returns (password, generated_now) so the caller prints a new password once.
    """
    from_env = os.environ.get(f"LIVELAKE_SUPERSET_{user.upper()}_PASSWORD")
    if from_env:
        return from_env, False
    path = settings.password_file(user)
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    write_private(path, password)
    return password, True

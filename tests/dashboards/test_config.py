"""dashboards/superset_config.py is the one Superset config, for `make dashboards` and the
container alike: the container's SUPERSET_DATABASE_URI and SUPERSET_SECRET_KEY override
the world's SQLite metadata and generated key (docker/docker-compose.yml sets them)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from livelake_dashboards.launch import DASHBOARDS_DIR, SUPERSET_PYTHON

# superset_config loaded once per environment, in one Superset-venv process
READ = """
import json, os, runpy, sys
for env in json.loads(sys.argv[1]):
    os.environ.update(env)
    c = runpy.run_path(os.environ["CONFIG"])
    print(json.dumps({
        "key": c["SECRET_KEY"], "uri": c["SQLALCHEMY_DATABASE_URI"],
        "pool": "SQLALCHEMY_ENGINE_OPTIONS" in c,
        "serving": c["DATA_CACHE_CONFIG"].get("CACHE_SERVING_PATH"),
    }))
"""


def loaded(*environments: dict[str, str]) -> list[dict]:
    """superset_config's values under each environment, in the Superset venv."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SUPERSET_DATABASE_URI", "SUPERSET_SECRET_KEY", "LIVELAKE_TARGET")
    }
    done = subprocess.run(
        [str(SUPERSET_PYTHON), "-c", READ, json.dumps(environments)],
        env={
            **clean,
            "PYTHONPATH": str(DASHBOARDS_DIR),
            "CONFIG": str(DASHBOARDS_DIR / "superset_config.py"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.strip().splitlines()[-len(environments) :]]


def test_the_one_config_takes_the_containers_overrides(tmp_path: Path) -> None:
    home, data_dir = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    (home / "secret_key").write_text("the-worlds-key\n")
    uri = "postgresql+psycopg2://superset:pw@postgres/superset"
    world, container = loaded(
        {"LIVELAKE_SUPERSET_HOME": str(home), "LIVELAKE_DATA_DIR": str(data_dir)},
        {
            "LIVELAKE_SUPERSET_HOME": str(tmp_path / "image-home"),  # no secret_key there
            "SUPERSET_DATABASE_URI": uri,
            "SUPERSET_SECRET_KEY": "from-the-env-file",
        },
    )
    assert world == {
        "key": "the-worlds-key",
        "uri": f"sqlite:///{home / 'superset.db'}",
        "pool": True,  # SQLite's connections pooled
        "serving": str(data_dir / "serving.duckdb"),
    }
    assert container == {
        "key": "from-the-env-file",
        "uri": uri,
        "pool": False,  # PostgreSQL keeps Superset's pool (no SQLite connect args)
        "serving": str(data_dir / "serving.duckdb"),
    }

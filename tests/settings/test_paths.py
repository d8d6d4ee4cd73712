"""The dbt profile bounds DuckDB exactly as livelake's own connections do."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml

from livelake.dbt_runner import PROJECT_DIR
from settings.paths import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_VARIABLE, Paths


def _dev_settings(env: dict[str, str]) -> dict[str, str]:
    """The dev output's DuckDB connection options as dbt renders them (env_var, with
    defaults)."""

    def env_var(name: str, default: str | None = None) -> str:
        value = env.get(name, default)
        assert value is not None, name
        return value

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    options = profile["livelake"]["outputs"]["dev"]["config_options"]
    return {
        key: jinja2.Template(str(value)).render(env_var=env_var) for key, value in options.items()
    }


@pytest.mark.parametrize("limit", [None, "1GB"])
def test_profile_and_python_connections_share_limit_and_spill_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str | None
) -> None:
    env = {"LIVELAKE_DATA_DIR": str(tmp_path)}
    if limit is None:
        monkeypatch.delenv(MEMORY_LIMIT_VARIABLE, raising=False)
    else:
        env[MEMORY_LIMIT_VARIABLE] = limit
        monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, limit)
    python = Paths(tmp_path).duckdb_config
    dbt = _dev_settings(env)
    assert python["memory_limit"] == dbt["memory_limit"] == (limit or DEFAULT_MEMORY_LIMIT)
    assert python["temp_directory"] == dbt["temp_directory"] == str(tmp_path / "spill")

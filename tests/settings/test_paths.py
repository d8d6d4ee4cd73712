"""The dbt profile bounds DuckDB exactly as livelake's own connections do, and an
incremental dbt run with its own, smaller limit."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml

from livelake.dbt_runner import PROJECT_DIR, dbt_invocation
from settings.paths import (
    DEFAULT_INCREMENTAL_MEMORY_LIMIT,
    DEFAULT_MEMORY_LIMIT,
    INCREMENTAL_MEMORY_LIMIT_VARIABLE,
    MEMORY_LIMIT_VARIABLE,
    Paths,
)


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


@pytest.mark.parametrize(
    ("args", "warehouse", "incremental"),
    [
        (["build"], True, True),
        (["build", "--full-refresh"], True, False),
        (["build"], False, False),  # the first build
    ],
)
def test_dbt_run_has_the_incremental_limit_unless_it_builds_from_scratch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    warehouse: bool,
    incremental: bool,
) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, "3GB")
    monkeypatch.setenv(INCREMENTAL_MEMORY_LIMIT_VARIABLE, "700MB")
    if warehouse:
        Paths(tmp_path).warehouse.touch()
    _, env = dbt_invocation(args, data_dir=tmp_path)
    assert _dev_settings(env)["memory_limit"] == ("700MB" if incremental else "3GB")
    monkeypatch.delenv(INCREMENTAL_MEMORY_LIMIT_VARIABLE)
    _, env = dbt_invocation(args, data_dir=tmp_path)
    expected = DEFAULT_INCREMENTAL_MEMORY_LIMIT if incremental else "3GB"
    assert _dev_settings(env)["memory_limit"] == expected

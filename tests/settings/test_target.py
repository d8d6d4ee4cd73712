"""The target switch and BigQuery's names are settings/'s, and every copy follows them.

settings.target (LIVELAKE_TARGET: dev or prod, dev when unset or blank) and
settings.bigquery (the project, the models' dataset and its `<dataset>_<schema>`
datasets, the raw dataset, the location, the timeouts, with their defaults) are the
source. Three places cannot import them and repeat them: dbt's profile
(transform/profiles.yml), dbt's schema naming (macros/generate_schema_name.sql) and
the source's raw dataset (_lake__sources.yml), and the dashboards' warehouse
(dashboards/livelake_dashboards/warehouse.py, in Superset's own virtualenv). Each is
rendered or run here under the same environments and must say what settings/ says.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
import yaml

import tests.dashboards  # noqa: F401 - puts dashboards/ on the path
from livelake.dbt_runner import PROJECT_DIR
from settings.bigquery import BigQuerySettings
from settings.target import TARGET_VARIABLE, TARGETS, target_from_env

ENVIRONMENTS = [
    {},
    {"LIVELAKE_TARGET": "", "LIVELAKE_BQ_DATASET": " ", "LIVELAKE_BQ_LOCATION": ""},
    {
        "LIVELAKE_TARGET": "prod",
        "LIVELAKE_GCP_PROJECT": "acme-analytics",
        "LIVELAKE_BQ_DATASET": "shop",
        "LIVELAKE_BQ_LOCATION": "US",
        "LIVELAKE_BQ_RAW_DATASET": "raw_lake",
        "LIVELAKE_BQ_TIMEOUT_SECONDS": "45",
        "LIVELAKE_BQ_JOB_TIMEOUT_SECONDS": "900",
    },
    {"LIVELAKE_TARGET": "prod", "LIVELAKE_GCP_PROJECT": "acme", "LIVELAKE_BQ_RAW_DATASET": " "},
]
VARIABLES = {name for env in ENVIRONMENTS for name in env}


def _render(text: str, env: dict[str, str], **context: object) -> str:
    def env_var(name: str, default: str | None = None) -> str:
        value = env.get(name, default)
        assert value is not None, name
        return value

    return jinja2.Template(text).render(env_var=env_var, **context)


@pytest.fixture(params=range(len(ENVIRONMENTS)), ids=lambda i: f"env{i}")
def env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    chosen = ENVIRONMENTS[request.param]
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in chosen.items():
        monkeypatch.setenv(name, value)
    return chosen


def test_the_profile_follows_the_settings(env: dict[str, str]) -> None:
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    livelake = profile["livelake"]
    assert set(livelake["outputs"]) == set(TARGETS)
    assert _render(livelake["target"], env) == target_from_env()
    prod = {key: _render(str(value), env) for key, value in livelake["outputs"]["prod"].items()}
    settings = BigQuerySettings.from_env()
    assert prod["dataset"] == settings.dataset
    assert prod["location"] == settings.location
    assert prod["project"] == (settings.project or "")
    assert float(prod["job_execution_timeout_seconds"]) == settings.job_timeout
    assert float(prod["job_creation_timeout_seconds"]) == settings.request_timeout


def test_dbt_names_the_datasets_as_the_settings_do(env: dict[str, str]) -> None:
    settings = BigQuerySettings.from_env()
    macro = (PROJECT_DIR / "macros" / "generate_schema_name.sql").read_text(encoding="utf-8")
    for schema in ("staging", "intermediate", "core", "marts", "snapshots"):
        call = f"{macro}{{{{ generate_schema_name('{schema}', none) }}}}"
        bigquery = SimpleNamespace(type="bigquery", schema=settings.dataset)
        assert _render(call, env, target=bigquery).strip() == settings.marts_dataset(schema)
        duckdb = SimpleNamespace(type="duckdb", schema="main")
        assert _render(call, env, target=duckdb).strip() == schema
    sources = PROJECT_DIR / "models" / "staging" / "lake" / "_lake__sources.yml"
    (lake,) = [s for s in yaml.safe_load(sources.read_text(encoding="utf-8"))["sources"]]
    raw = _render(lake["schema"], env, target=SimpleNamespace(type="bigquery"))
    assert raw == settings.raw_dataset


def test_the_dashboards_read_the_same_warehouse(env: dict[str, str], tmp_path: Path) -> None:
    from livelake_dashboards import warehouse

    assert warehouse.TARGET_VARIABLE == TARGET_VARIABLE
    assert warehouse.TARGETS == TARGETS
    settings = BigQuerySettings.from_env()
    target = target_from_env()
    chosen = warehouse.Warehouse.from_env(tmp_path, env=env)
    assert chosen.dialect == ("bigquery" if target == "prod" else "duckdb")
    assert chosen.dataset_prefix == settings.dataset
    if target == "prod":
        assert chosen.schema("marts") == settings.marts_dataset("marts")
        assert chosen.uri == f"bigquery://{settings.project}?location={settings.location}"


@pytest.mark.parametrize("value", ["staging", "Prod"])
def test_an_unknown_target_is_refused_everywhere(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from livelake_dashboards import warehouse

    monkeypatch.setenv(TARGET_VARIABLE, value)
    with pytest.raises(ValueError, match=TARGET_VARIABLE):
        target_from_env()
    with pytest.raises(warehouse.TargetError, match=TARGET_VARIABLE):
        warehouse.Warehouse.from_env(tmp_path, env={TARGET_VARIABLE: value})

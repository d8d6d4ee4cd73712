"""The prod target and the BigQuery-aware configs, offline: `dbt parse --target prod`
needs a project and nothing else (no credentials, no network), the `lake` source
resolves to the raw dataset promote loads, the facts are partitioned and clustered
on BigQuery and none of it reaches DuckDB.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from livelake.dbt_runner import dbt_invocation

PARTITIONED = {
    "fct_topup": "topup_date",
    "fct_user_activity": "activity_date",
    "fct_channel_day": "channel_date",
    "fct_streamer_revenue": "revenue_date",
    "base_lake__top_up": "dt",
    "base_lake__user_activity": "report_date",
    "base_lake__channel_stats": "report_date",
}
# Whole day partitions replaced: delete+insert on DuckDB, insert_overwrite on BigQuery
# (DuckDB has no insert_overwrite); every other model is built the same way on both.
DAY_REPLACING = {
    "fct_user_activity",
    "base_lake__user_activity",
    "base_lake__channel_stats",
    "base_lake__pre_deduction",
    "base_lake__post_deduction",
}


def parse(tmp_path: Path, target: str, env: dict[str, str]) -> dict:
    command, base = dbt_invocation(["parse"], data_dir=tmp_path, target=target, work_dir=tmp_path)
    clean = {k: v for k, v in base.items() if not k.startswith(("LIVELAKE_BQ", "GOOGLE_"))}
    done = subprocess.run(
        command, env=clean | env, capture_output=True, text=True, timeout=180, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return json.loads((tmp_path / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n["config"] for n in manifest["nodes"].values() if n["resource_type"] == "model"
    }


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> dict:
    env = {"LIVELAKE_GCP_PROJECT": "acme-analytics", "LIVELAKE_BQ_RAW_DATASET": "raw_lake"}
    # No credentials anywhere: an empty HOME, no key file.
    home = tmp_path_factory.mktemp("home")
    return parse(tmp_path_factory.mktemp("prod"), "prod", env | {"HOME": str(home)})


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return parse(tmp_path_factory.mktemp("dev"), "dev", {})


def test_prod_parses_offline_and_reads_the_raw_dataset(prod: dict) -> None:
    lake = [s for s in prod["sources"].values() if s["source_name"] == "lake"]
    assert lake and {s["schema"] for s in lake} == {"raw_lake"}
    assert {s["database"] for s in lake} == {"acme-analytics"}


def test_dev_reads_the_lake_schema(dev: dict) -> None:
    assert {s["schema"] for s in dev["sources"].values() if s["source_name"] == "lake"} == {"lake"}


def test_facts_are_partitioned_by_day_and_clustered_on_bigquery_only(prod: dict, dev: dict) -> None:
    on_bq, on_duckdb = models(prod), models(dev)
    for name, field in PARTITIONED.items():
        assert on_bq[name]["partition_by"] == {
            "field": field,
            "data_type": "date",
            "granularity": "day",
        }, name
        assert on_bq[name]["cluster_by"], name
        assert on_duckdb[name].get("partition_by") is None, name
        assert on_duckdb[name].get("cluster_by") is None, name
    assert on_bq["mart_daily_kpis"]["cluster_by"] == ["date"]


def test_each_model_is_built_the_same_way_on_both_engines(prod: dict, dev: dict) -> None:
    on_bq, on_duckdb = models(prod), models(dev)
    assert on_bq.keys() == on_duckdb.keys()
    for name, config in on_duckdb.items():
        assert on_bq[name]["materialized"] == config["materialized"], name
        if name in DAY_REPLACING:
            assert (config["incremental_strategy"], on_bq[name]["incremental_strategy"]) == (
                "delete+insert",
                "insert_overwrite",
            ), name
            continue
        for key in ("incremental_strategy", "unique_key", "incremental_predicates"):
            assert on_bq[name].get(key) == config.get(key), (name, key)
    # A scope that can empty: the merge deletes the rebuilt scope's rows the new rows lack.
    for config in (on_duckdb["dim_users"], on_bq["dim_users"]):
        assert config["materialized"] == "incremental"
        assert config["incremental_strategy"] == "merge"
        clauses = config["merge_clauses"]["when_not_matched"]
        deletes = [c for c in clauses if c.get("by") == "source"]
        assert [c["action"] for c in deletes] == ["delete"]
        assert "DBT_INTERNAL_DEST.user_id in (select user_id from" in deletes[0]["condition"]


def test_the_profile_follows_livelake_target(tmp_path: Path) -> None:
    """dbt without --target follows LIVELAKE_TARGET, the whole product's switch."""
    command, base = dbt_invocation(["parse"], data_dir=tmp_path, work_dir=tmp_path)
    del command[command.index("--target") : command.index("--target") + 2]
    env = base | {"LIVELAKE_TARGET": "prod", "LIVELAKE_GCP_PROJECT": "acme-analytics"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "bigquery"

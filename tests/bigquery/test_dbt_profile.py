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
    "int_topups_sequenced": "topup_date",
    "fct_user_activity": "activity_date",
    "fct_channel_day": "channel_date",
    "fct_streamer_revenue": "revenue_date",
    "base_lake__top_up": "dt",
    "base_lake__user_activity": "report_date",
    "base_lake__channel_stats": "report_date",
}
DAILY_BASE = [
    f"base_lake__{t}" for t in ("user_activity", "channel_stats", "pre_deduction", "post_deduction")
]
# What an engine may choose on its own: the physical layout, and the dialect its merge
# clauses' scope conditions are rendered in.
PER_ENGINE = {"partition_by", "cluster_by", "scopes"}


def parse(tmp_path: Path, target: str, env: dict[str, str]) -> dict:
    command, base = dbt_invocation(["parse"], data_dir=tmp_path, target=target, work_dir=tmp_path)
    clean = {k: v for k, v in base.items() if not k.startswith(("LIVELAKE_BQ", "GOOGLE_"))}
    done = subprocess.run(
        command, env=clean | env, capture_output=True, text=True, timeout=180, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return json.loads((tmp_path / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    """Each model's config; its merge clauses without their conditions' SQL, which each
    engine's dialect renders."""
    found = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model":
            config = dict(node["config"])
            clauses = (config.get("merge_clauses") or {}).get("when_not_matched", [])
            config["merge_clauses"] = [
                {k: ("<scope>" if k == "condition" else v) for k, v in clause.items()}
                for clause in clauses
            ]
            config["scopes"] = [c["condition"] for c in clauses if "condition" in c]
            found[node["name"]] = config
    return found


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
        for key in (
            "materialized",
            "on_schema_change",
            "merge_clauses",
            "incremental_strategy",
            "unique_key",
            "incremental_predicates",
        ):
            assert on_bq[name].get(key) == config.get(key), (name, key)
    # Nothing else is chosen per engine.
    per_engine = {
        key
        for name, config in on_duckdb.items()
        for key in config.keys() | on_bq[name].keys()
        if config.get(key) != on_bq[name].get(key)
    }
    assert per_engine <= PER_ENGINE, per_engine - PER_ENGINE
    # The daily base models merge on the lake row's key, their report date first.
    for name in DAILY_BASE:
        assert on_bq[name]["incremental_strategy"] == "merge", name
        assert on_bq[name]["unique_key"] == [
            "report_date",
            "file_sha256",
            "source_sheet",
            "source_row",
        ], name
    # A scope that can empty: the merge deletes the rebuilt scope's rows the new rows lack.
    for config in (on_duckdb["dim_users"], on_bq["dim_users"]):
        assert config["materialized"] == "incremental"
        assert config["incremental_strategy"] == "merge"
        deletes = [c for c in config["merge_clauses"] if c.get("by") == "source"]
        assert [c["action"] for c in deletes] == ["delete"]
        assert "DBT_INTERNAL_DEST.user_id in (select user_id from" in config["scopes"][0]
    # The day-partitioned merges read their target from the earliest day they rebuild.
    since = [
        ("base_lake__top_up", "dt"),
        ("int_topups_sequenced", "topup_date"),
        ("fct_topup", "topup_date"),
        ("fct_user_activity", "activity_date"),
    ]
    for name, field in since + [(n, "report_date") for n in DAILY_BASE]:
        assert on_bq[name]["incremental_predicates"] == [
            f"DBT_INTERNAL_DEST.{field} >= {{merge_since}}"
        ]
    # fct_user_activity replaces whole days by a merge on its row key: a rebuilt date's
    # rows the new rows lack are deleted.
    for config in (on_duckdb["fct_user_activity"], on_bq["fct_user_activity"]):
        assert config["incremental_strategy"] == "merge"
        assert config["unique_key"] == ["activity_date", "user_id"]
        assert [c["action"] for c in config["merge_clauses"] if c.get("by") == "source"] == [
            "delete"
        ]
        assert "DBT_INTERNAL_DEST.activity_date in (select change_date from" in config["scopes"][0]


def test_the_profile_follows_livelake_target(tmp_path: Path) -> None:
    """dbt without --target follows LIVELAKE_TARGET, the whole product's switch."""
    command, base = dbt_invocation(["parse"], data_dir=tmp_path, work_dir=tmp_path)
    del command[command.index("--target") : command.index("--target") + 2]
    env = base | {"LIVELAKE_TARGET": "prod", "LIVELAKE_GCP_PROJECT": "acme-analytics"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "bigquery"

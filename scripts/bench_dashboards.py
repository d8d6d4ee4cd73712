"""Benchmark: every chart of every dashboard through Superset, on the `large` world.

The serving copy is the large world's warehouse: the one `make bench-transform`
leaves in <bench>/transform-large/ if it is there, else one built here once (the
same cached simulated lake, `dbt run --full-refresh`) and kept in
<bench>/dashboards-large/. A Superset started by the product's own launcher (fresh
metadata, result caching off) answers each chart's saved query through the
chart-data API with `force=true`, --repeats times; the same SQL (as Superset
renders it) run straight in DuckDB, on a new read-only connection each time as
Superset opens one, is the floor. Median and p95 per chart are printed; figures go
to <bench>/dashboards.json. Target: every chart's median < 100 ms, p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from lake.serving import publish
from livelake.config import Paths
from livelake.dbt_runner import REPO_ROOT, dbt_invocation
from scripts.bench_transform import _link_tree, cached_lake

sys.path.insert(0, str(REPO_ROOT / "dashboards"))
from livelake_dashboards import launch  # noqa: E402
from livelake_dashboards.client import SupersetClient  # noqa: E402
from livelake_dashboards.spec import DASHBOARDS  # noqa: E402

TARGET_MEDIAN_MS = 100
TARGET_P95_MS = 300
PASSWORD = "bench-admin"


def large_serving_copy(paths: Paths, scale: str, seed: int) -> Path:
    """The large world's serving copy: published from bench-transform's warehouse, or built."""
    data_dir = paths.bench / f"dashboards-{scale}"
    serving = data_dir / "serving.duckdb"
    if serving.exists():
        return serving
    data_dir.mkdir(parents=True, exist_ok=True)
    transformed = paths.bench / f"transform-{scale}" / "warehouse.duckdb"
    if transformed.exists():
        print(f"publishing {transformed}", flush=True)
        return publish(transformed, serving)
    meta = cached_lake(paths.bench / f"transform-lake-{scale}-{seed}", scale, seed)
    cache = paths.bench / f"transform-lake-{scale}-{seed}"
    lake = data_dir / "lake"
    _link_tree(cache / "base", lake)
    _link_tree(cache / "new_day", lake)
    print(f"building the {scale} warehouse ({meta['days']} days) once ...", flush=True)
    command, env = dbt_invocation(["run", "--full-refresh"], data_dir=data_dir, work_dir=data_dir)
    subprocess.run(command, env=env, cwd=REPO_ROOT, check=True)
    return publish(data_dir / "warehouse.duckdb", serving)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rendered_sql(client: SupersetClient, chart_id: int) -> str:
    """The SQL Superset runs for a chart (its saved query context, result_type=query)."""
    chart = client.request("GET", f"/api/v1/chart/{chart_id}")["result"]
    context = json.loads(chart["query_context"])
    context["result_type"] = "query"
    result = client.request("POST", "/api/v1/chart/data", json=context)["result"]
    return result[0]["query"]


def time_api(client: SupersetClient, chart_id: int, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.chart_data(chart_id, force=True)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:  # an empty answer is an answer (the direct lake
            # has no quarantine); an error is not
            raise SystemExit(f"chart {chart_id}: {response.status_code} {response.text[:500]}")
        times.append(elapsed * 1000)
    return times


def time_duckdb(serving: Path, sql: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with duckdb.connect(str(serving), read_only=True) as con:
            con.execute(sql).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--serving", type=Path, help="bench this serving copy instead (a quick run on a small one)"
    )
    options = parser.parse_args()
    paths = Paths.from_env()
    serving = options.serving or large_serving_copy(paths, options.scale, options.seed)
    if options.serving:
        options.scale = f"given ({options.serving})"
    server, _ = launch.start(serving.parent, {"admin": PASSWORD}, workers=2)
    try:
        client = SupersetClient(server.url).login("admin", PASSWORD)
        ids = {row["slice_name"]: row["id"] for row in client.list_all("chart")}
        rows = []
        for dashboard in DASHBOARDS:
            for chart in dashboard.charts:
                chart_id = ids[chart.title]
                time_api(client, chart_id, 1)  # warm-up: imports, first connection
                api = time_api(client, chart_id, options.repeats)
                floor = time_duckdb(serving, rendered_sql(client, chart_id), options.repeats)
                rows.append(
                    {
                        "dashboard": dashboard.slug,
                        "chart": chart.key,
                        "title": chart.title,
                        "api_median_ms": statistics.median(api),
                        "api_p95_ms": percentile(api, 0.95),
                        "duckdb_median_ms": statistics.median(floor),
                        "duckdb_p95_ms": percentile(floor, 0.95),
                    }
                )
                print(f"  {chart.key}: {statistics.median(api):.0f} ms", flush=True)
    finally:
        launch.stop(server)
    met = all(
        r["api_median_ms"] < TARGET_MEDIAN_MS and r["api_p95_ms"] < TARGET_P95_MS for r in rows
    )
    result = {
        "benchmark": "dashboards",
        "scale": options.scale,
        "repeats": options.repeats,
        "serving_bytes": serving.stat().st_size,
        "target": {"median_ms": TARGET_MEDIAN_MS, "p95_ms": TARGET_P95_MS, "met": met},
        "charts": rows,
    }
    paths.bench.mkdir(parents=True, exist_ok=True)
    (paths.bench / "dashboards.json").write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"figures written to {paths.bench / 'dashboards.json'}")


def print_table(result: dict) -> None:
    rows = result["charts"]
    size_gb = result["serving_bytes"] / 1024**3
    print(
        f"\ndashboards benchmark: {result['scale']} world ({size_gb:.1f} GB serving copy), "
        f"{len(rows)} charts, {result['repeats']} requests each, caching off"
    )
    print(f"{'chart':<34} {'API median':>10} {'API p95':>8} {'DuckDB med':>10} {'ratio':>6}")
    for r in rows:
        ratio = r["api_median_ms"] / max(r["duckdb_median_ms"], 0.01)
        print(
            f"{r['chart']:<34} {r['api_median_ms']:>8.0f}ms {r['api_p95_ms']:>6.0f}ms "
            f"{r['duckdb_median_ms']:>8.1f}ms {ratio:>5.1f}x"
        )
    worst_median = max(r["api_median_ms"] for r in rows)
    worst_p95 = max(r["api_p95_ms"] for r in rows)
    print(
        f"slowest median {worst_median:.0f} ms (target < {TARGET_MEDIAN_MS}), slowest p95 "
        f"{worst_p95:.0f} ms (target < {TARGET_P95_MS}): "
        f"{'met' if result['target']['met'] else 'not met'}"
    )


if __name__ == "__main__":
    main()

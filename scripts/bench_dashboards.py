"""Benchmark: every chart of every dashboard through Superset, on the `large` world.

The serving copy is the large world's warehouse: the one `make bench-transform`
leaves in <bench>/transform-large/ if it is there, else one built here once (the
same cached simulated lake, `dbt run --full-refresh`) and kept in
<bench>/dashboards-large/. A Superset started by the product's own launcher (fresh
metadata, its own configuration: one open serving copy per worker, the results cache)
answers each chart's saved query through the chart-data API, --repeats times each way:

- caching off: `force=true`, so Superset reads no cached answer and asks DuckDB (it
  still stores the answer, as a forced refresh does);
- from the cache: without `force`, after one request that fills it; every answer
  must say `is_cached`, or the figure would not be what it claims.

The floor is the same SQL (as Superset renders it) run straight in DuckDB, on an open
read-only connection and on a new one each time. Median and p95 per chart are
printed with each target met or NOT MET; figures go to <bench>/dashboards.json. When
the from-the-cache target is not met, the slowest chart's cached answer is profiled
in one Superset process (`python -m livelake_dashboards profile`) and printed: the
closest reached, and what is left of it.
Targets: every chart's median < 100 ms and p95 < 200 ms with caching off; median
< 20 ms from the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from lake.serving import publish
from livelake.dbt_runner import REPO_ROOT, dbt_invocation
from scripts.bench_transform import _link_tree, cached_lake
from settings.paths import Paths

sys.path.insert(0, str(REPO_ROOT / "dashboards"))
from livelake_dashboards import launch  # noqa: E402
from livelake_dashboards.client import SupersetClient  # noqa: E402
from livelake_dashboards.spec import DASHBOARDS  # noqa: E402

TARGET_MEDIAN_MS = 100
TARGET_P95_MS = 200
TARGET_CACHED_MS = 20
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


def time_api(client: SupersetClient, chart_id: int, repeats: int, *, force: bool) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.chart_data(chart_id, force=force)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:  # an empty answer is an answer (the direct lake
            # has no quarantine); an error is not
            raise SystemExit(f"chart {chart_id}: {response.status_code} {response.text[:500]}")
        cached = all(result["is_cached"] for result in response.json()["result"])
        if cached == force:
            raise SystemExit(f"chart {chart_id}: force={force} answered is_cached={cached}")
        times.append(elapsed * 1000)
    return times


def profile_lines(output: str) -> str:
    """The profile's own lines of `livelake_dashboards profile`'s output (Superset's
    start-up chatter dropped)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("in-process"))
    return "\n".join(
        [lines[start], *(line for line in lines[start + 1 :] if line.startswith("  "))]
    )


def time_duckdb(serving: Path, sql: str, repeats: int, *, fresh: bool) -> list[float]:
    """The SQL in DuckDB alone: on one open connection (warmed by a first run, as a
    worker's open copy is), or on a new connection each time. Never both at once: a
    connect while another connection has the file open gets that same database."""
    times = []
    if fresh:
        for _ in range(repeats):
            started = time.perf_counter()
            with duckdb.connect(str(serving), read_only=True) as con:
                con.execute(sql).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        return times
    with duckdb.connect(str(serving), read_only=True) as con:
        con.execute(sql).fetchall()
        for _ in range(repeats):
            started = time.perf_counter()
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
                time_api(client, chart_id, 4, force=True)  # warm-up: each worker opens the copy
                api = time_api(client, chart_id, options.repeats, force=True)
                client.chart_data(chart_id, force=False)  # fills the cache
                cached = time_api(client, chart_id, options.repeats, force=False)
                sql = rendered_sql(client, chart_id)
                open_floor = time_duckdb(serving, sql, options.repeats, fresh=False)
                fresh_floor = time_duckdb(serving, sql, options.repeats, fresh=True)
                rows.append(
                    {
                        "dashboard": dashboard.slug,
                        "chart": chart.key,
                        "title": chart.title,
                        "api_median_ms": statistics.median(api),
                        "api_p95_ms": percentile(api, 0.95),
                        "cached_median_ms": statistics.median(cached),
                        "cached_p95_ms": percentile(cached, 0.95),
                        "duckdb_open_median_ms": statistics.median(open_floor),
                        "duckdb_median_ms": statistics.median(fresh_floor),
                        "duckdb_p95_ms": percentile(fresh_floor, 0.95),
                    }
                )
                print(
                    f"  {chart.key}: {statistics.median(api):.0f} ms, "
                    f"cached {statistics.median(cached):.0f} ms",
                    flush=True,
                )
        slowest = max(rows, key=lambda r: r["cached_median_ms"])
        profile = (
            ""
            if slowest["cached_median_ms"] < TARGET_CACHED_MS
            else profile_lines(launch.run(server, "profile", str(ids[slowest["title"]])))
        )
    finally:
        launch.stop(server)
    targets = {
        "median_ms": TARGET_MEDIAN_MS,
        "p95_ms": TARGET_P95_MS,
        "cached_median_ms": TARGET_CACHED_MS,
    }
    met = {
        "median": all(r["api_median_ms"] < TARGET_MEDIAN_MS for r in rows),
        "p95": all(r["api_p95_ms"] < TARGET_P95_MS for r in rows),
        "cached": all(r["cached_median_ms"] < TARGET_CACHED_MS for r in rows),
    }
    result = {
        "benchmark": "dashboards",
        "scale": options.scale,
        "repeats": options.repeats,
        "serving_bytes": serving.stat().st_size,
        "load_average": os.getloadavg(),
        "target": {**targets, "met": met},
        "charts": rows,
    }
    paths.bench.mkdir(parents=True, exist_ok=True)
    (paths.bench / "dashboards.json").write_text(json.dumps(result, indent=2) + "\n")
    result["cached_profile"] = profile
    print_table(result)
    if profile:
        print(
            f"\nclosest reached from the cache: {slowest['cached_median_ms']:.0f} ms "
            f"({slowest['chart']}); what is left, {slowest['chart']}'s cached answer "
            "profiled in one Superset process:"
        )
        print(profile.rstrip())
    print(f"figures written to {paths.bench / 'dashboards.json'}")


def print_table(result: dict) -> None:
    rows = result["charts"]
    size_gb = result["serving_bytes"] / 1024**3
    load = ", ".join(f"{value:.1f}" for value in result["load_average"])
    print(
        f"\ndashboards benchmark: {result['scale']} world ({size_gb:.1f} GB serving copy), "
        f"{len(rows)} charts, {result['repeats']} requests each way; load average {load}"
    )
    print(
        f"{'chart':<34} {'off: median':>11} {'p95':>6} {'cached: median':>14} {'p95':>6} "
        f"{'DuckDB open':>11} {'new conn':>8}"
    )
    for r in rows:
        print(
            f"{r['chart']:<34} {r['api_median_ms']:>9.0f}ms {r['api_p95_ms']:>4.0f}ms "
            f"{r['cached_median_ms']:>12.0f}ms {r['cached_p95_ms']:>4.0f}ms "
            f"{r['duckdb_open_median_ms']:>9.1f}ms {r['duckdb_median_ms']:>6.1f}ms"
        )
    met = result["target"]["met"]
    for name, figure, target in (
        ("median", "api_median_ms", TARGET_MEDIAN_MS),
        ("p95", "api_p95_ms", TARGET_P95_MS),
        ("cached", "cached_median_ms", TARGET_CACHED_MS),
    ):
        worst = max(rows, key=lambda r: r[figure])
        label = {"median": "median, caching off", "p95": "p95, caching off"}.get(
            name, "median from the cache"
        )
        print(
            f"target every chart's {label} < {target} ms: "
            f"{'met' if met[name] else 'NOT MET'} (slowest {worst[figure]:.0f} ms, "
            f"{worst['chart']})"
        )


if __name__ == "__main__":
    main()

"""What a cached chart answer spends its time on: `python -m livelake_dashboards.profile`.

`make bench-dashboards` runs it when the from-the-cache target is not met, for the
slowest chart: one Superset app in-process with the world's own configuration (as a
gunicorn worker runs it), a user asking for the chart's cached answer `--requests`
times under cProfile, then the share of the time in each stage of the request that
matters (the permission checks, loading the chart and its dataset, the cache, the
answer's JSON) and the queries each request runs on the metadata database.
Only Superset's handling is measured: no HTTP server, no network.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

# (label, a function's qualified-name fragment) of the stages of a cached answer
STAGES = (
    ("the whole request", "flask/app.py:1479(wsgi_app)"),
    ("  the view permission check (FAB)", "(_has_view_access)"),
    ("  the chart-data view", "charts/data/api.py:73(get_data)"),
    ("    the query context from the saved form", "_create_query_context_from_form"),
    ("    access to the dataset", "query_context.py:137(raise_for_access)"),
    ("    the cache key", "query_cache_key"),
    ("    the cached answer read", "query_context_processor.py:82(get_df_payload)"),
    ("    the answer's JSON", "_send_chart_response"),
    ("  metadata database (SQLAlchemy execute)", "orm/session.py:1566(execute)"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chart_id", type=int)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--requests", type=int, default=50)
    options = parser.parse_args()
    from sqlalchemy import event
    from superset import db
    from superset.app import create_app

    app = create_app()
    client = app.test_client()
    password = os.environ[f"LIVELAKE_SUPERSET_{options.user.upper()}_PASSWORD"]
    token = client.post(
        "/api/v1/security/login",
        json={"username": options.user, "password": password, "provider": "db"},
    ).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/chart/{options.chart_id}/data/"
    client.get(url, headers=headers)  # fills the cache, if it was empty
    for _ in range(3):
        client.get(url, headers=headers)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(options.requests):
        client.get(url, headers=headers)
    wall = (time.perf_counter() - started) * 1000 / options.requests
    cpu_ms = (time.process_time() - cpu) * 1000 / options.requests
    queries = len(statements) / options.requests  # before the profiled requests add theirs
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(options.requests):
        client.get(url, headers=headers)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    cumulative = {f"{path}:{line}({name})": entry[3] for (path, line, name), entry in stats.items()}
    whole = sum(t for key, t in cumulative.items() if STAGES[0][1] in key) or 1.0
    print(
        f"in-process, without HTTP: {wall:.1f} ms a cached answer ({cpu_ms:.1f} ms CPU), "
        f"{queries:.0f} metadata queries each"
    )
    for label, fragment in STAGES:
        spent = sum(t for key, t in cumulative.items() if fragment in key)
        print(f"  {label:<58} {100 * spent / whole:5.1f}% of the request (profiled)")


if __name__ == "__main__":
    main()

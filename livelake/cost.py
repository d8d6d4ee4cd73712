"""What a prod build would cost, before it runs: `livelake build --target prod --dry-run`.

Two figures per model, printed side by side and named:

- dry run: BigQuery's own answer (a dry-run query job of the model's compiled SQL,
  `total_bytes_processed`), the bytes on-demand pricing would bill for its select.
  The emulator the tests use always answers 0.
- estimate: from table sizes, for the models that read the raw dataset: the
  logical bytes BigQuery bills for the lake partitions the model's filters touch
  (its day lists on dt / report_date and its run_id bounds, which the raw tables'
  clustering on run_id prunes to), computed from the committed lake promote loaded
  (BigQuery's logical sizes: 8 bytes a number, date or instant, 16 a NUMERIC, 2 +
  the UTF-8 bytes a string, nothing a null). Models reading other models show no
  estimate: their inputs are BigQuery's tables, which only a dry run can size.

Both are priced on demand at USD 6.25 per TiB. An incremental model's merge also
reads its target's partitions it writes, which neither figure includes.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from settings.bigquery import BigQuerySettings

USD_PER_TIB = 6.25
TIB = 2**40
# BigQuery's logical bytes per non-null value of a fixed-size type.
_FIXED_BYTES = {
    "INTEGER": 8,
    "INT64": 8,
    "FLOAT": 8,
    "FLOAT64": 8,
    "NUMERIC": 16,
    "BIGNUMERIC": 32,
    "BOOLEAN": 1,
    "BOOL": 1,
    "DATE": 8,
    "DATETIME": 8,
    "TIMESTAMP": 8,
    "TIME": 8,
}
_AFTER = re.compile(r"\brun_id\s*>\s*(?:cast\(\s*')?(\d+)", re.IGNORECASE)
_UP_TO = re.compile(r"\brun_id\s*<=\s*(?:cast\(\s*')?(\d+)", re.IGNORECASE)
_DAY_LIST = re.compile(r"\b(?:dt|report_date)\s+in\s*\(([^)]*(?:\)[^)]*)*?)\)\s*\)?", re.IGNORECASE)
_DATE = re.compile(r"'(\d{4}-\d{2}-\d{2})'")


def usd(n_bytes: int) -> float:
    return n_bytes / TIB * USD_PER_TIB


@dataclass(frozen=True)
class Part:
    table: str
    dt: str | None  # report tables' day; side tables have none
    run_id: int
    logical_bytes: int


def lake_parts(lake: Path) -> list[Part]:
    """Every committed part of the lake with the logical bytes BigQuery holds it in."""
    from lake.runs import committed_runs
    from promote.schema import SHAPES

    listed: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
    for run in committed_runs(lake):
        for part in run.parts:
            listed[part.table].append((str(lake / part.path), part.dt, run.run_id))
    parts: list[Part] = []
    with duckdb.connect() as con:
        for table, files in listed.items():
            shape = SHAPES[table]
            sizes = []
            for field in shape.schema():
                if field.name == "dt":  # the hive partition: not in the file
                    sizes.append("8")
                elif field.field_type in ("STRING", "BYTES"):
                    sizes.append(f'coalesce(2 + strlen(cast("{field.name}" as varchar)), 0)')
                else:
                    width = _FIXED_BYTES.get(field.field_type, 8)
                    sizes.append(f'case when "{field.name}" is null then 0 else {width} end')
            by_file = dict(
                con.execute(
                    f"select filename, sum({' + '.join(sizes)}) from read_parquet(?, "
                    "filename = true, union_by_name = true, hive_partitioning = false) "
                    "group by filename",
                    [[file for file, _, _ in files]],
                ).fetchall()
            )
            parts += [
                Part(table, day, run_id, int(by_file.get(file) or 0)) for file, day, run_id in files
            ]
    return parts


def estimate(compiled_sql: str, lake_tables: set[str], parts: list[Part]) -> int:
    """The logical bytes of the lake parts a model's filters touch (see the module)."""
    after = max((int(n) for n in _AFTER.findall(compiled_sql)), default=None)
    up_to = min((int(n) for n in _UP_TO.findall(compiled_sql)), default=None)
    days = {d for listed in _DAY_LIST.findall(compiled_sql) for d in _DATE.findall(listed)}
    return sum(
        p.logical_bytes
        for p in parts
        if p.table in lake_tables
        and (after is None or p.run_id > after)
        and (up_to is None or p.run_id <= up_to)
        and (not days or p.dt is None or p.dt in days)
    )


@dataclass(frozen=True)
class ModelCost:
    model: str
    dry_run_bytes: int
    estimated_bytes: int | None  # None: reads models only


def compile_prod(data_dir: Path, work_dir: Path, select: str | None, timeout: float) -> int:
    """`dbt compile --target prod` into work_dir/target (its manifest has the SQL)."""
    from livelake.dbt_runner import dbt_invocation

    selector = "resource_type:model" + (f",{select}" if select else "")  # ',' intersects
    args = ["compile", "--select", selector]
    command, env = dbt_invocation(args, data_dir=data_dir, target="prod", work_dir=work_dir)
    try:
        return subprocess.run(command, env=env, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return 124


def model_costs(manifest: dict, settings: BigQuerySettings, parts: list[Part]) -> list[ModelCost]:
    """A dry run of every compiled model, beside its estimate from the lake's sizes."""
    from google.cloud import bigquery

    from settings.bigquery_client import bounds, connect

    limits = bounds(settings)
    client = connect(settings)
    config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False)
    costs: list[ModelCost] = []
    try:
        for node in sorted(manifest["nodes"].values(), key=lambda n: n["name"]):
            if node["resource_type"] != "model" or not node.get("compiled_code"):
                continue
            job = client.query(
                node["compiled_code"],
                job_config=config,
                timeout=limits.request_timeout,
                retry=limits.retry,
            )
            sources = {
                manifest["sources"][s]["identifier"]
                for s in node["depends_on"]["nodes"]
                if s.startswith("source.") and manifest["sources"][s]["source_name"] == "lake"
            }
            costs.append(
                ModelCost(
                    node["name"],
                    int(job.total_bytes_processed or 0),
                    estimate(node["compiled_code"], sources, parts) if sources else None,
                )
            )
    finally:
        client.close()
    return costs


def render(costs: list[ModelCost], console: Console) -> None:
    table = Table(title="prod build, priced on demand (USD 6.25 / TiB)")
    table.add_column("model")
    table.add_column("dry run bytes", justify="right")
    table.add_column("dry run USD", justify="right")
    table.add_column("estimate bytes", justify="right")
    table.add_column("estimate USD", justify="right")
    for cost in costs:
        table.add_row(
            cost.model,
            f"{cost.dry_run_bytes:,}",
            f"{usd(cost.dry_run_bytes):.6f}",
            "—" if cost.estimated_bytes is None else f"{cost.estimated_bytes:,}",
            "—" if cost.estimated_bytes is None else f"{usd(cost.estimated_bytes):.6f}",
        )
    dry = sum(c.dry_run_bytes for c in costs)
    estimated = sum(c.estimated_bytes or 0 for c in costs)
    table.add_row("total", f"{dry:,}", f"{usd(dry):.6f}", f"{estimated:,}", f"{usd(estimated):.6f}")
    console.print(table)
    console.print(
        "dry run: BigQuery's dry-run total_bytes_processed of each model's select "
        "(an emulator answers 0).\n"
        "estimate: the raw tables' logical bytes in the partitions and runs each "
        "model's filters touch, from the committed lake (models reading only models: —)."
    )


def dry_run_build(data_dir: Path, *, select: str | None, console: Console) -> int:
    """Compile the prod models, dry-run each and print both figures; dbt's exit code."""
    from google.api_core.exceptions import GoogleAPIError
    from requests.exceptions import RequestException

    settings = BigQuerySettings.from_env()
    work_dir = data_dir / "prod-dry-run"
    code = compile_prod(data_dir, work_dir, select, settings.build_timeout)
    if code != 0:
        return code
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    try:
        costs = model_costs(manifest, settings, lake_parts(data_dir / "lake"))
    except (GoogleAPIError, RequestException, TimeoutError) as exc:
        console.print(f"BigQuery: {type(exc).__name__}: {str(exc)[:500]}")
        return 1
    render(costs, console)
    return 0

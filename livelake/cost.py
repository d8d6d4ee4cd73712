"""What a prod build would cost, before it runs: `livelake build --target prod --dry-run`.

Two figures per model, printed side by side and named:

- dry run: BigQuery's own answer (a dry-run query job of the model's compiled SQL,
  `total_bytes_processed`), the bytes on-demand pricing would bill for its select.
  The emulator the tests use always answers 0.
- estimate: what a daily build of the newest delivery (the lake's last committed
  run) scans, derived from each model's config (materialization, incremental
  strategy, day partitioning) and the sizes of what it reads: the raw tables'
  logical bytes per part (computed from the committed lake, with BigQuery's
  logical sizes: 8 bytes a number, date or instant, 16 a NUMERIC, 2 + the UTF-8
  bytes a string, nothing a null) and, for the models, the same bytes of the dev
  warehouse's tables (`make dev` builds it from the same lake), per day for a
  day-partitioned one. `daily_scan` says which parts and partitions each strategy
  reads. Of a model's table only the columns the model reads are charged, as
  BigQuery bills them, and an incremental model reads a day-partitioned table by
  day only where it bounds the partition column with a literal: both from DuckDB's
  plan of the model's dev SQL in the dev warehouse (`EXPLAIN (FORMAT JSON)`,
  `read_columns`: each table scan's columns and literal filters). A bounded read is
  charged from the earliest day the new runs touch on (the literal may be earlier:
  `mart_daily_kpis` reads 30 days before). Not narrowed: the lake's parts (a base
  model reads its new parts whole), a merge's or overwrite's own target (BigQuery's
  DML bills every column of the partitions it scans), a model the warehouse cannot
  plan. The same scan of whole rows is printed beside it ("whole rows"): an upper
  bound.

Both are priced on demand at USD 6.25 per TiB.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterator
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


@dataclass(frozen=True)
class TableBytes:
    """A model's table in the dev warehouse: BigQuery's logical bytes per column and,
    for a table partitioned on BigQuery, per day of its partition column ('' if not)."""

    by_column: dict[str, dict[str, int]]
    day_column: str | None = None  # its partition column on BigQuery

    def read(
        self, columns: frozenset[str] | None = None, day: Callable[[str], bool] | None = None
    ) -> int:
        """The bytes of `columns` (None: whole rows) in the days `day` keeps (None: all)."""
        return sum(
            size
            for column, days in self.by_column.items()
            if columns is None or column.lower() in columns
            for d, size in days.items()
            if day is None or day(d)
        )

    @property
    def total(self) -> int:
        return self.read()

    @property
    def partitioned(self) -> bool:
        return any(d for days in self.by_column.values() for d in days)


def warehouse_bytes(warehouse: Path, partitioned: dict[str, str]) -> dict[str, TableBytes]:
    """Every base table of the dev warehouse by name, with BigQuery's logical bytes per
    column; per day of its partition column for the models partitioned on BigQuery."""
    sizes: dict[str, TableBytes] = {}
    if not warehouse.exists():
        return sizes
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema not in ('main', 'lake')"
        ).fetchall()
        for schema, name in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            if not columns:
                continue
            day = partitioned.get(name)
            key = f'cast("{day}" as varchar)' if day else "''"
            sums = ", ".join(f"sum({_value_bytes(c, t)})" for c, t in columns)
            query = f'select {key}, {sums} from "{schema}"."{name}" group by 1'
            rows = con.execute(query).fetchall()
            sizes[name] = TableBytes(
                {
                    column: {str(row[0]): int(row[i + 1] or 0) for row in rows}
                    for i, (column, _) in enumerate(columns)
                },
                day,
            )
    return sizes


def _value_bytes(column: str, data_type: str) -> str:
    kind = data_type.upper()
    if kind.startswith(("VARCHAR", "BLOB")) or "[]" in kind or kind.startswith(("STRUCT", "MAP")):
        return f'coalesce(2 + strlen(cast("{column}" as varchar)), 0)'
    width = 16 if kind.startswith("DECIMAL") else 1 if kind == "BOOLEAN" else 8
    return f'case when "{column}" is null then 0 else {width} end'


@dataclass(frozen=True)
class ModelScan:
    model: str
    strategy: str  # the materialization, or the incremental strategy
    read_bytes: int  # its inputs' parts and partitions, the columns it reads
    target_bytes: int  # its own table, read by the merge / overwrite
    whole_read_bytes: int = 0  # read_bytes of whole rows: the upper bound

    @property
    def total(self) -> int:
        return self.read_bytes + self.target_bytes

    @property
    def whole_total(self) -> int:
        return max(self.whole_read_bytes, self.read_bytes) + self.target_bytes


@dataclass(frozen=True)
class TableRead:
    """What a model's plan reads of one table."""

    columns: frozenset[str]  # every column it scans (lower case)
    bounded: frozenset[str]  # the columns a literal filter bounds in the scan


# What each model's plan reads: model -> table (a model's name) -> its read.
ReadColumns = dict[str, dict[str, TableRead]]


def daily_scan(
    manifest: dict,
    sizes: dict[str, TableBytes],
    parts: list[Part],
    new_runs: set[int],
    columns: ReadColumns | None = None,
) -> list[ModelScan]:
    """What each model scans when `new_runs` arrive, from its config:

    - a table reads its inputs whole (a view's inputs: a view costs its reader);
    - an incremental model reads its lake inputs' parts of the new runs and, if it
      replaces whole days, every part of those days; its partitioned model inputs from
      the earliest day the runs touch on where its plan bounds their partition column
      with a literal (without a plan: unless it rebuilds users, whose whole history
      its merge deletes by user), whole otherwise, and its other inputs whole;
    - a merge reads its own table whole (BigQuery's MERGE with an update or delete
      clause bills the target), unless its `incremental_predicates` bound a
      day-partitioned target (the merge writes the earliest rebuilt day into them as a
      literal: BigQuery prunes the target's partitions before it, in the match and in
      the `not matched by source` delete alike); a merge without a `unique_key` or a
      delete clause only inserts (dbt's `on (FALSE)`), and BigQuery bills an
      insert-only MERGE its query alone; an insert_overwrite reads the partitions of
      the touched days;
    - a model whose `meta.reads_own_rows` is set also reads its own table whole before
      the merge (the state it carries from its rows already built, per user: the join
      on the rebuilt users prunes nothing);
    - a model whose `meta.reads_at_compile` lists columns also reads, when it compiles,
      those columns and the partition column of each partitioned model input, whole
      (int_lake_changes finds its inputs' first unlogged day so: livelake.unlogged_batch).

    Of the model tables read (its inputs, its own rows), a model listed in `columns`
    is charged only the columns its plan scans (a table its plan does not scan: 0);
    `whole_read_bytes` charges whole rows.
    """
    nodes = manifest["nodes"]
    days = {p.dt for p in parts if p.run_id in new_runs and p.dt}
    first_day = min(days, default=None)

    def lake_bytes(table: str, *, whole: bool, replaces_days: bool) -> int:
        return sum(
            p.logical_bytes
            for p in parts
            if p.table == table
            and (whole or p.run_id in new_runs or (replaces_days and p.dt in days))
        )

    def model_bytes(size: TableBytes, read: TableRead | None, *, whole: bool) -> int:
        columns = None if read is None else read.columns
        if whole or not size.partitioned:
            return size.read(columns)
        return 0 if first_day is None else size.read(columns, lambda d: d >= first_day)

    def inputs(unique_id: str) -> list[str]:
        """A model's inputs, views replaced by their own inputs."""
        found: list[str] = []
        for parent in nodes[unique_id]["depends_on"]["nodes"]:
            node = nodes.get(parent)
            if node is not None and node["config"].get("materialized") == "view":
                found += inputs(parent)
            elif node is not None or parent.startswith("source."):
                found.append(parent)
        return found

    scans: list[ModelScan] = []
    for unique_id, node in sorted(nodes.items(), key=lambda item: item[1]["name"]):
        if node["resource_type"] != "model":
            continue
        config = node["config"]
        materialized = config.get("materialized")
        if materialized in ("view", "ephemeral"):
            continue
        incremental = materialized == "incremental"
        strategy = (config.get("incremental_strategy") or "merge") if incremental else materialized
        replaces_days = strategy == "insert_overwrite"
        clauses = (config.get("merge_clauses") or {}).get("when_not_matched", [])
        by_user = any("user_id in (select user_id" in c.get("condition", "") for c in clauses)
        planned = (columns or {}).get(node["name"])
        at_compile = frozenset(
            c.lower() for c in (config.get("meta") or {}).get("reads_at_compile", [])
        )
        unread = TableRead(frozenset(), frozenset())
        read = whole_read = 0
        for parent in set(inputs(unique_id)):
            if parent.startswith("source."):
                source = manifest["sources"][parent]
                lake = lake_bytes(
                    source["identifier"], whole=not incremental, replaces_days=replaces_days
                )
                read, whole_read = read + lake, whole_read + lake
            elif (size := sizes.get(nodes[parent]["name"])) is not None:
                plan = None if planned is None else planned.get(nodes[parent]["name"], unread)
                # Read by day: its partition column bounded in the plan (no plan: the config).
                by_day = (
                    not by_user if plan is None else (size.day_column or "").lower() in plan.bounded
                )
                whole = not incremental or not by_day
                read += model_bytes(size, plan, whole=whole)
                whole_read += model_bytes(size, None, whole=whole)
                if incremental and at_compile and size.day_column:
                    compiled = size.read(at_compile | {size.day_column.lower()})
                    read, whole_read = read + compiled, whole_read + compiled
        own = sizes.get(node["name"])
        target = 0
        if incremental and own is not None:
            if replaces_days and own.partitioned:
                target = own.read(day=lambda d: d in days)
            elif config.get("incremental_predicates") and own.partitioned:
                target = 0 if first_day is None else own.read(day=lambda d: d >= first_day)
            elif strategy == "merge" and not config.get("unique_key") and not clauses:
                target = 0  # insert only: the target is neither matched nor scanned
            else:
                target = own.total
            if (config.get("meta") or {}).get("reads_own_rows"):
                own_plan = None if planned is None else planned.get(node["name"], unread)
                read += own.read(None if own_plan is None else own_plan.columns)
                whole_read += own.total
        scans.append(ModelScan(node["name"], strategy, read, target, whole_read))
    return scans


def read_columns(warehouse: Path, manifest: dict) -> ReadColumns:
    """What each model's dev SQL reads of every table it scans, from DuckDB's plans.

    `manifest` is a dev manifest with the compiled SQL (`compile_models`: an
    incremental model's incremental select). Each model's SQL is planned in the dev
    warehouse twice (a view is planned as the tables under it): with filter pushdown
    off, each table scan's projections are every column it reads (a pushed-down
    filter's column leaves them); with pushdown on, a scan's table filters are its
    literal bounds (`d>='2026-01-01'::DATE`: the column leads; an expression such as
    a cast of the column does not bound it, nor does a subquery, and statistics
    propagation is off, so no bound is derived from another table's values). A model
    whose SQL the warehouse cannot plan is left out: charged whole.
    """
    found: ReadColumns = {}
    if not warehouse.exists():
        return found
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for node in manifest["nodes"].values():
            sql = node.get("compiled_code")
            if node["resource_type"] != "model" or not sql:
                continue
            if node["config"].get("materialized") in ("view", "ephemeral"):
                continue
            columns: dict[str, set[str]] = defaultdict(set)
            bounded: dict[str, set[str]] = defaultdict(set)
            try:
                for disabled, into in (
                    ("filter_pushdown,statistics_propagation", columns),
                    ("statistics_propagation", bounded),
                ):
                    con.execute(f"set disabled_optimizers = '{disabled}'")
                    plan = con.execute(f"explain (format json) {sql}").fetchall()
                    for scan in _scans(json.loads(plan[0][1])):
                        table = scan["Table"].rsplit(".", 1)[-1]
                        if into is columns:
                            into[table] |= {c.lower() for c in _listed(scan.get("Projections"))}
                        else:
                            into[table] |= {
                                bound.group(1).lower()
                                for f in _listed(scan.get("Filters"))
                                if (bound := _BOUND.match(f))
                            }
            except duckdb.Error:
                continue
            found[node["name"]] = {
                table: TableRead(frozenset(read), frozenset(bounded.get(table, ())))
                for table, read in columns.items()
            }
    return found


# A table filter that bounds a column by a literal: the column, then a comparison.
_BOUND = re.compile(r'^"?([A-Za-z_][\w]*)"?\s*(?:>=|<=|=|>|<|IN\b)')


def _listed(value: str | list[str] | None) -> list[str]:
    """An `extra_info` entry of the plan: a string, or a list of them."""
    if not value:
        return []
    return [value] if isinstance(value, str) else [v for v in value if v]


def _scans(operators: list[dict]) -> Iterator[dict]:
    """The table scans of a JSON plan: their `extra_info` (Table, Projections, Filters)."""
    for operator in operators:
        info = operator.get("extra_info") or {}
        if isinstance(info, dict) and "Table" in info:
            yield info
        yield from _scans(operator.get("children", []))


def partitioned_models(manifest: dict) -> dict[str, str]:
    """The models partitioned by day on BigQuery: name -> partition column."""
    return {
        n["name"]: n["config"]["partition_by"]["field"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("partition_by")
    }


@dataclass(frozen=True)
class ModelCost:
    model: str
    dry_run_bytes: int
    estimate: ModelScan | None  # None: no estimate (a view)


def compile_models(
    data_dir: Path, work_dir: Path, select: str | None, timeout: float, target: str = "prod"
) -> int:
    """`dbt compile` of the models into work_dir/target (its manifest has the SQL): prod's
    to dry-run, dev's to plan in the dev warehouse (`read_columns`)."""
    from livelake.dbt_runner import dbt_invocation

    selector = "resource_type:model" + (f",{select}" if select else "")  # ',' intersects
    args = ["compile", "--select", selector]
    command, env = dbt_invocation(args, data_dir=data_dir, target=target, work_dir=work_dir)
    try:
        return subprocess.run(command, env=env, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return 124


def model_costs(
    manifest: dict, settings: BigQuerySettings, scans: list[ModelScan]
) -> list[ModelCost]:
    """A dry run of every compiled model, beside its estimate."""
    from google.cloud import bigquery

    from settings.bigquery_client import bounds, connect

    limits = bounds(settings)
    client = connect(settings)
    config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False)
    estimates = {scan.model: scan for scan in scans}
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
            costs.append(
                ModelCost(
                    node["name"], int(job.total_bytes_processed or 0), estimates.get(node["name"])
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
    table.add_column("strategy")
    table.add_column("estimate bytes", justify="right")
    table.add_column("estimate USD", justify="right")
    table.add_column("whole rows bytes", justify="right")
    for cost in costs:
        scan = cost.estimate
        table.add_row(
            cost.model,
            f"{cost.dry_run_bytes:,}",
            f"{usd(cost.dry_run_bytes):.6f}",
            "—" if scan is None else scan.strategy,
            "—" if scan is None else f"{scan.total:,}",
            "—" if scan is None else f"{usd(scan.total):.6f}",
            "—" if scan is None else f"{scan.whole_total:,}",
        )
    dry = sum(c.dry_run_bytes for c in costs)
    estimated = sum(c.estimate.total for c in costs if c.estimate)
    whole = sum(c.estimate.whole_total for c in costs if c.estimate)
    table.add_row(
        "total",
        f"{dry:,}",
        f"{usd(dry):.6f}",
        "",
        f"{estimated:,}",
        f"{usd(estimated):.6f}",
        f"{whole:,}",
    )
    console.print(table)
    console.print(
        "dry run: BigQuery's dry-run total_bytes_processed of each model's select "
        "(an emulator answers 0).\n"
        "estimate: what a daily build of the lake's newest run scans, from each model's "
        "strategy and the sizes of the lake's parts and the dev warehouse's tables, of the "
        "columns its plan reads (livelake/cost.py; views: —).\n"
        "whole rows: the same estimate charging every column of what it reads (upper bound)."
    )


def dry_run_build(data_dir: Path, *, select: str | None, console: Console) -> int:
    """Compile the prod models, dry-run each and print both figures; dbt's exit code."""
    from google.api_core.exceptions import GoogleAPIError
    from requests.exceptions import RequestException

    settings = BigQuerySettings.from_env()
    work_dir = data_dir / "prod-dry-run"
    dev_dir = work_dir / "dev"
    for target, directory in (("prod", work_dir), ("dev", dev_dir)):
        code = compile_models(data_dir, directory, select, settings.build_timeout, target)
        if code != 0:
            return code
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    warehouse = data_dir / "warehouse.duckdb"
    planned = read_columns(
        warehouse, json.loads((dev_dir / "target" / "manifest.json").read_text())
    )
    parts = lake_parts(data_dir / "lake")
    newest = {max((p.run_id for p in parts), default=0)}
    sizes = warehouse_bytes(warehouse, partitioned_models(manifest))
    scans = daily_scan(manifest, sizes, parts, newest, planned)
    try:
        costs = model_costs(manifest, settings, scans)
    except (GoogleAPIError, RequestException, TimeoutError) as exc:
        console.print(f"BigQuery: {type(exc).__name__}: {str(exc)[:500]}")
        return 1
    render(costs, console)
    return 0

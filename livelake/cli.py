"""The `livelake` command line: one entry point for every stage of the pipeline."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from settings.paths import Paths
from settings.target import TARGET_VARIABLE

if TYPE_CHECKING:
    from ingest.sources.base import Source
    from lake.lock import Held

app = typer.Typer(
    help="livelake: a DuckDB-first local lakehouse for live-streaming analytics.",
    no_args_is_help=True,
    add_completion=False,
)
# Wider than any message or table: outside a terminal nothing is wrapped.
LOG_WIDTH = 10_000


def _console(stderr: bool = False) -> Console:
    """A terminal's console; elsewhere (Airflow's task log, a file, a pipe) one where
    each message stays on one line and a table takes the width it needs."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=LOG_WIDTH, soft_wrap=True)


err = _console(stderr=True)
# build, publish and compact share the warehouse lock, and this option.
WaitForWarehouse = Annotated[
    bool, typer.Option(help="wait for a running build, publish or compaction instead of failing")
]
# ingest, extract, run and prod read from this source.
SourceOption = Annotated[
    str | None,
    typer.Option(
        help="a folder, or gdrive:FOLDER_ID for a Google Drive folder "
        "(default: $LIVELAKE_SOURCE, else DATA_DIR/inbox)"
    ),
]


@app.command()
def generate(
    scale: Annotated[
        str, typer.Option(help="small (14 days), long (150, few users), medium (90) or large (365)")
    ] = "small",
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same files")] = 42,
    inbox: Annotated[
        Path | None, typer.Option(help="where to write the workbooks [default: DATA_DIR/inbox]")
    ] = None,
    workers: Annotated[int, typer.Option(help="processes writing workbooks")] = 2,
) -> None:
    """Simulate the platform and write the back office's workbooks, with ground truth."""
    from simulator.generate import generate as run_generate

    paths = Paths.from_env()
    target = inbox or paths.inbox
    report = run_generate(target, paths.truth, scale=scale, seed=seed, workers=workers)
    err.print(
        f"generated {report.files_written} workbooks ({report.data_rows} data rows, "
        f"{report.days} days, {report.users} users, scale {report.scale}) into {target} "
        f"in {report.seconds:.1f}s"
    )


@app.command()
def ingest(
    source: SourceOption = None,
    workers: Annotated[int, typer.Option(help="files read in parallel")] = 2,
    wait: Annotated[
        bool, typer.Option(help="wait for a running ingest instead of failing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Load the source's workbooks into the parquet lake (a Drive folder is extracted
    into the data directory first, as `livelake extract` does).

    Exit codes: 0 all loaded (bad rows quarantined), 3 some file or sheet rejected,
    4 another run holds the lake, 2 the Drive source is not usable (credentials,
    folder, sharing), 1 unexpected failure.
    """
    from ingest.run import EXIT_BUSY, run_ingest
    from ingest.summary import render, to_json
    from lake.lock import LakeBusyError
    from lake.runs import CorruptRecordError, EarlierLayoutError

    paths = Paths.from_env()
    folder = _open_source(paths, source, as_json)
    show_progress = not as_json and err.is_terminal
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show_progress,
    )
    with progress:
        task = progress.add_task("ingesting", total=None)
        try:
            report = run_ingest(
                folder,
                paths.lake,
                workers=workers,
                wait_for_lock=wait,
                on_planned=lambda n: progress.update(task, total=n),
                on_file_done=lambda _f: progress.advance(task),
            )
        except LakeBusyError as exc:
            err.print(f"[red]error[/] {exc}")
            raise typer.Exit(EXIT_BUSY) from exc
        except (EarlierLayoutError, CorruptRecordError) as exc:
            err.print(f"[red]error[/] {exc}")
            raise typer.Exit(1) from exc
    _printable_stdout()
    if as_json:
        sys.stdout.write(to_json(report) + "\n")
    else:
        render(report, _console())
    raise typer.Exit(report.exit_code)


@app.command()
def extract(
    source: SourceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Mirror a Google Drive folder into DATA_DIR/inbox/gdrive/FOLDER_ID: only the files
    that are new or changed since the last extract are fetched (`livelake ingest`
    does it too; this is the step alone). A local folder needs none: nothing to do.

    Exit codes: 0 done (also when nothing is new), 2 the Drive source is not usable
    (no or bad credentials, an unknown folder or one not shared with the service
    account: the message says what to fix), 1 anything else (Drive kept failing past
    LIVELAKE_GDRIVE_RETRY_SECONDS: run it again).
    """
    import json

    paths = Paths.from_env()
    spec = paths.source(source)
    if not spec.startswith("gdrive:"):
        err.print(f"{spec} is a local folder: nothing to extract")
        if as_json:
            sys.stdout.write(json.dumps({"source": spec, "fetched": []}) + "\n")
        return
    drive = _open_source(paths, spec, as_json)
    if as_json:
        _printable_stdout()
        sys.stdout.write(json.dumps(drive.extract().to_dict(), ensure_ascii=False) + "\n")


def _open_source(paths: Paths, source: str | None, quiet: bool) -> Source:
    """The ingest's source; a Drive folder is extracted now, so a problem with it ends
    the command (exit 2: the person must fix it; 1: Drive kept failing) before the
    lake is locked."""
    from ingest.sources.gdrive import (
        DriveConfigError,
        DriveUnavailableError,
        GoogleDriveSource,
        folder_id,
    )
    from ingest.sources.local import LocalFolderSource

    spec = paths.source(source)
    try:
        folder = folder_id(spec)
        if folder is None:
            return LocalFolderSource(Path(spec))
        drive = GoogleDriveSource(folder, paths.drive_mirror(folder))
        report = drive.extract()
    except FileNotFoundError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(1) from exc
    except DriveConfigError as exc:
        err.print(f"[red]error[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    except DriveUnavailableError as exc:
        err.print(f"[red]error[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from exc
    if not quiet:  # Drive names are text, never markup: "[2025] report.xlsx"
        err.print(escape(report.line()), highlight=False)
    return drive


@app.command()
def build(
    target: Annotated[
        str | None,
        typer.Option(help="dbt target: dev (DuckDB) or prod (BigQuery); default $LIVELAKE_TARGET"),
    ] = None,
    select: Annotated[str | None, typer.Option(help="dbt node selection, e.g. marts")] = None,
    full_refresh: Annotated[
        bool, typer.Option(help="rebuild every incremental model from the whole lake")
    ] = False,
    unit_tests: Annotated[
        bool, typer.Option(help="also run dbt's unit tests (make test always does)")
    ] = False,
    wait: WaitForWarehouse = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            help="prod only: BigQuery dry runs of every model, the bytes each would "
            "process and its on-demand cost; nothing is built"
        ),
    ] = False,
) -> None:
    """Build and test every dbt model (`dbt build`) on the lake's committed runs.

    Unit tests are left out unless --unit-tests: they check the SQL on fixtures,
    not the day's data (livelake.dbt_runner.DAILY_BUILD). The prod target (BigQuery)
    checks its project and credentials first and is bounded by
    LIVELAKE_BQ_BUILD_TIMEOUT_SECONDS.

    Exit codes: 0 every model built and every test passed, 1 a model or test failed,
    2 dbt could not run (project, profile, no BigQuery project or credentials),
    4 another build, publish or compaction holds the warehouse (pass --wait to queue
    behind it), 124 the prod build timed out.
    """
    from livelake.dbt_runner import DAILY_BUILD, run_dbt

    paths = Paths.from_env()
    target = target or _target_from_env()
    args = ["build"] if unit_tests else list(DAILY_BUILD)
    args += ["--select", select] if select else []
    args += ["--full-refresh"] if full_refresh else []
    if dry_run and target != "prod":
        err.print("[red]error[/] --dry-run prices BigQuery queries: pass --target prod")
        raise typer.Exit(2)
    if target == "prod":  # the lock guards the local DuckDB warehouse only
        _check_prod()
        if dry_run:
            from livelake.cost import dry_run_build

            raise typer.Exit(dry_run_build(paths.data_dir, select=select, console=_console()))
        raise typer.Exit(run_dbt(args, data_dir=paths.data_dir, target=target))
    if target != "dev":
        err.print(f"[red]error[/] unknown target {target!r}: dev or prod")
        raise typer.Exit(2)
    with _warehouse_held(paths, "build", wait) as held:
        code = run_dbt(args, data_dir=paths.data_dir, target=target, pass_fds=(held.fd,))
    raise typer.Exit(code)


@app.command()
def publish(
    wait: WaitForWarehouse = False,
) -> None:
    """Replace the serving copy (serving.duckdb) with the warehouse, atomically.

    Exit codes: 0 published, 1 no warehouse yet, 4 another build, publish or
    compaction holds the warehouse (pass --wait to queue behind it).
    """
    from lake.serving import publish as publish_copy

    paths = Paths.from_env()
    with _warehouse_held(paths, "publish", wait):
        try:
            target = publish_copy(paths.warehouse, paths.serving, config=paths.duckdb_config)
        except FileNotFoundError as exc:
            err.print(f"[red]error[/] {exc}")
            raise typer.Exit(1) from exc
    err.print(f"published {target}")


@app.command()
def compact(
    wait: WaitForWarehouse = False,
) -> None:
    """Rewrite the warehouse without the rows incremental runs deleted (weekly upkeep).

    Exit codes: 0 compacted, 1 no warehouse yet, 4 another build, publish or
    compaction holds the warehouse (pass --wait to queue behind it).
    """
    from lake.compaction import compact as compact_warehouse

    paths = Paths.from_env()
    with _warehouse_held(paths, "compact", wait):
        try:
            result = compact_warehouse(paths.warehouse, config=paths.duckdb_config)
        except FileNotFoundError as exc:
            err.print(f"[red]error[/] {exc}")
            raise typer.Exit(1) from exc
    err.print(
        f"compacted {paths.warehouse}: {result.bytes_before / 1e6:,.0f} MB -> "
        f"{result.bytes_after / 1e6:,.0f} MB"
    )


@contextmanager
def _warehouse_held(paths: Paths, doing: str, wait: bool) -> Iterator[Held]:
    """The warehouse's lock (lake.lock), or exit 4 with who holds it."""
    from lake.lock import EXIT_BUSY, WarehouseBusyError, warehouse_lock

    try:
        with warehouse_lock(paths.warehouse, doing=doing, wait=wait) as held:
            yield held
    except WarehouseBusyError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(EXIT_BUSY) from exc


@app.command()
def promote(
    dry_run: Annotated[
        bool, typer.Option(help="print what would be loaded and its bytes; write nothing")
    ] = False,
    wait: Annotated[
        bool, typer.Option(help="wait for a running promotion instead of failing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Load the lake's committed runs into BigQuery's raw dataset (production).

    Only the slices (a table's day, a side table's run) that changed since the last
    promotion are loaded, each replaced whole in one transaction: running it twice
    changes nothing, and a promotion cut short is finished by running it again.
    Settings: LIVELAKE_GCP_PROJECT, LIVELAKE_BQ_* (.env.example).

    Exit codes: 0 promoted (or nothing to do), 1 BigQuery failed or timed out (run it
    again) or no committed lake, 2 no project or credentials, 4 another promotion is
    running (pass --wait to queue behind it).
    """
    from google.api_core.exceptions import GoogleAPIError
    from requests.exceptions import RequestException

    from lake.runs import CorruptRecordError, EarlierLayoutError
    from promote.run import (
        EXIT_BUSY,
        EXIT_FAILED,
        EXIT_NOT_CONFIGURED,
        PromoteBusyError,
        promotion_lock,
    )
    from promote.run import promote as run_promote
    from promote.summary import render, to_json
    from settings.bigquery import BigQuerySettings
    from settings.bigquery_client import NotConfiguredError

    paths = Paths.from_env()
    settings = BigQuerySettings.from_env()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=as_json or dry_run or not err.is_terminal,
    )
    try:
        with promotion_lock(paths.data_dir, wait), progress:
            task = progress.add_task("promoting", total=None)
            report = run_promote(
                paths.lake,
                settings,
                dry_run=dry_run,
                on_planned=lambda plan: progress.update(task, total=len(plan.load)),
                on_batch_done=lambda batch: progress.advance(task, len(batch)),
            )
    except PromoteBusyError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(EXIT_BUSY) from exc
    except NotConfiguredError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(EXIT_NOT_CONFIGURED) from exc
    except (FileNotFoundError, EarlierLayoutError, CorruptRecordError) as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(EXIT_FAILED) from exc
    except (GoogleAPIError, RequestException, TimeoutError) as exc:
        # concurrent.futures.TimeoutError is TimeoutError: a job not done in its time.
        err.print(
            f"[red]error[/] BigQuery: {type(exc).__name__}: {str(exc)[:500] or 'timed out'}\n"
            "the slices loaded so far stay; run `livelake promote` again to load the rest"
        )
        raise typer.Exit(EXIT_FAILED) from exc
    _printable_stdout()
    if as_json:
        sys.stdout.write(to_json(report) + "\n")
    else:
        render(report, _console())


@app.command()
def kpis() -> None:
    """Print the last day's headline KPIs: from the serving copy (dev), or from
    BigQuery's marts when LIVELAKE_TARGET=prod."""
    from livelake.headline import from_bigquery, from_serving
    from livelake.headline import render as render_kpis

    if _target_from_env() == "prod":
        from google.api_core.exceptions import GoogleAPIError
        from requests.exceptions import RequestException

        from settings.bigquery import BigQuerySettings

        _check_prod()
        try:
            headline = from_bigquery(BigQuerySettings.from_env())
        except (GoogleAPIError, RequestException, TimeoutError) as exc:
            err.print(f"[red]error[/] BigQuery: {type(exc).__name__}: {str(exc)[:500]}")
            raise typer.Exit(1) from exc
        render_kpis(headline, _console())
        return
    paths = Paths.from_env()
    if not paths.serving.exists():
        err.print(f"[red]error[/] no serving copy at {paths.serving}: run `livelake run`")
        raise typer.Exit(1)
    render_kpis(from_serving(paths.serving), _console())


@app.command()
def health(
    since: Annotated[
        str | None,
        typer.Option(help="ISO date or time, UTC unless offset given [default: newest run]"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the report as one JSON line")] = False,
) -> None:
    """What the back office must fix, from the serving copy (livelake/health.py).

    Exit codes: 0 healthy, 3 problems found (files rejected, rows quarantined above
    LIVELAKE_HEALTH_MAX_QUARANTINED_ROWS, a domain late or missing), 1 no serving copy,
    2 a bad --since or threshold.
    """
    from livelake import health as checks

    paths = Paths.from_env()
    try:
        start = checks.parse_since(since) if since else None
        threshold = checks.threshold_from_env()
    except ValueError as exc:
        err.print(f"[red]error[/] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    if not paths.serving.exists():
        err.print(f"[red]error[/] no serving copy at {paths.serving}: run `livelake run`")
        raise typer.Exit(1)
    report = checks.check(paths.serving, start, threshold)
    _printable_stdout()
    sys.stdout.write(checks.to_json(report) + "\n" if as_json else checks.render(report))
    raise typer.Exit(report.exit_code)


@app.command()
def prod(
    source: SourceOption = None,
    workers: Annotated[int, typer.Option(help="files read in parallel")] = 2,
) -> None:
    """Production on BigQuery: ingest -> promote -> dbt build --target prod -> the
    headline KPIs read from BigQuery (`make prod`).

    The project and credentials are checked before anything runs: without them it
    exits 2 at once, naming what to set. Every BigQuery call is bounded (promote's
    request and job timeouts, LIVELAKE_BQ_BUILD_TIMEOUT_SECONDS for dbt). Exits 0 when
    everything ran, 3 when some input was rejected by the ingest, else the failing
    step's code.
    """
    _check_prod()

    def kpis_from_bigquery() -> None:
        os.environ[TARGET_VARIABLE] = "prod"
        kpis()

    _ingest_then(
        source,
        workers,
        lambda: promote(dry_run=False, wait=True, as_json=False),
        lambda: build(
            target="prod",
            select=None,
            full_refresh=False,
            unit_tests=False,
            wait=True,
            dry_run=False,
        ),
        kpis_from_bigquery,
    )


def _target_from_env() -> str:
    from settings.target import target_from_env

    try:
        return target_from_env()
    except ValueError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(2) from exc


def _check_prod() -> None:
    """BigQuery's project and credentials, checked before any dbt or request (exit 2)."""
    from livelake.dbt_runner import check_prod
    from settings.bigquery_client import NotConfiguredError

    try:
        check_prod()
    except NotConfiguredError as exc:
        err.print(f"[red]error[/] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def run(
    source: SourceOption = None,
    workers: Annotated[int, typer.Option(help="files read in parallel")] = 2,
) -> None:
    """The whole chain: ingest -> dbt build -> publish -> headline KPIs.

    Each step waits for a running ingest, build, publish or compaction. Exits 0 when
    everything ran, 3 when everything ran but some input was rejected by the ingest,
    else the failing step's code (see `livelake ingest --help`, `livelake build --help`).
    """
    _ingest_then(
        source,
        workers,
        lambda: build(
            target="dev",
            select=None,
            full_refresh=False,
            unit_tests=False,
            wait=True,
            dry_run=False,
        ),
        lambda: publish(wait=True),
        kpis,
    )


def _ingest_then(source: str | None, workers: int, *steps: Callable[[], None]) -> None:
    """A chain (`run`, `prod`): the ingest, then each step, waiting at each for the
    locks. The first step that fails ends it with its code; else it exits with the
    ingest's (3: some input was rejected)."""
    from ingest.run import EXIT_OK, EXIT_REJECTED

    ingest_code = _exit_code(
        lambda: ingest(source=source, workers=workers, wait=True, as_json=False)
    )
    if ingest_code not in (EXIT_OK, EXIT_REJECTED):
        raise typer.Exit(ingest_code)
    for step in steps:
        if code := _exit_code(step):
            raise typer.Exit(code)
    raise typer.Exit(ingest_code)


def _printable_stdout() -> None:
    """On a locale that cannot spell every character (Chinese sheet names on an ASCII
    terminal), print the rest and escape those, rather than die before the summary."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if encoding != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def _exit_code(command) -> int:  # noqa: ANN001 - a typer command called directly
    try:
        command()
    except typer.Exit as done:
        return done.exit_code
    return 0


if __name__ == "__main__":
    app()

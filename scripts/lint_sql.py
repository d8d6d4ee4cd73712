"""Lint the dbt SQL (sqlfluff, dbt templater) in both branches of every model.

The dbt templater renders a model as dbt would run it against the data dir's
warehouse: an incremental model's `is_incremental()` branch only when its table
exists there. Linting against whatever `LIVELAKE_DATA_DIR` holds would check the
full-refresh branch on a fresh clone and the incremental one after `make dev`, so
`make lint` could pass on one and fail on the other. This lints in a scratch data
dir instead: a tiny lake (three days of the simulator's small world and a
re-export, written straight into the lake by simulator.direct_lake) and a
warehouse holding every model, built from it first (`dbt run`). Two passes, at once,
each on its own copy of the scratch dir:

1. the incremental branch, as the next `dbt build` renders it;
2. the full-refresh branch, as `dbt build --full-refresh` renders it (dbt's
   full-refresh flag set in the templater, which has no option for it). Rendering
   against the built warehouse, not an empty one, matters: a model whose
   compile-time query reads an upstream table (its bounds, the lake files already
   consumed) renders as in a real build, instead of being skipped.

A file the templater skips (it could not compile it, or it is too large) fails the
lint: an unlinted model is not a clean one. Exits 1 if either pass fails, and
prints each pass's report.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from livelake.dbt_runner import PROJECT_DIR, REPO_ROOT, dbt_invocation

LINTED = ("models", "tests/singular", "snapshots")
LAKE_DAYS = 3
BRANCHES = ("incremental", "full-refresh")


def tiny_lake(lake: Path) -> None:
    """The first LAKE_DAYS days of the small world, and a re-export of the first."""
    from simulator.direct_lake import report_days, resolved_world, write_correction, write_days

    world = resolved_world("small", 42)
    days = report_days(world)[:LAKE_DAYS]
    write_days(lake, world, days)
    write_correction(lake, world, days[0])


def build(data_dir: Path) -> None:
    """Every model into `data_dir`'s warehouse, with its own dbt work dir."""
    command, env = dbt_invocation(["run"], data_dir=data_dir, work_dir=data_dir)
    done = subprocess.run(
        command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        raise SystemExit(f"building the scratch warehouse failed ({done.returncode})")


def lint_pass(branch: str, data_dir: Path) -> subprocess.Popen[str]:
    """This script again, as one pass (`--branch`), rendered against `data_dir`."""
    env = {
        **os.environ,
        "LIVELAKE_DATA_DIR": str(data_dir),
        # dbt's artefacts and partial parse stay in the pass's own dir.
        "DBT_TARGET_PATH": str(data_dir / "target"),
        "DBT_LOG_PATH": str(data_dir / "logs"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.lint_sql", "--branch", branch],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_sqlfluff(branch: str) -> None:
    """`sqlfluff lint` in this process (exits with its code)."""
    if branch == "full-refresh":
        import dbt.flags

        set_from_args = dbt.flags.set_from_args

        def full_refresh(args, project_flags) -> None:  # noqa: ANN001 - dbt's signature
            set_from_args(args, project_flags)
            flags = dbt.flags.get_flags()
            for name in ("FULL_REFRESH", "full_refresh"):
                object.__setattr__(flags, name, True)

        dbt.flags.set_from_args = full_refresh
    from sqlfluff.cli.commands import cli

    os.chdir(PROJECT_DIR)
    cli(["lint", *LINTED])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branch", choices=BRANCHES, help="run one pass here (internal)")
    options = parser.parse_args()
    if options.branch:
        run_sqlfluff(options.branch)
        return 2  # sqlfluff exits itself
    with tempfile.TemporaryDirectory(prefix="livelake-lint-") as scratch:
        built = Path(scratch, "built")
        tiny_lake(built / "lake")
        build(built)
        passes = {}
        for branch in BRANCHES:
            copy = Path(scratch, branch)
            shutil.copytree(built, copy, ignore=shutil.ignore_patterns("target", "logs"))
            passes[branch] = lint_pass(branch, copy)
        failed = False
        for branch, process in passes.items():
            output, _ = process.communicate()
            print(f"== sqlfluff, the {branch} branch ==")
            print(output, end="")
            skipped = [line for line in output.splitlines() if "Skipped file" in line]
            if skipped:
                print(f"{len(skipped)} file(s) skipped, not linted: that fails the lint")
            failed |= process.returncode != 0 or bool(skipped)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

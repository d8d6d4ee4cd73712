"""Run in Airflow's virtualenv (.venv-airflow), never imported by the tests: the tests
run in the pipeline's venv and start this script, which prints one JSON line last.

    python airflow_driver.py dagbag DAGS_FOLDER AFTER_ISO
        import errors, DAG ids, and each DAG's next run due after AFTER_ISO
    python airflow_driver.py test DAGS_FOLDER DAG_ID
        dag.test() of DAG_ID, then each task's state
    python airflow_driver.py settle CODE...
        what livelake_airflow.command does with a `livelake` exit code
    python airflow_driver.py since
        the health task's --since, rendered for a scheduled and a manual run
    python airflow_driver.py several PLAN_JSON
        several of the above in one process, each with its own environment
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _bag(folder: str):  # noqa: ANN202 - Airflow's DagBag
    """The DAG folder as Airflow's dags-folder bundle loads it (on sys.path, so the DAG
    file imports its livelake_airflow package)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=folder, bundle_path=Path(folder))


def dagbag(folder: str, after: str) -> dict:
    import pendulum
    from airflow.timetables.base import DataInterval, TimeRestriction

    bag = _bag(folder)
    instant = pendulum.parse(after)
    next_runs = {}
    for dag_id, dag in bag.dags.items():
        info = dag.timetable.next_dagrun_info(
            last_automated_data_interval=DataInterval(instant, instant),
            restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
        )
        next_runs[dag_id] = None if info is None else info.run_after.isoformat()
    return {
        "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
        "dag_ids": sorted(bag.dags),
        "next_run": next_runs,
        "deadlines": {dag_id: len(dag.deadline or []) for dag_id, dag in bag.dags.items()},
        "tasks": {
            dag_id: [t.task_id for t in sorted(dag.tasks, key=_position)]
            for dag_id, dag in bag.dags.items()
        },
        "commands": {
            dag_id: {t.task_id: getattr(t, "bash_command", None) for t in dag.tasks}
            for dag_id, dag in bag.dags.items()
        },
    }


def _position(task) -> int:  # noqa: ANN001 - an Airflow operator
    """A task's place in a linear chain: how many tasks are upstream of it."""
    return len(task.get_flat_relatives(upstream=True))


def since() -> dict:
    """The health task's --since as Airflow renders it, for a scheduled run (with a data
    interval) and a manual one (none: `data_interval_end` is undefined in its context)."""
    import livelake_daily
    import pendulum

    template = livelake_daily.dag.get_template_env().from_string(livelake_daily.SINCE)

    class Run:
        run_after = pendulum.datetime(2026, 12, 6, 2, tz="UTC")
        start_date = pendulum.datetime(2026, 12, 6, 2, 5, 32, tz="UTC")

    return {
        "scheduled": template.render(dag_run=Run(), data_interval_end=Run.run_after),
        "manual": template.render(dag_run=Run()),
    }


def settle(*codes: str) -> dict:
    """What each `livelake` exit code does to a task: the exception it raises, if any."""
    from livelake_airflow.command import settle as settle_code

    raised = {}
    for code in codes:
        try:
            settle_code(int(code), "livelake ingest")
            raised[code] = None
        except Exception as exc:  # noqa: BLE001 - the answer is the exception's type
            raised[code] = type(exc).__name__
    return raised


def test(folder: str, dag_id: str) -> dict:
    bag = _bag(folder)
    if bag.import_errors:
        return {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}}
    run = bag.dags[dag_id].test()
    return {
        "run_id": run.run_id,
        "state": str(run.state),
        "tasks": {ti.task_id: str(ti.state) for ti in run.get_task_instances()},
    }


def several(plan: str) -> dict:
    """Several commands in one process (importing Airflow is most of each one's time):
    `plan` is JSON {name: [command, [args...], {environment added for it}]}."""
    results = {}
    for name, (command, args, overlay) in json.loads(plan).items():
        saved = dict(os.environ)
        os.environ.update(overlay)
        try:
            results[name] = COMMANDS[command](*args)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return results


COMMANDS = {"dagbag": dagbag, "test": test, "settle": settle, "since": since, "several": several}

if __name__ == "__main__":
    command, *args = sys.argv[1:]
    # The DAG's own package, for `since` and `settle` (a bundle's DagBag adds it too).
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dags"))
    sys.stdout.write("\n" + json.dumps(COMMANDS[command](*args)) + "\n")

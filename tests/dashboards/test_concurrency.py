"""50 viewers asking for a chart without a pause while `livelake publish` replaces the
serving copy twice (A -> B -> A): no errors; every answer is one whole copy; answers
come from both copies; every request begun after a publish has finished is answered
from the copy it published (cached or not); and a failed publish fails the test.

The order of requests and publishes is taken from one clock in this process (which
began before which ended), never a duration: the test asserts what was answered,
not how fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from livelake_dashboards.client import SupersetClient

from tests.dashboards import api
from tests.dashboards.serving import (
    DAU_CHART,
    SHIFT,
    Answer,
    dau_answer,
    livelake_publish,
    shift_dau,
    shifted,
)

pytestmark = pytest.mark.xdist_group("superset")

VIEWERS = 50
PER_PHASE = 10  # answers to requests begun in each phase before the next step (each kind)
WAIT_S = 240  # a guard against a hang, not a speed check


@dataclass(frozen=True)
class Asked:
    began: float
    ended: float
    force: bool
    answer: Answer | str  # the rows, or the error


@dataclass
class Publishes:
    b_began: float = float("inf")  # copy B (shifted) starts replacing copy A
    b_done: float = float("inf")
    a_began: float = float("inf")  # copy A comes back
    a_done: float = float("inf")


def test_publish_under_load(superset) -> None:
    admin = api.admin(superset)
    chart_id = api.chart_ids(admin)[DAU_CHART]
    warehouse = superset.data_dir / "warehouse.duckdb"
    copy_a = dau_answer(api.chart_rows(admin, chart_id))
    copy_b = shifted(copy_a)
    asked: list[Asked] = []
    lock = threading.Lock()
    stop = threading.Event()
    publishes = Publishes()

    login = api.viewer(superset)

    def ask_until_stopped(viewer: int) -> None:
        client = SupersetClient(superset.url)  # a session of its own, the viewer's token
        client.session.headers.update(login.session.headers)
        force = viewer % 2 == 0  # half refresh past the cache, half view as a dashboard does
        while not stop.is_set():
            began = time.monotonic()
            response = client.chart_data(chart_id, force=force)
            ended = time.monotonic()
            if response.status_code == 200:
                answer: Answer | str = dau_answer(response.json()["result"][0]["data"])
            else:
                answer = f"{response.status_code}: {response.text[:300]}"
            with lock:
                asked.append(Asked(began, ended, force, answer))

    def answered_after(moment: float) -> Callable[[], bool]:
        def enough() -> bool:
            with lock:
                return all(
                    sum(a.began > moment and a.force == force for a in asked) >= PER_PHASE
                    for force in (True, False)
                )

        return enough

    def wait_for(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if stop.is_set() or time.monotonic() > deadline:
                raise TimeoutError("the viewers stopped answering")
            time.sleep(0.05)

    def publisher() -> None:
        wait_for(answered_after(float("-inf")))
        shift_dau(warehouse, SHIFT)
        try:
            publishes.b_began = time.monotonic()
            livelake_publish(superset.data_dir)
            publishes.b_done = time.monotonic()
            wait_for(answered_after(publishes.b_done))
        finally:
            shift_dau(warehouse, -SHIFT)
            publishes.a_began = time.monotonic()
            livelake_publish(superset.data_dir)
            publishes.a_done = time.monotonic()
        wait_for(answered_after(publishes.a_done))

    with ThreadPoolExecutor(max_workers=VIEWERS + 1) as pool:
        publishing = pool.submit(publisher)
        viewers = [pool.submit(ask_until_stopped, viewer) for viewer in range(VIEWERS)]
        try:
            publishing.result(timeout=3 * WAIT_S)  # a failed publish raises here
        finally:
            stop.set()
            for viewer in viewers:
                viewer.result(timeout=WAIT_S)

    assert [a.answer for a in asked if isinstance(a.answer, str)] == []
    assert all(a.answer in (copy_a, copy_b) for a in asked), "an answer mixed two copies"

    def answers(began_after: float, ended_before: float) -> dict[bool, set[Answer | str]]:
        """The answers to requests wholly inside a phase, forced and not."""
        inside = [a for a in asked if a.began > began_after and a.ended < ended_before]
        return {force: {a.answer for a in inside if a.force == force} for force in (True, False)}

    # Before copy B was published, only A; between its publish and A's return, only B
    # (nothing stale, not even from the cache); after A's return, only A again.
    assert answers(float("-inf"), publishes.b_began) == {True: {copy_a}, False: {copy_a}}
    assert answers(publishes.b_done, publishes.a_began) == {True: {copy_b}, False: {copy_b}}
    assert answers(publishes.a_done, float("inf")) == {True: {copy_a}, False: {copy_a}}
    assert dau_answer(api.chart_rows(admin, chart_id)) == copy_a

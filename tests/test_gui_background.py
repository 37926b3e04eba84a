"""The GUI's background runner: results, exceptions as objects, per-task warnings (also of two
tasks running at once), cancellation and replacement that deliver nothing stale, and a wait
that does not run the event loop."""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from lmapp.gui.core.background import Background, TaskWarning, error_details, error_line


@pytest.fixture
def runner(qtbot):
    """A Background and the list of what it delivered: (signal, tag, value)."""
    bg = Background()
    got: list[tuple[str, object, object]] = []
    bg.finished.connect(lambda tag, result: got.append(("finished", tag, result)))
    bg.failed.connect(lambda tag, exc: got.append(("failed", tag, exc)))
    bg.warned.connect(lambda tag, found: got.append(("warned", tag, found)))
    return bg, got


def test_a_result_and_its_warnings_arrive_on_the_gui_thread(qtbot, runner):
    bg, got = runner
    gui = threading.get_ident()
    seen = []

    def work(state):
        seen.append(threading.get_ident())
        np.exp(np.full(3, 1000.0))  # overflow, twice
        np.exp(np.full(3, 1000.0))
        np.log(-np.ones(2))  # invalid value
        warnings.warn("a numba-like warning", UserWarning, stacklevel=1)
        state.warn("said by the task", RuntimeWarning)
        return 42

    bg.finished.connect(lambda *_: seen.append(threading.get_ident()))
    task = bg.submit(work, tag="t")
    qtbot.waitUntil(lambda: any(kind == "finished" for kind, _, _ in got), timeout=5000)
    assert seen[0] != gui and seen[1] == gui and task.done
    (k1, tag1, found), (k2, tag2, result) = got
    assert (k1, tag1, k2, tag2, result) == ("warned", "t", "finished", "t", 42)
    assert found == [
        TaskWarning("RuntimeWarning", "overflow encountered in exp", 2),
        TaskWarning("RuntimeWarning", "invalid value encountered in log", 1),
        TaskWarning("UserWarning", "a numba-like warning", 1),
        TaskWarning("RuntimeWarning", "said by the task", 1),
    ]
    assert str(found[0]) == "RuntimeWarning: overflow encountered in exp (2 times)"


def test_warnings_of_two_tasks_running_at_once_stay_apart(qtbot):
    both = threading.Barrier(2, timeout=5)
    outcome = {}

    def work(name):
        def fn(_state):
            for k in range(50):
                if k == 25:
                    both.wait()  # the two tasks certainly overlap
                warnings.warn(f"{name} {k}", UserWarning, stacklevel=1)
                np.divide(np.ones(1), np.zeros(1))  # divide by zero, counted per task
            return name

        return fn

    bgs = [Background(), Background()]
    for bg, name in zip(bgs, "ab"):
        bg.warned.connect(lambda _tag, found, n=name: outcome.setdefault(n, found))
        bg.submit(work(name))
    assert all(bg.wait_idle(10) for bg in bgs)
    for name in "ab":
        texts = [w.message for w in outcome[name] if w.category == "UserWarning"]
        assert texts == [f"{name} {k}" for k in range(50)]
        assert (
            TaskWarning("RuntimeWarning", "divide by zero encountered in divide", 50)
            in outcome[name]
        )


def test_a_failure_is_the_exception_with_its_traceback(qtbot, runner):
    bg, got = runner

    def work(_state):
        raise ValueError("no such minimum")

    bg.submit(work, tag=7)
    assert bg.wait_idle(5)
    [(kind, tag, exc)] = got
    assert (kind, tag, type(exc)) == ("failed", 7, ValueError)
    assert error_line(exc) == "ValueError: no such minimum"
    details = error_details(exc)
    assert "Traceback" in details and "in work" in details and "no such minimum" in details


def test_cancelled_and_replaced_tasks_deliver_nothing(qtbot, runner):
    bg, got = runner
    started = threading.Event()
    ran = []

    def slow(state):
        started.set()
        while not state.cancelled:
            time.sleep(0.005)
        assert state.abort[0] == 1  # jitted kernels see the same request
        return "stale"

    first = bg.submit(slow, "first")
    assert started.wait(5)
    bg.submit(lambda _s: ran.append("replaced"), "replaced")  # waits, then is replaced
    bg.submit(lambda _s: ran.append("newest") or "fresh", "newest")
    assert bg.busy
    first.cancel()
    assert bg.wait_idle(5) and not bg.busy
    assert ran == ["newest"] and got == [("finished", "newest", "fresh")]
    # cancelling everything: a running task's result (and its warnings) are dropped
    gate = threading.Event()

    def warns(_state):
        gate.wait(5)
        warnings.warn("dropped too", UserWarning, stacklevel=1)
        return "dropped"

    task = bg.submit(warns, "late")
    bg.cancel()
    assert not bg.busy and bg.wait_idle(0)
    gate.set()
    assert task.wait(5)
    qtbot.wait(100)  # the poll timer had its chance to deliver
    assert got == [("finished", "newest", "fresh")] and task.result == "dropped"


def test_a_running_task_still_delivers_when_a_newer_one_waits(qtbot, runner):
    """Views asking again while drawing live (a new snapshot every second) still draw."""
    bg, got = runner
    gate = threading.Event()
    bg.submit(lambda _s: gate.wait(5) and "older", "older")
    bg.submit(lambda _s: "newer", "newer")
    gate.set()
    assert bg.wait_idle(5)
    assert got == [("finished", "older", "older"), ("finished", "newer", "newer")]


def test_cancel_running_drops_the_running_task(qtbot, runner):
    bg, got = runner
    started = threading.Event()

    def slow(state):
        started.set()
        while not state.cancelled:
            time.sleep(0.005)
        return "stale"

    bg.submit(slow, "old")
    assert started.wait(5)
    bg.submit(lambda _s: "new", "new", cancel_running=True)
    assert bg.wait_idle(5) and got == [("finished", "new", "new")]


def test_wait_idle_does_not_run_the_event_loop(qtbot, runner):
    bg, got = runner
    fired = []
    QTimer.singleShot(0, lambda: fired.append(True))
    bg.submit(lambda _s: time.sleep(0.1) or 1, "t")
    assert bg.wait_idle(5) and got == [("finished", "t", 1)]
    assert fired == []  # no nested event loop ran while it waited
    qtbot.waitUntil(lambda: fired == [True], timeout=1000)


def test_outcomes_that_end_together_arrive_one_per_turn_of_the_event_loop(qtbot):
    """Views fed by one snapshot finish together: the shared timer hands over one outcome per
    timeout, in order of submission, so their redraws never fill one turn of the loop."""
    from lmapp.gui.core.background import _Deliveries

    runners = [Background() for _ in range(3)]
    got: list[int] = []
    tasks = []
    for k, bg in enumerate(runners):
        bg.finished.connect(lambda _tag, result: got.append(result))
        tasks.append(bg.submit(lambda _state, k=k: k))
    assert all(t.wait(5) for t in tasks)
    deliveries = _Deliveries.shared()
    for n in (1, 2, 3):
        deliveries._deliver_one()
        assert got == list(range(n))
    qtbot.waitUntil(lambda: not any(bg.busy for bg in runners), timeout=2000)
    assert got == [0, 1, 2]

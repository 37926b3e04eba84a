"""Work off the GUI thread: ``fn(state)`` runs on a plain Python thread and the GUI thread picks
its outcome up on a short timer, then emits it as a signal. One timer serves every
:class:`Background` and hands over one outcome per turn of the event loop: views whose
computations end together (one snapshot feeds them all) redraw on separate turns, with timers,
paints and input in between, instead of blocking the loop for the sum of their redraws. Worker
threads never call Qt (no QThreadPool, no cross-thread emit), so every Qt object is only
touched on the GUI thread.
The threads are daemons, kept and reused: starting one waits for it to take the GIL, which
costs the GUI thread milliseconds while jobs keep the interpreter busy.

A task sees a :class:`TaskState`: ``cancelled`` (and ``abort``, the same request as a flag
jitted kernels poll) and ``warn``. Warnings of a task's thread (numpy floating-point warnings,
and those raised through :mod:`warnings`) are collected per task and delivered with
``warned``; a cancelled task delivers nothing, and neither does a waiting one replaced by a
newer submit.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import isValid

#: How often the GUI thread looks for a finished task (while one outcome waits: every turn).
POLL_MS = 15
#: Most worker threads kept for the tasks of all Background objects together.
MAX_THREADS = 8


@dataclass(frozen=True)
class TaskWarning:
    """One kind of warning a task raised, and how often."""

    category: str  #: e.g. "RuntimeWarning"
    message: str
    count: int = 1

    def __str__(self) -> str:
        times = f" ({self.count} times)" if self.count > 1 else ""
        return f"{self.category}: {self.message}{times}"


class TaskState:
    """What a running task can ask and tell: whether it was cancelled, and its warnings."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        #: Raised to 1 by ``cancel``; pass it to kernels that poll an abort flag.
        self.abort = np.zeros(1, np.uint8)
        self._lock = threading.Lock()
        self._warnings: dict[tuple[str, str], int] = {}

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self.abort[0] = 1
        self._cancelled.set()

    def warn(self, message: str, category: type[Warning] = UserWarning) -> None:
        """Record a warning for the GUI (any thread; repeats are counted)."""
        key = (category.__name__, message)
        with self._lock:
            self._warnings[key] = self._warnings.get(key, 0) + 1

    def warnings(self) -> list[TaskWarning]:
        with self._lock:
            return [TaskWarning(c, m, n) for (c, m), n in self._warnings.items()]


class _NumpyLog:
    """numpy's ``errstate(..., call=)`` log target: each floating-point warning of the task's
    thread ("Warning: overflow encountered in exp") becomes a task warning."""

    def __init__(self, state: TaskState) -> None:
        self._state = state

    def write(self, text: str) -> None:
        self._state.warn(text.strip().removeprefix("Warning: "), RuntimeWarning)


#: The task whose function runs on this thread (warnings raised here belong to it).
_running = threading.local()
_show_elsewhere: Callable[..., None] = warnings.showwarning


def _route_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """``warnings.showwarning`` for the process: a task thread's warning goes to its task,
    any other as before. (Python's filters still decide first whether it is shown at all.)"""
    state = getattr(_running, "state", None)
    if state is None:
        _show_elsewhere(message, category, filename, lineno, file, line)
    else:
        state.warn(str(message), category)


def _route_warnings() -> None:
    """Install the router unless it is installed (something may have replaced it since)."""
    global _show_elsewhere
    if warnings.showwarning is not _route_warning:
        _show_elsewhere, warnings.showwarning = warnings.showwarning, _route_warning


class Task:
    """One submitted call: its ``tag``, its ``state`` and, once it ran, its outcome."""

    def __init__(self, fn: Callable[[TaskState], Any], tag: Any) -> None:
        self.tag = tag
        self.state = TaskState()
        self.result: Any = None
        self.error: Exception | None = None
        self._fn = fn
        self._done = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self.state.cancelled

    def cancel(self) -> None:
        """Ask the function to stop; whatever it returns or raises is dropped."""
        self.state.cancel()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the function returned or raised (any thread)."""
        return self._done.wait(timeout)

    def run(self) -> None:
        """Call the function on this (worker) thread, collecting its warnings."""
        _running.state = self.state
        numpy_warns = {k: "log" for k, v in np.geterr().items() if v == "warn"}
        try:
            with np.errstate(**numpy_warns, call=_NumpyLog(self.state)):
                self.result = self._fn(self.state)
        except Exception as exc:  # noqa: BLE001 - delivered to the GUI thread
            self.error = exc
        finally:
            _running.state = None
            self._done.set()


class _Threads:
    """Daemon threads that run queued callables, started only when none is idle (they never
    end, so a task left running never delays the exit of the app)."""

    def __init__(self, limit: int) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._limit, self._started, self._idle = limit, 0, 0

    def run(self, task: Callable[[], None]) -> None:
        with self._lock:
            grow = self._idle == 0 and self._started < self._limit
            if grow:
                self._started += 1
            else:
                self._idle -= 1  # the task is promised to an idle thread (or queued)
        self._tasks.put(task)
        if grow:
            threading.Thread(target=self._serve, name="lmapp-background", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self._tasks.get()()
            with self._lock:
                self._idle += 1


_THREADS = _Threads(MAX_THREADS)


class _Deliveries(QObject):
    """The one timer of the GUI thread that delivers finished tasks: one outcome per timeout,
    the Backgrounds taking turns; while another outcome is ready, the next timeout comes on the
    next turn of the event loop."""

    def __init__(self) -> None:
        super().__init__()
        self._watched: list[Background] = []  #: with a running task, in order of start
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._deliver_one)

    def watch(self, background: Background) -> None:
        if background not in self._watched:
            self._watched.append(background)
        if not self._timer.isActive():
            self._timer.start()

    def _deliver_one(self) -> None:
        self._watched = [b for b in self._watched if isValid(b) and b._running is not None]
        first = next((b for b in self._watched if b.outcome_ready), None)
        if first is not None:
            self._watched.remove(first)  # to the back of the line if it runs another task
            first._collect()
            if first._running is not None:
                self._watched.append(first)
        if not self._watched:
            self._timer.stop()
        else:
            more = any(b.outcome_ready for b in self._watched)
            self._timer.setInterval(0 if more else POLL_MS)

    @classmethod
    def shared(cls) -> _Deliveries:
        """The one instance, made on first use (on the GUI thread, like every Background)."""
        made = cls.__dict__.get("_shared")
        if made is None or not isValid(made):
            made = cls._shared = cls()
        return made


class Background(QObject):
    """Runs one task at a time. A task submitted while one runs waits, replacing any older
    waiting task (only the newest request matters for views that redraw); the running task
    still delivers unless it was cancelled."""

    finished = Signal(object, object)  #: (tag, result)
    failed = Signal(object, object)  #: (tag, exception: see error_line and error_details)
    warned = Signal(object, object)  #: (tag, list[TaskWarning]), before finished or failed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _route_warnings()
        self._running: Task | None = None
        self._waiting: Task | None = None
        self._deliveries = _Deliveries.shared()

    @property
    def busy(self) -> bool:
        """A task that was not cancelled runs or waits."""
        return self._waiting is not None or (
            self._running is not None and not self._running.cancelled
        )

    @property
    def outcome_ready(self) -> bool:
        """A task ran to its end and waits for the GUI thread to deliver its outcome."""
        return self._running is not None and self._running.done

    def submit(
        self, fn: Callable[[TaskState], Any], tag: Any = None, cancel_running: bool = False
    ) -> Task:
        """Run ``fn(state)`` on a worker thread now, or when the running task ended (a task
        still waiting is dropped); ``cancel_running`` cancels the running task too."""
        task = Task(fn, tag)
        if self._waiting is not None:
            self._waiting.cancel()
        if self._running is not None and cancel_running:
            self._running.cancel()
        if self._running is None:
            self._start(task)
        else:
            self._waiting = task
        return task

    def cancel(self) -> None:
        """Cancel the running and the waiting task: nothing more is delivered (closing)."""
        for task in (self._running, self._waiting):
            if task is not None:
                task.cancel()
        self._waiting = None

    def _start(self, task: Task) -> None:
        self._running = task
        _THREADS.run(task.run)
        self._deliveries.watch(self)

    def _collect(self) -> None:
        """On the GUI thread: deliver a finished task's outcome and start the waiting one."""
        if not self.outcome_ready:
            return
        task = self._running
        self._running, waiting, self._waiting = None, self._waiting, None
        if waiting is not None:
            self._start(waiting)
        if task.cancelled:
            return
        found = task.state.warnings()
        if found:
            self.warned.emit(task.tag, found)
        if task.error is None:
            self.finished.emit(task.tag, task.result)
        else:
            self.failed.emit(task.tag, task.error)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block (no event processing) until no task runs or waits, delivering outcomes on
        this thread; for tests and headless export, not for closing (closing cancels)."""
        end = time.monotonic() + timeout
        while self.busy:
            if not self._running.wait(max(end - time.monotonic(), 0.0)):
                return False
            self._collect()
        return True


def error_line(exc: BaseException) -> str:
    """An exception as one line ("ValueError: why", the last line of its traceback), for
    status texts."""
    lines = "".join(traceback.format_exception_only(exc)).strip().splitlines()
    return lines[-1] if lines else type(exc).__name__


def error_details(exc: BaseException) -> str:
    """An exception's traceback as text, for the details of an error dialog."""
    return "".join(traceback.format_exception(exc))

"""Work off the GUI thread: a callable runs on a plain Python thread and the GUI thread picks
its outcome up on a short timer, then emits it as a signal. Worker threads never call Qt
(no QThreadPool, no cross-thread emit), so every Qt object is only touched on the GUI thread.
The threads are kept and reused: starting one waits for it to take the GIL, which costs the
GUI thread milliseconds while jobs keep the interpreter busy.
"""
from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

#: How often the GUI thread looks for a finished task.
POLL_MS = 15
#: Most worker threads kept for the tasks of all Background objects together.
MAX_THREADS = 8


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


class Background(QObject):
    """Runs one task at a time; a task submitted while one runs waits, replacing any older
    waiting task (only the newest request matters for views that redraw)."""

    finished = Signal(object, object)  #: (tag, result)
    failed = Signal(object, str)  #: (tag, message with traceback)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._done: threading.Event | None = None  # set by the worker when its task ended
        self._outcome: tuple[Any, Any, str | None] | None = None  # (tag, result, error)
        self._pending: tuple[Callable[[], Any], Any] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._collect)

    @property
    def busy(self) -> bool:
        return self._done is not None or self._pending is not None

    def submit(self, fn: Callable[[], Any], tag: Any = None) -> None:
        """Run ``fn()`` on a worker thread now, or after the running task (dropping older
        waiting tasks)."""
        if self._done is not None:
            self._pending = (fn, tag)
            return
        self._start(fn, tag)

    def _start(self, fn: Callable[[], Any], tag: Any) -> None:
        done = self._done = threading.Event()

        def work() -> None:
            try:
                outcome = (tag, fn(), None)
            except Exception as exc:  # noqa: BLE001 - reported to the GUI as a message
                outcome = (tag, None, "".join(traceback.format_exception(exc)))
            self._outcome = outcome
            done.set()

        _THREADS.run(work)
        self._timer.start()

    def _collect(self) -> None:
        """On the GUI thread: deliver a finished task's outcome and start the waiting one."""
        if self._done is None or not self._done.is_set():
            return
        tag, result, error = self._outcome
        self._done, self._outcome = None, None
        self._timer.stop()
        if self._pending is not None:
            fn, next_tag = self._pending
            self._pending = None
            self._start(fn, next_tag)
        if error is None:
            self.finished.emit(tag, result)
        else:
            self.failed.emit(tag, error)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Process events until no task runs or waits (for closing and tests)."""
        end = time.monotonic() + timeout
        while self.busy and time.monotonic() < end:
            QApplication.processEvents()
            if self._done is not None:
                self._done.wait(0.005)
            self._collect()
        return not self.busy


def last_line(message: str) -> str:
    """The last non-blank line of a failure message (a traceback's "Error: why" line), for
    one-line status texts."""
    lines = [s for s in message.strip().splitlines() if s.strip()]
    return lines[-1] if lines else message

"""Cooperative job control: cancel, pause and resume flags that workers check between chunks."""

from __future__ import annotations

import threading

import numpy as np


class Cancelled(Exception):
    """Raised inside a job when its control was cancelled."""


class Interrupted(Exception):
    """Raised inside a job whose cluster went away (its scheduler is gone): what the job
    committed is kept, and the next run continues it."""


class JobControl:
    """Thread-safe flags shared by a job and whoever drives it (GUI, CLI, API)."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        #: Raised (1) while cancelled or paused; jitted kernels poll it and stop early.
        self.abort_flag = np.zeros(1, np.uint8)

    def cancel(self) -> None:
        self._cancel.set()
        self.abort_flag[0] = 1
        self._running.set()  # wake a paused job so it can stop

    def pause(self) -> None:
        self._running.clear()
        self.abort_flag[0] = 1

    def resume(self) -> None:
        if not self._cancel.is_set():
            self.abort_flag[0] = 0
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def checkpoint(self) -> None:
        """Block while paused; raise :class:`Cancelled` if cancelled."""
        self._running.wait()
        if self._cancel.is_set():
            raise Cancelled()

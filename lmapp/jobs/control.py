"""Cooperative job control: cancel, pause and resume flags that workers check between chunks."""
from __future__ import annotations

import threading


class Cancelled(Exception):
    """Raised inside a job when its control was cancelled."""


class JobControl:
    """Thread-safe flags shared by a job and whoever drives it (GUI, CLI, API)."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # wake a paused job so it can stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
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

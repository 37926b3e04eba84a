"""Waiting for a background job at the terminal: Ctrl-C or SIGTERM cancel it cooperatively, so
the current batch is stored and the run is recorded as cancelled."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable

from ..jobs.control import JobControl
from ..jobs.executor import JobHandle


def wait_for(
    handle: JobHandle, control: JobControl, on_cancel: Callable[[], None] = lambda: None
) -> None:
    """Block until ``handle`` is done, turning Ctrl-C and SIGTERM into ``control.cancel()``."""

    def cancel(*_: object) -> None:
        control.cancel()
        on_cancel()
        print("cancelling: storing the current batch…", file=sys.stderr)

    previous = signal.signal(signal.SIGTERM, cancel)
    try:
        while not handle.done():
            try:
                time.sleep(0.1)
            except KeyboardInterrupt:
                cancel()
    finally:
        signal.signal(signal.SIGTERM, previous)

"""A terminal progress bar for jobs: one redrawn line on a TTY, sparse log lines otherwise
(a log file or a cluster's job output gets a line every few seconds, not every redraw)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..jobs.events import ProgressEvent


class ProgressBar:
    """Callable progress sink for any job's :mod:`~lmapp.jobs.events` reports."""

    def __init__(self, stream: TextIO | None = None, width: int = 30, every: float = 2.0) -> None:
        self.stream = (
            sys.stderr if stream is None else stream
        )  # the current stderr, not import-time
        self.width = width
        self.every = every
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._open = False  # a redrawn line waits for its newline

    def __call__(self, event: ProgressEvent) -> None:
        frac = event.fraction
        now = time.monotonic()
        if not self.tty and now - self._last < self.every and frac < 1.0:
            return
        self._last = now
        filled = int(frac * self.width)
        line = (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {100 * frac:5.1f}%  {event.describe()}"
        )
        if self.tty:
            self.stream.write("\r" + line + "\033[K")  # clear what a longer line left
            self._open = frac < 1.0
            if not self._open:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line, if one is open (a cancel, or a job that ended early)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

"""A terminal progress bar for jobs: one redrawn line on a TTY, sparse log lines otherwise."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from ..words import minima


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds / 3600:.1f} h"


class ProgressBar:
    """Callable progress sink for :class:`~lmapp.jobs.explore.ExploreJob` reports."""

    def __init__(self, stream: TextIO | None = None, width: int = 30, every: float = 2.0) -> None:
        self.stream = sys.stderr if stream is None else stream  # the current stderr, not import-time
        self.width = width
        self.every = every
        self.tty = self.stream.isatty()
        self._last = 0.0

    def __call__(self, p: dict) -> None:
        done, total = p["steps_done"], max(p["steps_total"], 1)
        now = time.monotonic()
        if not self.tty and now - self._last < self.every and done < total:
            return
        self._last = now
        frac = min(done / total, 1.0)
        bar = "#" * int(frac * self.width) + "-" * (self.width - int(frac * self.width))
        gm = p.get("global_min")
        gm_s = f"  min L={gm[1]:.6g}" if gm else ""
        line = (f"[{bar}] {100 * frac:5.1f}%  {done}/{total} quenches  {minima(p['n_minima'])}"
                f"  {p['rate']:.1f}/s  ETA {_eta(p.get('eta'))}{gm_s}")
        if self.tty:
            self.stream.write("\r" + line)
            if done >= total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line (after a cancel)."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

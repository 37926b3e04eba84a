"""Progress reports of jobs, as typed records: what the CLI's bar, the GUI's job queue and API
callers receive from a running explore, connect or dedupe job."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from ..words import minima, plural


class JobKind(str, enum.Enum):
    """The kinds of job the queue, the API and the CLI can run on a project."""

    EXPLORE = "explore"
    CONNECT = "connect"
    DEDUPE = "dedupe"

    def __str__(self) -> str:
        return self.value


def clock(seconds: float | None) -> str:
    """A remaining time as mm:ss (hours beyond one hour; "--:--" when unknown)."""
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return (
        f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds / 3600:.1f} h"
    )


@dataclass(frozen=True)
class ExploreProgress:
    """After each committed chunk of a basin-hopping run."""

    run_id: int
    steps_done: int
    steps_total: int
    quenches: int
    rate: float  #: quenches per second, pauses excluded
    new_minima: int
    n_minima: int  #: minima in the project
    global_min: tuple[int, float] | None  #: (id, loss)
    failures: dict[str, int]
    elapsed: float
    eta: float | None  #: seconds left (None before a rate is known)

    @property
    def fraction(self) -> float:
        return min(self.steps_done / max(self.steps_total, 1), 1.0)

    def describe(self) -> str:
        low = (
            f" · lowest {self.global_min[1]:.6g} (#{self.global_min[0]})" if self.global_min else ""
        )
        return (
            f"{self.steps_done}/{self.steps_total} quenches · {minima(self.n_minima)} "
            f"(+{self.new_minima}) · {self.rate:.1f}/s · ETA {clock(self.eta)}{low}"
        )


@dataclass(frozen=True)
class ConnectProgress:
    """After each stored (or finished) transition-state attempt of a connect run."""

    run_id: int
    attempts: int
    budget: int
    new_ts: int
    new_minima: int
    running: int  #: attempts in flight
    components: int  #: connected components of the minima
    elapsed: float
    outcomes: dict[str, int] = field(default_factory=dict)  #: AttemptOutcome value → count
    connected: bool | None = None  #: pair/all modes: is the goal reached

    @property
    def fraction(self) -> float:
        return min(self.attempts / max(self.budget, 1), 1.0)

    def describe(self) -> str:
        return (
            f"{self.attempts}/{self.budget} attempts · {self.new_ts} new TS · "
            f"{plural(self.new_minima, 'new minimum', 'new minima')} · "
            f"{plural(self.components, 'component')}"
        )


@dataclass(frozen=True)
class DedupeProgress:
    """Once, when a re-identification has been committed."""

    run_id: int
    summary: str  #: what it changed, in words

    fraction = 1.0

    def describe(self) -> str:
        return self.summary


ProgressEvent = ExploreProgress | ConnectProgress | DedupeProgress
#: Where a job sends its reports (called on the job's thread).
Progress = Callable[[ProgressEvent], None]


def ignore(event: ProgressEvent) -> None:
    """A progress sink that drops every report."""

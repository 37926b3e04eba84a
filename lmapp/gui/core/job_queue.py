"""A queue of jobs on the open project (basin-hopping explorations and transition-state
connect runs): one runs at a time (a project has one writer), the next starts when it ends.
Progress arrives on worker threads into a mailbox and a GUI-thread timer turns it into
signals."""

from __future__ import annotations

import contextlib
import enum
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ...api import Project
from ...jobs.connect import format_outcomes
from ...jobs.control import JobControl
from ...jobs.events import JobKind, ProgressEvent
from ...jobs.executor import JobHandle
from ...store.schema import RunStatus
from ...words import plural
from .snapshots import Mailbox

#: How often the GUI pulls progress and checks whether the running job ended.
POLL_MS = 100


class _Named(str, enum.Enum):
    """An enum whose members print as their values (status texts show "paused", not a name)."""

    def __str__(self) -> str:
        return self.value


#: Where a queued job is in its life: waiting, or its run's status as the project file stores
#: it (so a run that ended interrupted, on a cluster, is a state too).
JobState = _Named("JobState", {"QUEUED": "queued", **{s.name: s.value for s in RunStatus}})


@dataclass(eq=False)
class QueuedJob:
    """One requested job: its kind, parameters, control and, once run, its outcome."""

    number: int
    kind: JobKind
    params: dict[str, Any]
    control: JobControl = field(default_factory=JobControl)
    status: JobState = JobState.QUEUED
    handle: JobHandle | None = None
    progress: ProgressEvent | None = None  #: the latest report
    summary: Any = None  # ExploreSummary, ConnectSummary or DedupeSummary
    error: BaseException | None = None
    mailbox: Mailbox = field(default_factory=Mailbox)

    def describe(self) -> str:
        p = self.params
        if self.kind is JobKind.DEDUPE:
            return f"job {self.number}: merge duplicate minima (re-identify)"
        if self.kind is JobKind.CONNECT:
            what = f"pair {p['pair'][0]}–{p['pair'][1]}" if p.get("pair") else p.get("mode", "all")
            return f"job {self.number}: connect {what}, budget {p.get('budget') or 'auto'}"
        return (
            f"job {self.number}: explore {p.get('steps')} steps × {p.get('walkers')} walkers, "
            f"T={p.get('temperature', 0):g}, seed {p.get('seed')}"
        )

    def fraction(self) -> float:
        """Progress in [0, 1] from the latest report."""
        return 0.0 if self.progress is None else self.progress.fraction

    def progress_text(self) -> str:
        """The latest report in words."""
        return "starting…" if self.progress is None else self.progress.describe()

    def summary_text(self) -> str:
        """What the finished job did."""
        if self.error is not None:
            return f"failed: {self.error}"
        s = self.summary
        if self.kind is JobKind.DEDUPE:
            return f"{self.status}: {s.describe()}"
        if self.kind is JobKind.CONNECT:
            text = (
                f"{self.status}: {s.attempts} of {s.budget} attempts in {s.elapsed:.1f} s, "
                f"{s.new_ts} new transition states, "
                f"{plural(s.new_minima, 'new minimum', 'new minima')}, "
                f"{plural(s.components, 'component')}"
            )
            if s.note:
                text += f" — {s.note}"
            if s.outcomes:
                text += f"\n  attempts: {format_outcomes(s.outcomes)}"
            return text
        text = (
            f"{self.status}: {s.quenches} quenches in {s.elapsed:.1f} s ({s.rate:.1f}/s), "
            f"{plural(s.new_minima, 'new minimum', 'new minima')}, {s.total_minima} in project"
        )
        return text + (f"\n  warning: {s.warning}" if s.warning else "")


class JobQueue(QObject):
    """Runs queued :class:`QueuedJob` s one after another via ``Project.explore_async`` or
    ``Project.connect_async``."""

    jobStarted = Signal(object)  #: QueuedJob
    jobProgress = Signal(object)  #: QueuedJob (its ``progress`` holds the latest report)
    jobFinished = Signal(object)  #: QueuedJob (``summary`` or ``error`` set)
    queueChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._current: QueuedJob | None = None
        self._waiting: list[QueuedJob] = []
        self._numbers = itertools.count(1)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    # -- state -----------------------------------------------------------------------------
    @property
    def current(self) -> QueuedJob | None:
        return self._current

    @property
    def waiting(self) -> list[QueuedJob]:
        return list(self._waiting)

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._waiting)

    def set_project(self, project: Project | None) -> None:
        """Jobs run on this project (only while the queue is idle)."""
        if self.busy:
            raise RuntimeError("cannot change the project while jobs run")
        self._project = project

    # -- commands --------------------------------------------------------------------------
    def submit(self, params: dict[str, Any], kind: JobKind | str = JobKind.EXPLORE) -> QueuedJob:
        """Queue a job (ExploreParams or ConnectParams keywords); it starts when the queue is
        free."""
        if self._project is None:
            raise RuntimeError("no project is open")
        job = QueuedJob(next(self._numbers), JobKind(kind), dict(params))
        self._waiting.append(job)
        self.queueChanged.emit()
        if self._current is None:
            self._start_next()
        return job

    def pause(self) -> None:
        if self._current is not None and self._current.status is JobState.RUNNING:
            self._current.control.pause()
            self._current.status = JobState.PAUSED
            self.queueChanged.emit()

    def resume(self) -> None:
        if self._current is not None and self._current.status is JobState.PAUSED:
            self._current.control.resume()
            self._current.status = JobState.RUNNING
            self.queueChanged.emit()

    def cancel_current(self) -> None:
        """Stop the running job (it commits its current batch and records 'cancelled')."""
        if self._current is not None:
            self._current.control.cancel()

    def cancel_all(self) -> None:
        """Drop waiting jobs and stop the running one."""
        for job in self._waiting:
            job.status = JobState.CANCELLED
        self._waiting.clear()
        self.cancel_current()
        self.queueChanged.emit()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block, without running the event loop, until no job runs, and record how each
        ended (when closing after cancel_all: the job commits its batch and records itself
        as cancelled in the project before it ends)."""
        end = time.monotonic() + timeout
        while self._current is not None and self._current.handle is not None:
            with contextlib.suppress(Exception):  # its error is recorded by _poll
                self._current.handle.wait(max(end - time.monotonic(), 0.0))
            if not self._current.handle.done():
                break
            self._poll()
        return self._current is None

    # -- internals ---------------------------------------------------------------------------
    def _start_next(self) -> None:
        while self._waiting and self._current is None:
            job = self._waiting.pop(0)
            self._current = job
            job.status = JobState.RUNNING
            try:
                start = {
                    JobKind.EXPLORE: self._project.explore_async,
                    JobKind.CONNECT: self._project.connect_async,
                    JobKind.DEDUPE: self._project.dedupe_async,
                }[job.kind]
                job.handle = start(progress=job.mailbox.put, control=job.control, **job.params)
            except Exception as exc:  # noqa: BLE001 - bad parameters: report, go on
                job.status, job.error, self._current = JobState.FAILED, exc, None
                self.jobFinished.emit(job)
                continue
            self.jobStarted.emit(job)
            self._timer.start()
        self.queueChanged.emit()

    def _poll(self) -> None:
        job = self._current
        if job is None:
            self._timer.stop()
            return
        report = job.mailbox.take()
        if report is not None:
            job.progress = report
            self.jobProgress.emit(job)
        if job.handle is not None and job.handle.done():
            job.summary, job.error = job.handle.result, job.handle.error
            if job.error is not None:
                job.status = JobState.FAILED
            elif job.control.cancelled:
                job.status = JobState.CANCELLED
            else:
                job.status = JobState(getattr(job.summary, "status", JobState.FINISHED))
            self._current = None
            self.jobFinished.emit(job)
            self._start_next()

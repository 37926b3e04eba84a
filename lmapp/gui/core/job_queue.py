"""A queue of jobs on the open project (basin-hopping explorations and transition-state
connect runs): one runs at a time (a project has one writer), the next starts when it ends.
Progress arrives on worker threads into a mailbox and a GUI-thread timer turns it into
signals."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ...api import Project
from ...jobs.connect import format_outcomes
from ...jobs.control import JobControl
from ...jobs.executor import JobHandle
from ...words import minima, plural
from .snapshots import Mailbox

#: How often the GUI pulls progress and checks whether the running job ended.
POLL_MS = 100
KINDS = ("explore", "connect", "dedupe")


@dataclass(eq=False)
class QueuedJob:
    """One requested job: its kind, parameters, control and, once run, its outcome."""

    number: int
    kind: str  # "explore", "connect" or "dedupe"
    params: dict[str, Any]
    control: JobControl = field(default_factory=JobControl)
    status: str = "queued"  # queued, running, paused, finished, cancelled, failed
    handle: JobHandle | None = None
    progress: dict | None = None
    summary: Any = None  # ExploreSummary or ConnectSummary
    error: BaseException | None = None
    mailbox: Mailbox = field(default_factory=Mailbox)

    def describe(self) -> str:
        p = self.params
        if self.kind == "dedupe":
            return f"job {self.number}: merge duplicate minima (re-identify)"
        if self.kind == "connect":
            what = f"pair {p['pair'][0]}–{p['pair'][1]}" if p.get("pair") else p.get("mode", "all")
            return f"job {self.number}: connect {what}, budget {p.get('budget') or 'auto'}"
        return (f"job {self.number}: explore {p.get('steps')} steps × {p.get('walkers')} walkers, "
                f"T={p.get('temperature', 0):g}, seed {p.get('seed')}")

    def fraction(self) -> float:
        """Progress in [0, 1] from the latest report."""
        p = self.progress or {}
        if self.kind == "dedupe":
            return 1.0 if p else 0.0
        done, total = ((p.get("attempts", 0), p.get("budget", 1)) if self.kind == "connect"
                       else (p.get("steps_done", 0), p.get("steps_total", 1)))
        return min(done / max(total, 1), 1.0)

    def progress_text(self) -> str:
        """The latest report in words."""
        p = self.progress
        if p is None:
            return "starting…"
        if self.kind == "dedupe":
            return p.get("summary", "")
        if self.kind == "connect":
            return (f"{p['attempts']}/{p['budget']} attempts · {p['new_ts']} new TS · "
                    f"{plural(p['new_minima'], 'new minimum', 'new minima')} · "
                    f"{plural(p['components'], 'component')}")
        gm = p.get("global_min")
        low = f" · lowest {gm[1]:.6g} (#{gm[0]})" if gm else ""
        eta = p.get("eta")
        eta_s = "--:--" if eta is None else f"{int(eta) // 60:02d}:{int(eta) % 60:02d}"
        return (f"{p['steps_done']}/{p['steps_total']} quenches · {minima(p['n_minima'])} "
                f"(+{p['new_minima']}) · {p['rate']:.1f}/s · ETA {eta_s}{low}")

    def summary_text(self) -> str:
        """What the finished job did."""
        if self.error is not None:
            return f"failed: {self.error}"
        s = self.summary
        if self.kind == "dedupe":
            return f"{self.status}: {s.describe()}"
        if self.kind == "connect":
            text = (f"{self.status}: {s.attempts} of {s.budget} attempts in {s.elapsed:.1f} s, "
                    f"{s.new_ts} new transition states, "
                    f"{plural(s.new_minima, 'new minimum', 'new minima')}, "
                    f"{plural(s.components, 'component')}")
            if s.note:
                text += f" — {s.note}"
            if s.outcomes:
                text += f"\n  attempts: {format_outcomes(s.outcomes)}"
            return text
        text = (f"{self.status}: {s.quenches} quenches in {s.elapsed:.1f} s ({s.rate:.1f}/s), "
                f"{plural(s.new_minima, 'new minimum', 'new minima')}, {s.total_minima} in project")
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
    def submit(self, params: dict[str, Any], kind: str = "explore") -> QueuedJob:
        """Queue a job (ExploreParams or ConnectParams keywords); it starts when the queue is
        free."""
        if self._project is None:
            raise RuntimeError("no project is open")
        if kind not in KINDS:
            raise ValueError(f"job kind must be one of {KINDS}")
        job = QueuedJob(next(self._numbers), kind, dict(params))
        self._waiting.append(job)
        self.queueChanged.emit()
        if self._current is None:
            self._start_next()
        return job

    def pause(self) -> None:
        if self._current is not None and self._current.status == "running":
            self._current.control.pause()
            self._current.status = "paused"
            self.queueChanged.emit()

    def resume(self) -> None:
        if self._current is not None and self._current.status == "paused":
            self._current.control.resume()
            self._current.status = "running"
            self.queueChanged.emit()

    def cancel_current(self) -> None:
        """Stop the running job (it commits its current batch and records 'cancelled')."""
        if self._current is not None:
            self._current.control.cancel()

    def cancel_all(self) -> None:
        """Drop waiting jobs and stop the running one."""
        for job in self._waiting:
            job.status = "cancelled"
        self._waiting.clear()
        self.cancel_current()
        self.queueChanged.emit()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the running job has ended (after cancel_all, when closing)."""
        end = time.monotonic() + timeout
        while self._current is not None and time.monotonic() < end:
            time.sleep(0.02)
            self._poll()
            QApplication.processEvents()
        return self._current is None

    # -- internals ---------------------------------------------------------------------------
    def _start_next(self) -> None:
        while self._waiting and self._current is None:
            job = self._waiting.pop(0)
            self._current = job
            job.status = "running"
            try:
                start = {"explore": self._project.explore_async,
                         "connect": self._project.connect_async,
                         "dedupe": self._project.dedupe_async}[job.kind]
                job.handle = start(progress=job.mailbox.put, control=job.control, **job.params)
            except Exception as exc:  # noqa: BLE001 - bad parameters: report, go on
                job.status, job.error, self._current = "failed", exc, None
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
                job.status = "failed"
            elif job.control.cancelled:
                job.status = "cancelled"
            else:
                job.status = getattr(job.summary, "status", "finished")
            self._current = None
            self.jobFinished.emit(job)
            self._start_next()

"""The life of a job's run, the same for every kind of job: claim the project and record the
run, mark it paused while paused, and record how it ended (finished, cancelled, failed) with
its elapsed time and statistics, whatever happens in between."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..store import ProjectError, ProjectFile
from ..store.schema import RunStatus
from .control import Cancelled, JobControl


@dataclass
class RunRecord:
    """The run a job is doing: its id, how it will be recorded as ending, its statistics and
    its clock (time spent paused left out)."""

    pf: ProjectFile
    run_id: int
    status: RunStatus = RunStatus.FINISHED
    stats: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    paused: float = 0.0

    @property
    def elapsed(self) -> float:
        """Seconds run, pauses excluded."""
        return time.perf_counter() - self.started - self.paused

    def checkpoint(self, control: JobControl) -> bool:
        """Between chunks of work: while paused, record the run as paused and wait; False
        (and the run recorded as cancelled) when the job was cancelled."""
        t = time.perf_counter()
        if control.paused:
            self.pf.update_run(self.run_id, status=RunStatus.PAUSED)
        try:
            control.checkpoint()
        except Cancelled:
            self.status = RunStatus.CANCELLED
            return False
        waited = time.perf_counter() - t
        if waited > 0.01:
            self.pf.update_run(self.run_id, status=RunStatus.RUNNING)
            self.paused += waited
        return True


@contextmanager
def job_run(
    pf: ProjectFile, kind: str, params: dict, seed: int | None = None
) -> Iterator[RunRecord]:
    """Claim the project and record a run of ``kind``; on leaving, record its final status
    (failed on any error, which is re-raised), elapsed time and ``stats``."""
    run = RunRecord(pf, pf.start_run(kind, params, seed))
    try:
        yield run
    except Cancelled:
        run.status = RunStatus.CANCELLED
    except BaseException:
        run.status = RunStatus.FAILED
        raise
    finally:
        _record_end(run)


def _record_end(run: RunRecord) -> None:
    """Store how the run ended. A file created before runs could be 'interrupted' refuses that
    status (a CHECK constraint of its runs table): it records the run as failed, saying so."""
    try:
        run.pf.update_run(run.run_id, status=run.status, elapsed=run.elapsed, stats=run.stats)
    except ProjectError as exc:
        if run.status is not RunStatus.INTERRUPTED or not isinstance(
            exc.__cause__, sqlite3.IntegrityError
        ):
            raise
        run.pf.update_run(
            run.run_id,
            status=RunStatus.FAILED,
            elapsed=run.elapsed,
            stats={**run.stats, "interrupted": True},
        )

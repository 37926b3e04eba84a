"""Executors run jobs: inline (CLI, tests) or on a background thread (GUI, API). A job is any
object with ``run(control, progress) -> result``; a cluster executor can run the same jobs."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from .control import JobControl
from .events import Progress, ignore


class Job(Protocol):
    def run(self, control: JobControl, progress: Progress) -> Any: ...


class Executor(Protocol):
    """Runs jobs: InlineExecutor, ThreadExecutor, or ClusterExecutor (lmapp.jobs.cluster)."""

    def submit(
        self, job: Job, progress: Progress = ..., control: JobControl | None = None
    ) -> JobHandle: ...


class JobHandle:
    """A submitted job: its control, and its result or error once done."""

    def __init__(self, control: JobControl) -> None:
        self.control = control
        self.result: Any = None
        self.error: BaseException | None = None
        self._done = threading.Event()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for the job; re-raise its error, else return its result."""
        if not self._done.wait(timeout):
            raise TimeoutError("job still running")
        if self.error is not None:
            raise self.error
        return self.result

    def _finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self._done.set()


def _run_into(handle: JobHandle, job: Job, progress: Progress) -> None:
    """Run ``job`` and record its result or error in ``handle``."""
    try:
        handle._finish(job.run(handle.control, progress))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller via wait()
        handle._finish(error=exc)


class InlineExecutor:
    """Runs the job in the calling thread."""

    def submit(
        self, job: Job, progress: Progress = ignore, control: JobControl | None = None
    ) -> JobHandle:
        handle = JobHandle(control or JobControl())
        _run_into(handle, job, progress)
        return handle


class ThreadExecutor:
    """Runs each job on its own daemon thread; engines release the GIL, so callers stay live."""

    def submit(
        self, job: Job, progress: Progress = ignore, control: JobControl | None = None
    ) -> JobHandle:
        handle = JobHandle(control or JobControl())
        threading.Thread(
            target=_run_into, args=(handle, job, progress), name=type(job).__name__, daemon=True
        ).start()
        return handle

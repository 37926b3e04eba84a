"""A job's tasks on a Dask cluster, seen from the client (the project's single writer): each task
is a pure function of what it was sent, so a task whose worker died is simply run again from
the same inputs (Dask reschedules it; after repeated deaths this pool resubmits it); a pause or
cancel raises the job's stop event, which interrupts running chunks on the workers; a lost
scheduler raises :class:`~lmapp.jobs.control.Interrupted`."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from .control import Interrupted, JobControl

#: Seconds between looks at the job's control (pause, cancel) while tasks run.
CONTROL_POLL = 0.05
#: Times one task is resubmitted after Dask gave up on it (KilledWorker: its workers kept dying).
RESUBMITS = 3


class ClusterTask:
    """One submitted task; ``result()`` waits for it."""

    def __init__(self, pool: ClusterPool, name: str, fn: Callable, args: tuple) -> None:
        self.pool, self.name, self.fn, self.args = pool, name, fn, args
        self.resubmits = 0
        self._submit()

    def _submit(self) -> None:
        self._done = threading.Event()
        key = f"{self.name}-{uuid.uuid4().hex[:12]}"
        try:
            self.future = self.pool.client.submit(self.fn, *self.args, key=key, pure=False)
        except Exception as exc:  # noqa: BLE001 - a closed client: the scheduler is gone
            raise self.pool.interrupted(exc) from None
        self.future.add_done_callback(lambda _: self._done.set())

    def done(self) -> bool:
        return self._done.is_set()

    def result(self) -> Any:
        """The task's value; a task lost with its workers is run again from its inputs."""
        from distributed.scheduler import KilledWorker

        while True:
            self._done.wait()
            try:
                value = self.future.result()
                self.pool.running.discard(self)
                return value
            except KilledWorker:
                if self.resubmits >= RESUBMITS:
                    raise
                self.resubmits += 1
                self._submit()
            except Exception as exc:  # told apart below
                if self.pool.lost or self.future.cancelled():
                    raise self.pool.interrupted(exc) from None
                raise


class ClusterPool:
    """The tasks of one job: submits them, mirrors the job's pause/cancel onto a Dask event
    that running tasks watch (see :func:`~lmapp.jobs.cluster_tasks.stop_flag`) from a thread
    of its own (the job's thread may be waiting out a pause), and tells a lost scheduler from
    a failing task."""

    def __init__(self, cluster: Any, control: JobControl) -> None:
        from distributed import Event

        self.cluster, self.client, self.control = cluster, cluster.client, control
        self.stop_event = f"lmapp-stop-{uuid.uuid4().hex}"
        self._event = Event(self.stop_event, client=self.client)
        self._stopped = False
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._held: list[Any] = []
        self.running: set[ClusterTask] = set()  #: submitted tasks whose result was not taken
        threading.Thread(target=self._follow, name="lmapp-cluster-control", daemon=True).start()

    def _follow(self) -> None:
        while not self._closed.wait(CONTROL_POLL):
            try:
                self.follow_control()
            except Interrupted:
                return  # the tasks' futures report it

    @property
    def lost(self) -> bool:
        return self.cluster.lost

    def interrupted(self, exc: BaseException) -> Interrupted:
        return Interrupted(
            f"the Dask scheduler at {self.cluster.address} went away ({type(exc).__name__}: {exc})"
        )

    def hold(self, value: Any, name: str) -> Any:
        """``value`` as a task result the workers fetch once each (and the scheduler can
        recompute if its holders die), for the data every task of the job needs."""
        future = self.client.submit(_same, value, key=f"{name}-{uuid.uuid4().hex[:12]}", pure=False)
        self._held.append(future)
        return future

    def submit(self, name: str, fn: Callable, *args: Any) -> ClusterTask:
        self.follow_control()
        task = ClusterTask(self, name, fn, args)
        self.running.add(task)
        return task

    def follow_control(self) -> None:
        """Raise the stop event while the job is paused or cancelled, clear it otherwise."""
        with self._lock:
            stop = bool(self.control.abort_flag[0])
            if stop == self._stopped:
                return
            try:
                self._event.set() if stop else self._event.clear()
            except Exception as exc:  # noqa: BLE001 - the scheduler is gone
                raise self.interrupted(exc) from None
            self._stopped = stop

    def wait_first(self, tasks: Iterable[ClusterTask]) -> set[ClusterTask]:
        """Block until at least one task is done (following the job's control meanwhile)."""
        tasks = list(tasks)
        while True:
            done = {t for t in tasks if t.done()}
            if done or not tasks:
                return done
            threading.Event().wait(CONTROL_POLL)

    def shutdown(self) -> None:
        """Stop the tasks still running (their chunks end at the next quench) and let the
        scheduler forget this job's tasks and data."""
        self._closed.set()
        if self.lost:
            return
        try:
            if self.running:
                self._event.set()
            self.client.cancel([t.future for t in self.running] + self._held)
        except Exception:  # noqa: BLE001 - the scheduler went away meanwhile: nothing to stop
            pass
        self.running.clear()


def _same(value: Any) -> Any:
    """A task returning its argument (see :meth:`ClusterPool.hold`)."""
    return value


class ClusterWalkers:
    """An explore job's walkers as tasks: one chunk of one walker per task, sent the walker's
    state (its RNG included) and returning the chunk unscreened."""

    def __init__(self, pool: ClusterPool, recipe: Any, params: Any) -> None:
        self.pool, self.params = pool, params
        self.recipe = pool.hold(recipe, "lmapp-model")

    def submit(self, walker: Any, n: int) -> ClusterTask:
        from .cluster_tasks import hop_task

        return self.pool.submit(
            f"hop-walker-{walker.index}",
            hop_task,
            self.recipe,
            walker,
            n,
            self.params,
            self.pool.stop_event,
        )

    def shutdown(self) -> None:
        self.pool.shutdown()


class ClusterAttempts:
    """A connect job's transition-state searches as tasks, one attempt per task."""

    def __init__(self, pool: ClusterPool, recipe: Any, tp: Any) -> None:
        self.pool, self.tp = pool, tp
        self.recipe = pool.hold(recipe, "lmapp-model")

    def submit(self, work: Any, xa: Any, xb: Any, x_origin: Any) -> ClusterTask:
        from .cluster_tasks import attempt_task

        return self.pool.submit(
            "connect-attempt",
            attempt_task,
            self.recipe,
            self.tp,
            work,
            xa,
            xb,
            x_origin,
            self.pool.stop_event,
        )

    def wait_first(self, handles: list[ClusterTask]) -> set[ClusterTask]:
        return self.pool.wait_first(handles)

    def shutdown(self) -> None:
        self.pool.shutdown()

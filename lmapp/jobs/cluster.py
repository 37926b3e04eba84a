"""Dask clusters for explore and connect jobs: the ``--cluster`` value (``tcp://HOST:PORT`` of a
running scheduler, or ``local:N`` worker processes on this computer), the connection and the
checks made before any project is touched (scheduler reachable, workers present, lmapp of this
version on every worker). ``distributed`` is an optional dependency (``lmapp[cluster]``)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__
from .cluster_pool import ClusterAttempts, ClusterPool, ClusterWalkers
from .cluster_tasks import ModelRecipe
from .control import JobControl
from .events import Progress, ignore
from .executor import JobHandle, ThreadExecutor

if TYPE_CHECKING:
    from ..datasets import Dataset
    from ..landscape.model import Model
    from ..landscape.transition import TransitionParams
    from .explore import ExploreParams

#: Seconds to reach a scheduler (and for its first worker to appear) before giving up.
CONNECT_TIMEOUT = 10.0
#: Most worker processes ``local:N`` starts.
MAX_LOCAL_WORKERS = 256
CLUSTER_FORMS = "tcp://HOST:PORT (a running Dask scheduler) or local:N (N worker processes here)"
_TCP = re.compile(r"^tcp://(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})$")
_LOCAL = re.compile(r"^local:(?P<n>\d{1,4})$")


class ClusterError(ValueError):
    """A cluster that cannot run jobs (message is one user-facing line)."""


@dataclass(frozen=True)
class ClusterAddress:
    """Where jobs run: a scheduler's address, or a number of local worker processes."""

    scheduler: str | None = None
    local_workers: int = 0

    @classmethod
    def parse(cls, text: str) -> ClusterAddress:
        """``tcp://HOST:PORT`` or ``local:N``; anything else is a ValueError in words."""
        text = text.strip()
        m = _TCP.match(text)
        if m and 1 <= int(m["port"]) <= 65535:
            return cls(scheduler=text)
        m = _LOCAL.match(text)
        if m and 1 <= int(m["n"]) <= MAX_LOCAL_WORKERS:
            return cls(local_workers=int(m["n"]))
        if m:
            raise ValueError(
                f"local:N needs 1 ≤ N ≤ {MAX_LOCAL_WORKERS} worker processes, got {text!r}"
            )
        raise ValueError(f"a cluster is {CLUSTER_FORMS}, got {text!r}")

    def __str__(self) -> str:
        return self.scheduler or f"local:{self.local_workers}"


@dataclass(frozen=True)
class ClusterInfo:
    """What a connection check found (shown by the GUI and the CLI)."""

    address: str
    workers: int
    dashboard: str | None

    def describe(self) -> str:
        return f"{self.address}: {self.workers} worker{'s' if self.workers != 1 else ''}" + (
            f", dashboard {self.dashboard}" if self.dashboard else ""
        )


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "running on a cluster needs Dask: pip install 'lmapp[cluster]'"
        ) from None
    return distributed


class Cluster:
    """A checked connection to a Dask scheduler (and the LocalCluster it started for
    ``local:N``); closing it stops a local cluster, never a remote one."""

    def __init__(self, client: Any, address: ClusterAddress, local: Any = None) -> None:
        self.client = client
        self.address = address
        self._local = local

    @classmethod
    def connect(cls, where: str | ClusterAddress, timeout: float | None = None) -> Cluster:
        """Connect and check (ClusterError in one line if the cluster cannot run jobs);
        ``timeout`` defaults to CONNECT_TIMEOUT."""
        address = ClusterAddress.parse(where) if isinstance(where, str) else where
        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        distributed = _distributed()
        local = None
        try:
            if address.local_workers:
                try:
                    local = distributed.LocalCluster(
                        n_workers=address.local_workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                        silence_logs=logging.ERROR,
                    )
                except Exception as exc:  # noqa: BLE001 - why the processes did not start
                    raise ClusterError(
                        f"could not start {address.local_workers} local Dask workers: {exc}"
                    ) from None
                client = distributed.Client(local, set_as_default=False)
            else:
                client = distributed.Client(
                    address.scheduler, timeout=timeout, set_as_default=False
                )
        except (OSError, TimeoutError):
            if local is not None:
                local.close()
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} within "
                f"{timeout:g} s (is `dask scheduler` running there, and is the "
                "address right?)"
            ) from None
        cluster = cls(client, address, local)
        try:
            cluster._check(timeout)
        except BaseException:
            cluster.close()
            raise
        return cluster

    def _check(self, timeout: float) -> None:
        """At least one worker, and every worker imports lmapp of this version."""
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            raise ClusterError(
                f"the Dask scheduler at {self.address} has no workers (start "
                f"some: dask worker {self.address})"
            ) from None
        versions = self.client.run(worker_lmapp_version, on_error="return")
        for worker, version in sorted(versions.items()):
            if isinstance(version, BaseException):
                raise ClusterError(
                    f"worker {worker} cannot import lmapp ({version}); install "
                    f"lmapp {__version__} on every worker"
                )
            if version != __version__:
                raise ClusterError(
                    f"worker {worker} runs lmapp {version}, this is lmapp "
                    f"{__version__}; install the same version on every worker"
                )

    @property
    def workers(self) -> int:
        """Workers connected now."""
        return len(self.client.scheduler_info()["workers"])

    @property
    def dashboard(self) -> str | None:
        """The Dask dashboard's address (None where the scheduler serves none)."""
        try:
            return self.client.dashboard_link
        except (KeyError, AttributeError):
            return None

    def info(self) -> ClusterInfo:
        return ClusterInfo(str(self.address), self.workers, self.dashboard)

    # -- a job's tasks ----------------------------------------------------------------------
    def walkers(
        self, data: Dataset, model: Model, params: ExploreParams, control: JobControl
    ) -> ClusterWalkers:
        """An explore job's walker pool on this cluster."""
        recipe = ModelRecipe.of(model, data.X_train, data.y_train, data.n_classes)
        return ClusterWalkers(ClusterPool(self, control), recipe, params)

    def attempts(
        self, data: Dataset, model: Model, tp: TransitionParams, control: JobControl
    ) -> ClusterAttempts:
        """A connect job's attempt pool on this cluster."""
        recipe = ModelRecipe.of(model, data.X_train, data.y_train, data.n_classes)
        return ClusterAttempts(ClusterPool(self, control), recipe, tp)

    @property
    def lost(self) -> bool:
        """Whether the connection to the scheduler is gone (the client may be trying to
        reconnect: the futures of the job's tasks are lost either way)."""
        return self.client.status != "running"

    def close(self) -> None:
        self.client.close()
        if self._local is not None:
            self._local.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_cluster(where: str, timeout: float | None = None) -> ClusterInfo:
    """Connect to a scheduler, check it and disconnect (the GUI's Check button)."""
    with Cluster.connect(where, timeout) as cluster:
        return cluster.info()


def worker_lmapp_version() -> str:
    """Run on each worker: the lmapp version it imports."""
    import lmapp

    return lmapp.__version__


class ClusterExecutor:
    """Runs explore and connect jobs with their tasks on a cluster: ``where`` is a connected
    :class:`Cluster` (kept open) or an address, connected to on the job's thread and closed
    when the job ends (a connection failure is the job's error)."""

    def __init__(self, where: str | ClusterAddress | Cluster) -> None:
        if isinstance(where, str):
            where = ClusterAddress.parse(where)  # garbage is refused now, not in the job
        self.where = where

    def submit(
        self, job: Any, progress: Progress = ignore, control: JobControl | None = None
    ) -> JobHandle:
        def run(control: JobControl, progress: Progress) -> Any:
            if isinstance(self.where, Cluster):
                job.cluster = self.where
                return job.run(control, progress)
            with Cluster.connect(self.where) as cluster:
                job.cluster = cluster
                return job.run(control, progress)

        return ThreadExecutor().submit(_Run(run), progress, control)


@dataclass(frozen=True)
class _Run:
    """A job made of a function (what ThreadExecutor runs)."""

    fn: Any

    def run(self, control: JobControl, progress: Progress) -> Any:
        return self.fn(control, progress)

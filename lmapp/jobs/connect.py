"""Connect jobs (SPEC §2.4): transition-state searches between minima until a chosen pair is
connected, every minimum is connected to the global minimum, or a refinement budget is spent.

A pair that failed is not retried blindly, as OPTIM does: the Dijkstra analysis penalises it, so
the next route runs through intermediate known minima; when it is chosen again, the search
escalates by tier (number of earlier failures of the pair): more images and iterations, then a
stiffer band with more candidates, then single-ended searches from the stranded end minimum
(uphill along its softest modes). Every attempt is recorded with its outcome. Attempts run in
parallel threads (DNEB/HEF kernels release the GIL) or as tasks on a Dask cluster; each
attempt's results (transition states, new minima, the attempt record and a failed pair) are
stored in one transaction by the job's thread."""

from __future__ import annotations

import enum
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from ..landscape.connect_strategy import (
    Components,
    NeighbourGraph,
    missing_connections,
    nearest_unconnected,
)
from ..landscape.model import Model
from ..landscape.network import minima_edges
from ..landscape.transition import Outcome, TransitionParams, TSSearch, search, search_from_minimum
from ..store import ProjectError, ProjectFile
from ..store.binding import load_dataset_and_model
from ..store.ends import end_positions
from ..store.schema import RunStatus
from .control import Interrupted, JobControl
from .events import ConnectProgress, Progress
from .lifecycle import RunRecord, job_run
from .rows import minimum_row

if TYPE_CHECKING:
    from ..datasets import Dataset
    from .cluster import Cluster

MODES = ("pair", "all", "refine")
#: failures of a pair after which its attempts search from the stranded minimum itself
SINGLE_ENDED_TIER = 3
#: failed attempts of a minimum without any transition state after which it is stranded (and
#: again after as many more for each single-ended search from it)
STRANDED_FAILURES = 4
#: single-ended searches from one minimum in one job at most
MAX_SINGLE_ENDED = 4
#: softest Hessian modes (each both ways) one single-ended attempt searches along
SINGLE_ENDED_MODES = 8


class AttemptOutcome(enum.Enum):
    """What one connect attempt achieved (recorded per attempt, counted per run)."""

    CONNECTED = "connected"
    OTHER_MINIMA = "push-offs reached other minima"
    KNOWN = "transition states already known"
    DEGENERATE = "only degenerate transition states"
    NO_MAXIMUM = Outcome.NO_MAXIMUM.value
    HEF_FAILED = Outcome.HEF_FAILED.value
    WRONG_INDEX = Outcome.WRONG_INDEX.value
    NOT_MINIMUM = Outcome.NOT_MINIMUM.value

    @property
    def failed(self) -> bool:
        return self is not AttemptOutcome.CONNECTED


#: the attempt outcome of a search that stored nothing, by how far its best candidate got
_FAILED_SEARCH = {
    Outcome.NO_MAXIMUM: AttemptOutcome.NO_MAXIMUM,
    Outcome.HEF_FAILED: AttemptOutcome.HEF_FAILED,
    Outcome.WRONG_INDEX: AttemptOutcome.WRONG_INDEX,
    Outcome.NOT_MINIMUM: AttemptOutcome.NOT_MINIMUM,
    Outcome.DUPLICATE: AttemptOutcome.KNOWN,
    Outcome.FOUND: AttemptOutcome.KNOWN,
}


def tier_params(tp: TransitionParams, tier: int) -> TransitionParams:
    """The band settings of an attempt at escalation ``tier`` (0: as given)."""
    if tier <= 0:
        return tp
    if tier == 1:  # a finer, longer-relaxed band
        return replace(
            tp,
            images_per_unit=2 * tp.images_per_unit,
            max_images=2 * tp.max_images,
            dneb_iter=2 * tp.dneb_iter,
        )
    return replace(
        tp,
        dneb_k=5 * tp.dneb_k,
        images_per_unit=3 * tp.images_per_unit,
        max_images=3 * tp.max_images,
        dneb_iter=4 * tp.dneb_iter,
        max_candidates=2 * tp.max_candidates,
    )


@dataclass
class ConnectParams:
    """What to connect: a ``pair`` of minimum ids, ``all`` minima to the global minimum, or
    ``refine`` (nearest unconnected neighbours, lowest minima first); ``budget`` caps the
    number of attempts (None: 20 + 10 per minimum still to connect), ``workers`` run at once."""

    mode: str = "all"
    pair: tuple[int, int] | None = None
    budget: int | None = None
    workers: int = 2
    transition: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> TransitionParams:
        """Check the settings; return the transition-state parameters."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.mode == "pair" and (
            self.pair is None or len(self.pair) != 2 or self.pair[0] == self.pair[1]
        ):
            raise ValueError("mode 'pair' needs two different minimum ids")
        if (self.budget is not None and self.budget < 1) or self.workers < 1:
            raise ValueError("budget and workers must be ≥ 1")
        unknown = set(self.transition) - set(TransitionParams.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown transition-state settings: {', '.join(sorted(unknown))}")
        return TransitionParams(**self.transition)


def auto_budget(n_unconnected: int) -> int:
    """The default budget: room for escalations on every minimum still to connect."""
    return 20 + 10 * n_unconnected


def format_outcomes(outcomes: dict[str, int]) -> str:
    """Attempt outcomes in words, most frequent first ("12 connected, 3 HEF did not converge")."""
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items(), key=lambda t: -t[1]))


@dataclass
class ConnectSummary:
    """What a connect run did."""

    run_id: int
    status: RunStatus
    attempts: int
    new_ts: int
    new_minima: int
    failed_pairs: int
    elapsed: float
    connected: bool | None  # pair mode: are the two minima connected now
    components: int  # connected components of the minima after the run
    budget: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # AttemptOutcome value → count
    note: str = ""  # why nothing was attempted, when nothing was

    @property
    def rate(self) -> float:
        return self.attempts / self.elapsed if self.elapsed > 0 else 0.0


class _KnownPoints:
    """The job's in-memory copy of the project's minima, transition states and failures."""

    def __init__(
        self, pf: ProjectFile, model: Model, tp: TransitionParams, control: JobControl
    ) -> None:
        """Read in phases of well under a second each (10⁵ minima, 3·10⁵ TS), with a cancel
        check between them."""
        m = pf.minima(with_weights=True, order="id")
        control.checkpoint()
        self.ids = m["id"].tolist()
        self.index = {i: k for k, i in enumerate(self.ids)}
        self.loss = m["loss"].tolist()
        self.coords = list(m["weights"]) if len(self.ids) else []
        self.minima = model.registry(tp.rule)
        self.minima.add_many(m["id"], m["loss"], m["weights"])
        control.checkpoint()
        t = pf.transition_state_ends()  # stored TS themselves are matched by loss, in SQL
        n = len(self.ids)
        edges = minima_edges(n, *end_positions(pf.path, m["id"], t))
        self.components = Components.from_edges(n, edges)
        control.checkpoint()
        self.neighbours: list[set[int]] = [set() for _ in range(n)]
        for i, j in edges.tolist():
            self.neighbours[i].add(j)
            self.neighbours[j].add(i)
        self.failed: dict[tuple[int, int], int] = {}
        for (a, b), k in pf.failed_pairs().items():
            if a in self.index and b in self.index:
                self.failed[self.key(self.index[a], self.index[b])] = k
        self.graph = NeighbourGraph(self.coords, model.symmetry.distances)
        self.failures_of: Counter = Counter()  # failed attempts per minimum (index)
        self.searched_from: Counter = Counter()  # single-ended searches per minimum (index)
        for (i, j), k in self.failed.items():
            self.failures_of[i] += k
            self.failures_of[j] += k

    @staticmethod
    def key(i: int, j: int) -> tuple[int, int]:
        return (min(i, j), max(i, j))

    def link(self, i: int, j: int) -> None:
        if i != j:
            self.neighbours[i].add(j)
            self.neighbours[j].add(i)
            self.components.union(i, j)

    def add_minimum(self, min_id: int, loss: float, w: np.ndarray) -> int:
        self.ids.append(min_id)
        self.index[min_id] = len(self.ids) - 1
        self.loss.append(loss)
        self.coords.append(w)
        self.minima.add(min_id, loss, w)
        self.neighbours.append(set())
        self.components.grow(len(self.ids))
        return self.index[min_id]

    def fail(self, i: int, j: int) -> None:
        k = self.key(i, j)
        self.failed[k] = self.failed.get(k, 0) + 1
        self.failures_of[i] += 1
        self.failures_of[j] += 1

    def stranded(self, i: int) -> bool:
        """No transition state reaches minimum i, and attempts on it keep failing."""
        return not self.neighbours[i] and self.failures_of[i] >= STRANDED_FAILURES * (
            self.searched_from[i] + 1
        )

    def n_components(self) -> int:
        return int(np.unique(self.components.roots()).size)

    def lowest(self) -> int:
        return int(np.argmin(self.loss))

    def apart(self) -> np.ndarray:
        """Indices of the minima not connected to the global minimum."""
        roots = self.components.roots()
        return np.flatnonzero(roots != roots[self.lowest()]) if len(self.ids) else roots


@dataclass(frozen=True)
class _Attempt:
    """One piece of work: a pair (indices), its tier, and for single-ended searches the
    minimum searched from."""

    pair: tuple[int, int]
    tier: int
    origin: int | None = None  # single-ended: the stranded minimum's index
    first_mode: int = 0  # single-ended: the softest mode searched along first


@dataclass
class AttemptResult:
    """What one search found, how long it took, and whether a pause or cancel cut it short
    (an interrupted search proves nothing about its pair)."""

    found: TSSearch
    elapsed: float
    interrupted: bool


def run_attempt(
    model: Model,
    tp: TransitionParams,
    work: _Attempt,
    xa: np.ndarray,
    xb: np.ndarray,
    x_origin: np.ndarray | None,
    abort: np.ndarray,
) -> AttemptResult:
    """One attempt: a pure function of its inputs, run in a thread here or on a worker."""
    t0 = time.perf_counter()
    if x_origin is not None:
        found = search_from_minimum(model, x_origin, tp, work.first_mode, SINGLE_ENDED_MODES, abort)
    else:  # beyond the single-ended tier (those searches spent): the stiffest band again
        found = search(
            model,
            xa,
            model.align(xa, xb),
            tier_params(tp, min(work.tier, SINGLE_ENDED_TIER - 1)),
            abort=abort,
        )
    return AttemptResult(found, time.perf_counter() - t0, bool(abort[0]))


class AttemptHandle(Protocol):
    """A submitted attempt (a Future, or a cluster task)."""

    def result(self) -> AttemptResult: ...


_Handle = TypeVar("_Handle", bound=AttemptHandle)


class AttemptPool(Protocol[_Handle]):
    """Where attempts run: threads of this process, or a cluster's workers (each pool waits on
    the handles it gave out)."""

    def submit(
        self, work: _Attempt, xa: np.ndarray, xb: np.ndarray, x_origin: np.ndarray | None
    ) -> _Handle: ...

    def wait_first(self, handles: list[_Handle]) -> set[_Handle]: ...

    def shutdown(self) -> None: ...


class ThreadAttempts:
    """Attempts on threads of this process (the DNEB/HEF kernels release the GIL)."""

    def __init__(
        self, model: Model, tp: TransitionParams, n_threads: int, abort: np.ndarray
    ) -> None:
        self.model, self.tp, self.abort = model, tp, abort
        self.pool = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="connect")

    def submit(
        self, work: _Attempt, xa: np.ndarray, xb: np.ndarray, x_origin: np.ndarray | None
    ) -> Future[AttemptResult]:
        return self.pool.submit(
            run_attempt, self.model, self.tp, work, xa, xb, x_origin, self.abort
        )

    def wait_first(self, handles: list[Future]) -> set[Future]:
        return wait(handles, return_when=FIRST_COMPLETED).done

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class ConnectJob:
    """Transition-state searches on a project: pure inputs (path, params) → ConnectSummary; the
    searches run on threads here, or as tasks on ``cluster`` (a connected
    :class:`~.cluster.Cluster`)."""

    def __init__(
        self, project: str | Path, params: ConnectParams, cluster: Cluster | None = None
    ) -> None:
        self.tp = params.validate()
        self.project = Path(project)
        self.params = params
        self.cluster = cluster
        self._lock = threading.Lock()

    def run(self, control: JobControl, progress: Progress) -> ConnectSummary:
        p = self.params
        with ProjectFile.open(self.project) as pf, threadpool_limits(1):
            data, model = load_dataset_and_model(pf)
            if pf.n_minima() < 2:
                raise ProjectError("connecting needs at least two minima; explore first")
            if p.mode == "pair" and p.pair is not None:  # (a pair-mode job has its pair)
                for i in p.pair:
                    pf.minimum(i)  # "no minimum with id …"
            summary = None
            with job_run(pf, "connect", asdict(p)) as run:  # budget None: decided below
                control.checkpoint()
                known = _KnownPoints(pf, model, self.tp, control)
                budget = p.budget if p.budget is not None else auto_budget(self._unconnected(known))
                pool = self.attempt_pool(data, model, control)
                summary = self._loop(pf, model, known, pool, run, budget, control, progress)
            if summary is None:  # cancelled while the points were being read
                return ConnectSummary(
                    run.run_id,
                    run.status,
                    0,
                    0,
                    0,
                    0,
                    run.elapsed,
                    None,
                    0,
                    p.budget or 0,
                    note="cancelled before the first attempt",
                )
            return replace(summary, status=run.status)

    # -- choosing work ----------------------------------------------------------------------
    def _unconnected(self, known: _KnownPoints) -> int:
        """Minima the mode still has to connect (all: to the global minimum)."""
        p = self.params
        if p.mode == "pair":
            return 0 if self._done(known) else 1
        return int(known.apart().size)

    def _next_attempts(
        self, known: _KnownPoints, busy: set[tuple[int, int]], n: int
    ) -> list[_Attempt]:
        """Up to n attempts to run next, none on a pair or minimum already in flight."""
        p = self.params
        if p.mode == "refine":
            order = np.argsort(known.loss, kind="stable")
            cand = nearest_unconnected(
                known.graph, known.neighbours, known.failed, order, limit=n + len(busy)
            )
        else:
            if p.mode == "pair" and p.pair is not None:
                targets = [(known.index[p.pair[0]], known.index[p.pair[1]])]
            else:
                apart = known.apart()
                gm = known.lowest()
                targets = [
                    (gm, int(i))
                    for i in apart[np.argsort(np.asarray(known.loss)[apart], kind="stable")]
                ]
            cand = []
            roots = known.components.roots()
            for a, b in targets:
                cand += missing_connections(known.graph, roots, known.failed, a, b)
                if len(cand) >= n + len(busy):
                    break
        out: list[_Attempt] = []
        taken = {i for pair in busy for i in pair}
        for i, j in cand:
            key = known.key(i, j)
            if key in busy or any(a.pair == key for a in out):
                continue
            tier = known.failed.get(key, 0)
            origin = self._stranded_end(known, i, j, tier)
            if origin is not None and origin in taken:
                continue  # one single-ended search per minimum at a time
            first_mode = 0
            if origin is not None:
                taken.add(origin)
                first_mode = SINGLE_ENDED_MODES * known.searched_from[origin]
                known.searched_from[origin] += 1
            out.append(_Attempt(key, tier, origin, first_mode))
            if len(out) == n:
                break
        return out

    def _stranded_end(self, known: _KnownPoints, i: int, j: int, tier: int) -> int | None:
        """The end to search from single-ended, when this pair's attempts should be that."""
        if tier < SINGLE_ENDED_TIER and not (known.stranded(i) or known.stranded(j)):
            return None
        gm = known.lowest()
        ends = [k for k in (i, j) if not known.components.connected(gm, k)] or [i, j]
        ends = [k for k in ends if known.searched_from[k] < MAX_SINGLE_ENDED]
        return max(ends, key=lambda k: known.loss[k]) if ends else None

    def _done(self, known: _KnownPoints) -> bool:
        p = self.params
        if p.mode == "pair" and p.pair is not None:
            return known.components.connected(known.index[p.pair[0]], known.index[p.pair[1]])
        if p.mode == "all":
            return known.apart().size == 0
        return False

    def attempt_pool(self, data: Dataset, model: Model, control: JobControl) -> AttemptPool[Any]:
        """Where this job's searches run: threads here, or the cluster's workers."""
        if self.cluster is not None:
            return self.cluster.attempts(data, model, self.tp, control)
        return ThreadAttempts(model, self.tp, self.params.workers, control.abort_flag)

    # -- storing results (job thread) -------------------------------------------------------
    def _store(
        self,
        pf: ProjectFile,
        model: Model,
        known: _KnownPoints,
        run_id: int,
        work: _Attempt,
        found: TSSearch,
        elapsed: float,
    ) -> tuple[AttemptOutcome, int, int]:
        """Store one attempt in one transaction: new minima, new transition states, the attempt
        and, unless the pair is connected now, a failed pair. Returns (outcome, new TS, new
        minima)."""
        min_rows: list[dict] = []
        pending = model.registry(self.tp.rule)  # minima new in this attempt
        ts_rows: list[dict] = []
        ts_ends: list[tuple[int, int]] = []  # stored ids; new minima as −(k + 1)
        degenerate = known_only = 0
        for r in found.found:
            if not r.connected:
                continue
            ends = []
            for side in (r.minus, r.plus):
                mid = known.minima.match(side.energy, side.x)
                if mid is not None:
                    ends.append(mid)
                    continue
                k = pending.match(side.energy, side.x)
                if k is None:
                    k = len(min_rows)
                    pending.add(k, side.energy, side.x)
                    min_rows.append(minimum_row(side.energy, side.x, side.verification))
                ends.append(-(k + 1))
            if self._stored_ts(pf, model, r.energy, r.canonical):
                known_only += 1
                continue
            degenerate += ends[0] == ends[1]
            ts_rows.append(
                {
                    "loss": r.energy,
                    "rms_grad": r.rms_grad,
                    "eigenvalue": r.eigenvalue,
                    "lpphe": r.lpphe,
                    "min1": ends[0],
                    "min2": ends[1],
                    "weights": r.canonical,
                }
            )
            ts_ends.append((ends[0], ends[1]))
        i, j = work.pair
        # what the pair's connectivity will be once this attempt is stored
        trial = Components(len(known.ids) + len(min_rows))
        trial.parent[: len(known.ids)] = known.components.parent

        def pos(ref: int) -> int:
            return known.index[ref] if ref > 0 else len(known.ids) - ref - 1

        for a, b in ts_ends:
            trial.union(pos(a), pos(b))
        joined = trial.connected(i, j)
        new_links = sum(pos(a) != pos(b) for a, b in ts_ends)
        if joined:
            outcome = AttemptOutcome.CONNECTED
        elif new_links:
            outcome = AttemptOutcome.OTHER_MINIMA
        elif ts_rows:
            outcome = AttemptOutcome.DEGENERATE
        elif known_only:
            outcome = AttemptOutcome.KNOWN
        else:
            outcome = _FAILED_SEARCH[found.outcome]
        min_ids, ts_ids = pf.commit_connect_attempt(
            minima=min_rows,
            transition_states=ts_rows,
            run_id=run_id,
            attempt={
                "min1": known.ids[i],
                "min2": known.ids[j],
                "tier": work.tier,
                "outcome": outcome.value,
                "elapsed": elapsed,
            },
            failed_pair=None if joined else (known.ids[i], known.ids[j]),
        )
        for mid, row in zip(min_ids, min_rows):
            known.add_minimum(mid, row["loss"], row["weights"])
        for _, (a, b) in zip(ts_ids, ts_ends):  # the stored ones
            ia = known.index[a if a > 0 else min_ids[-a - 1]]
            ib = known.index[b if b > 0 else min_ids[-b - 1]]
            known.link(ia, ib)
        if not joined:
            known.fail(i, j)
        return outcome, len(ts_ids), len(min_ids)

    def _stored_ts(self, pf: ProjectFile, model: Model, loss: float, w: np.ndarray) -> bool:
        """Whether a transition state (loss, canonical weights) is stored already."""
        near = pf.transition_states_near(loss, self.tp.rule.ediff)
        stored = model.registry(self.tp.rule)
        stored.add_many(near["id"], near["loss"], near["weights"])
        return stored.match(loss, w) is not None

    def _loop(
        self,
        pf: ProjectFile,
        model: Model,
        known: _KnownPoints,
        pool: AttemptPool[Any],
        run: RunRecord,
        budget: int,
        control: JobControl,
        progress: Progress,
    ) -> ConnectSummary:
        p = self.params
        run_id = run.run_id
        attempts = new_ts = new_min = 0
        outcomes: Counter = Counter()
        failed0 = len(known.failed)
        note = ""
        if self._done(known):
            note = (
                "the two minima are already connected"
                if p.mode == "pair"
                else "every minimum is already connected to the global minimum"
            )
        running: dict[AttemptHandle, _Attempt] = {}
        try:
            while True:
                if control.cancelled:
                    run.status = RunStatus.CANCELLED
                    break
                if not self._done(known) and attempts + len(running) < budget:
                    room = min(p.workers - len(running), budget - attempts - len(running))
                    busy = {a.pair for a in running.values()}
                    for work in self._next_attempts(known, busy, room):
                        i, j = work.pair
                        origin = None if work.origin is None else known.coords[work.origin]
                        fut = pool.submit(work, known.coords[i], known.coords[j], origin)
                        running[fut] = work
                if not running:
                    if not note and not self._done(known) and attempts < budget:
                        note = "no pair left to try"
                    break
                for fut in pool.wait_first(list(running)):
                    work = running.pop(fut)
                    if control.abort_flag[0]:
                        continue  # an interrupted search proves nothing about the pair
                    res = fut.result()
                    if res.interrupted:
                        continue
                    outcome, a, b = self._store(
                        pf, model, known, run_id, work, res.found, res.elapsed
                    )
                    attempts += 1
                    outcomes[outcome.value] += 1
                    new_ts += a
                    new_min += b
                elapsed = run.elapsed
                progress(
                    ConnectProgress(
                        run_id,
                        attempts,
                        budget,
                        new_ts,
                        new_min,
                        len(running),
                        known.n_components(),
                        elapsed,
                        dict(outcomes),
                        self._done(known) if p.mode != "refine" else None,
                    )
                )
                if control.paused and not running and not run.checkpoint(control):
                    break
        except Interrupted:  # the cluster went away: every stored attempt is kept
            run.status = RunStatus.INTERRUPTED
        except BaseException:
            control.abort_flag[0] = 1  # stop the searches still running
            raise
        finally:
            pool.shutdown()
            run.stats = {
                "attempts": attempts,
                "budget": budget,
                "new_ts": new_ts,
                "new_minima": new_min,
                "outcomes": dict(outcomes),
                "note": note,
            }
        connected = self._done(known) if p.mode == "pair" else None
        return ConnectSummary(
            run_id,
            run.status,
            attempts,
            new_ts,
            new_min,
            len(known.failed) - failed0,
            run.elapsed,
            connected,
            known.n_components(),
            budget,
            dict(outcomes),
            note,
        )

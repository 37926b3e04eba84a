"""Connect jobs (SPEC §2.4): transition-state searches between minima until a chosen pair is
connected, every minimum is connected to the global minimum, or a refinement budget is spent.
Attempts run in parallel threads (DNEB/HEF kernels release the GIL); each attempt's results
(transition states, new minima, or a failed pair) are stored in one transaction."""
from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..landscape.connect_strategy import Components, missing_connections, nearest_unconnected
from ..landscape.model import Model
from ..landscape.transition import TransitionParams, TSResult, find_transition_states
from ..store import ProjectError, ProjectFile
from ..store.binding import load_landscape
from .control import Cancelled, JobControl
from .executor import Progress
from .ownership import owner, settle_stale_runs

MODES = ("pair", "all", "refine")


@dataclass
class ConnectParams:
    """What to connect: a ``pair`` of minimum ids, ``all`` minima to the global minimum, or
    ``refine`` (nearest unconnected neighbours, lowest minima first); ``budget`` caps the
    number of DNEB/HEF attempts, ``workers`` run at once."""

    mode: str = "all"
    pair: tuple[int, int] | None = None
    budget: int = 50
    workers: int = 2
    transition: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> TransitionParams:
        """Check the settings; return the transition-state parameters."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.mode == "pair" and (self.pair is None or len(self.pair) != 2 or self.pair[0] == self.pair[1]):
            raise ValueError("mode 'pair' needs two different minimum ids")
        if self.budget < 1 or self.workers < 1:
            raise ValueError("budget and workers must be ≥ 1")
        unknown = set(self.transition) - set(TransitionParams.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown transition-state settings: {', '.join(sorted(unknown))}")
        return TransitionParams(**self.transition)


@dataclass
class ConnectSummary:
    """What a connect run did."""

    run_id: int
    status: str
    attempts: int
    new_ts: int
    new_minima: int
    failed_pairs: int
    elapsed: float
    connected: bool | None  # pair mode: are the two minima connected now
    components: int  # connected components of the minima after the run

    @property
    def rate(self) -> float:
        return self.attempts / self.elapsed if self.elapsed > 0 else 0.0


class _Landscape:
    """The job's in-memory view of the project's minima and transition states."""

    def __init__(self, pf: ProjectFile, model: Model, tp: TransitionParams) -> None:
        m = pf.minima(with_weights=True, order="id")
        self.ids = [int(i) for i in m["id"]]
        self.index = {i: k for k, i in enumerate(self.ids)}
        self.loss = [float(f) for f in m["loss"]]
        self.coords = [w for w in m["weights"]] if len(self.ids) else []
        self.minima = model.registry(tp.rule)
        for i, f, w in zip(self.ids, self.loss, self.coords):
            self.minima.add(i, f, w)
        self.neighbours: list[set[int]] = [set() for _ in self.ids]
        self.components = Components(len(self.ids))
        self.ts = model.registry(tp.rule)
        t = pf.transition_states(with_weights=True)
        for i, f, a, b, w in zip(t["id"], t["loss"], t["min1"], t["min2"], t["weights"]):
            self.ts.add(int(i), float(f), w)
            self.link(self.index[int(a)], self.index[int(b)])
        self.failed = {(min(self.index[a], self.index[b]), max(self.index[a], self.index[b])): k
                       for (a, b), k in pf.failed_pairs().items()}

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
        parent = np.append(self.components.parent, len(self.ids) - 1)
        self.components.parent = parent
        return self.index[min_id]

    def n_components(self) -> int:
        return len({self.components.find(i) for i in range(len(self.ids))})


class ConnectJob:
    """Transition-state searches on a project: pure inputs (path, params) → ConnectSummary."""

    def __init__(self, project: str | Path, params: ConnectParams) -> None:
        self.tp = params.validate()
        self.project = Path(project)
        self.params = params
        self._lock = threading.Lock()

    def run(self, control: JobControl, progress: Progress) -> ConnectSummary:
        p = self.params
        with ProjectFile.open(self.project) as pf, threadpool_limits(1):
            _, model = load_landscape(pf)
            land = _Landscape(pf, model, self.tp)
            if len(land.ids) < 2:
                raise ProjectError("connecting needs at least two minima; explore first")
            if p.mode == "pair":
                missing = [i for i in p.pair if i not in land.index]
                if missing:
                    raise ProjectError(f"no minimum with id {missing[0]}")
            settle_stale_runs(pf)
            run_id = pf.start_run("connect", {**asdict(p), "owner": owner()}, None)
            return self._loop(pf, model, land, run_id, control, progress)

    # -- choosing work ----------------------------------------------------------------------
    def _next_pairs(self, land: _Landscape, busy: set[tuple[int, int]], n: int) -> list[tuple[int, int]]:
        """Up to n pairs (landscape indices) to attempt next, none already in flight."""
        p = self.params
        coords = np.array(land.coords)
        order = np.argsort(land.loss)
        if p.mode == "refine":
            cand = nearest_unconnected(coords, land.neighbours, land.failed, order)
        else:
            if p.mode == "pair":
                targets = [(land.index[p.pair[0]], land.index[p.pair[1]])]
            else:
                gm = int(order[0])
                targets = [(gm, int(i)) for i in order[1:] if not land.components.connected(gm, int(i))]
            cand = []
            for a, b in targets:
                if land.components.connected(a, b):
                    continue
                cand += missing_connections(coords, land.neighbours, land.failed, a, b)
                if len(cand) >= n:
                    break
        out = []
        for i, j in cand:
            key = (min(i, j), max(i, j))
            if key not in busy and key not in out:
                out.append(key)
            if len(out) == n:
                break
        return out

    def _done(self, land: _Landscape) -> bool:
        p = self.params
        if p.mode == "pair":
            return land.components.connected(land.index[p.pair[0]], land.index[p.pair[1]])
        if p.mode == "all":
            gm = int(np.argmin(land.loss))
            return all(land.components.connected(gm, i) for i in range(len(land.ids)))
        return False

    # -- one attempt (pool thread) ----------------------------------------------------------
    def _attempt(self, model: Model, xa: np.ndarray, xb: np.ndarray, abort: np.ndarray) -> list[TSResult]:
        return find_transition_states(model, xa, model.align(xa, xb), self.tp, abort=abort)

    # -- storing results (job thread) -------------------------------------------------------
    def _store(self, pf: ProjectFile, land: _Landscape, run_id: int, pair: tuple[int, int],
               results: list[TSResult]) -> tuple[int, int]:
        """Store one attempt's transition states and new minima; record the pair as failed if
        nothing joined anything. Returns (new TS, new minima)."""
        new_ts = new_min = 0
        joined = False
        for r in results:
            if not r.connected:
                continue
            ends = []
            for side in (r.minus, r.plus):
                w = side.x
                mid = land.minima.match(side.energy, w)
                if mid is None:
                    v = side.verification
                    mid = pf.add_minima([{"loss": side.energy, "rms_grad": v.rms_grad,
                                          "hessian_index": v.hessian_index, "min_eig": v.min_eig,
                                          "lpphe": v.lpphe, "n_zero_modes": v.n_zero_modes,
                                          "weights": w}], run_id)[0]
                    land.add_minimum(mid, side.energy, w)
                    new_min += 1
                ends.append(mid)
            joined = True
            if land.ts.match(r.energy, r.canonical) is not None:
                continue
            tid = pf.add_transition_states([{"loss": r.energy, "rms_grad": r.rms_grad,
                                             "eigenvalue": r.eigenvalue, "lpphe": r.lpphe,
                                             "min1": ends[0], "min2": ends[1],
                                             "weights": r.canonical}], run_id)[0]
            land.ts.add(tid, r.energy, r.canonical)
            land.link(land.index[ends[0]], land.index[ends[1]])
            new_ts += 1
        i, j = pair
        if not joined or not land.components.connected(i, j):
            pf.record_failed_pair(land.ids[i], land.ids[j], run_id)
            key = (min(i, j), max(i, j))
            land.failed[key] = land.failed.get(key, 0) + 1
        return new_ts, new_min

    def _loop(self, pf: ProjectFile, model: Model, land: _Landscape, run_id: int,
              control: JobControl, progress: Progress) -> ConnectSummary:
        p = self.params
        t0 = time.perf_counter()
        attempts = new_ts = new_min = 0
        failed0 = len(land.failed)
        status = "finished"
        running: dict[Future, tuple[int, int]] = {}
        pool = ThreadPoolExecutor(max_workers=p.workers, thread_name_prefix="connect")
        try:
            while True:
                if control.cancelled:
                    status = "cancelled"
                    break
                if not self._done(land) and attempts + len(running) < p.budget:
                    room = min(p.workers - len(running), p.budget - attempts - len(running))
                    for i, j in self._next_pairs(land, set(running.values()), room):
                        xa, xb = land.coords[i], land.coords[j]
                        fut = pool.submit(self._attempt, model, xa, xb, control.abort_flag)
                        running[fut] = (i, j)
                if not running:
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    pair = running.pop(fut)
                    if control.abort_flag[0]:
                        continue  # an interrupted search proves nothing about the pair
                    a, b = self._store(pf, land, run_id, pair, fut.result())
                    attempts += 1
                    new_ts += a
                    new_min += b
                elapsed = time.perf_counter() - t0
                progress({"run_id": run_id, "attempts": attempts, "budget": p.budget,
                          "new_ts": new_ts, "new_minima": new_min, "running": len(running),
                          "components": land.n_components(), "elapsed": elapsed,
                          "connected": self._done(land) if p.mode != "refine" else None})
                if control.paused and not running:
                    pf.update_run(run_id, status="paused")
                    try:
                        control.checkpoint()
                    except Cancelled:
                        status = "cancelled"
                        break
                    pf.update_run(run_id, status="running")
        except BaseException:
            status = "failed"
            raise
        finally:
            if status == "failed":
                control.abort_flag[0] = 1  # stop the searches still running
            pool.shutdown(wait=True, cancel_futures=True)
            elapsed = time.perf_counter() - t0
            pf.update_run(run_id, status=status, elapsed=elapsed,
                          stats={"attempts": attempts, "new_ts": new_ts, "new_minima": new_min})
        connected = self._done(land) if p.mode == "pair" else None
        return ConnectSummary(run_id, status, attempts, new_ts, new_min,
                              len(land.failed) - failed0, elapsed, connected, land.n_components())

"""Basin-hopping exploration as a job: K walkers in parallel threads over ``nogil`` chunks (or
as tasks on a Dask cluster's workers), verified minima stored per round in one transaction,
resumable from the project file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from ..engines.basinhopping import BH_DEFAULTS, HopSettings, QuenchSettings, WalkerState
from ..engines.builtin import BuiltinArgs
from ..engines.lbfgs import LBFGS_DEFAULTS
from ..engines.rng import seed_state
from ..landscape.identity import EDIFF, GEOMDIFF, OUTPUT_TOL, IdentityRule, PointRegistry
from ..landscape.model import Model
from ..landscape.verify import ZERO_TOL, Verification, verify_minimum
from ..store import ProjectError, ProjectFile
from ..store.binding import load_dataset_and_model, stored_minima_registry
from ..store.schema import RunStatus
from .control import Cancelled, Interrupted, JobControl
from .events import ExploreProgress, Progress
from .lifecycle import RunRecord, job_run
from .rows import minimum_row

if TYPE_CHECKING:
    from ..datasets import Dataset
    from .cluster import Cluster

WALKER_KIND = "basin-hopping"


@dataclass
class ExploreParams:
    """Basin-hopping settings; ``steps`` are quenches per walker in this run."""

    steps: int = 500
    walkers: int = 2
    seed: int = 0
    temperature: float = BH_DEFAULTS["temperature"]
    step: float = BH_DEFAULTS["step"]
    target_acceptance: float = BH_DEFAULTS["target_acceptance"]
    adapt_every: int = int(BH_DEFAULTS["adapt_every"])
    adapt_factor: float = BH_DEFAULTS["adapt_factor"]
    step_min: float = BH_DEFAULTS["step_min"]
    step_max: float = BH_DEFAULTS["step_max"]
    chunk: int | None = None  # quenches per walker between commits (None: from the model size)
    init_scale: float = 1.0
    gtol: float = LBFGS_DEFAULTS["gtol"]
    max_iter: int = int(LBFGS_DEFAULTS["max_iter"])
    m: int = int(LBFGS_DEFAULTS["m"])
    max_step: float = LBFGS_DEFAULTS["max_step"]
    max_rise: float = LBFGS_DEFAULTS["max_rise"]
    ediff: float = EDIFF
    geomdiff: float = GEOMDIFF
    output_tol: float = OUTPUT_TOL
    zero_tol: float = ZERO_TOL
    #: start new walkers instead of continuing the saved ones (which this run then replaces)
    new_walkers: bool = False

    def validate(self) -> None:
        """Raise ValueError with a user-facing message for impossible settings."""
        checks = [
            (self.steps >= 0, "steps must be ≥ 0"),
            (self.walkers >= 1, "walkers must be ≥ 1"),
            (self.temperature >= 0, "temperature must be ≥ 0"),
            (0 < self.step < np.inf, "step must be a finite number > 0"),
            (0 < self.step_min <= self.step_max, "need 0 < step_min ≤ step_max"),
            (
                self.step_min <= self.step <= self.step_max,
                f"step must lie in [step_min, step_max] = [{self.step_min:g}, {self.step_max:g}]",
            ),
            (self.chunk is None or self.chunk >= 1, "chunk must be ≥ 1"),
            (0 < self.gtol < np.inf, "gtol must be a finite number > 0"),
            (self.m >= 1, "m must be ≥ 1"),
            (self.max_step > 0, "max_step must be > 0"),
            (0 <= self.seed < 2**63, "seed must be a non-negative integer"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)

    @property
    def rule(self) -> IdentityRule:
        """When two minima are the same (SPEC §2.3)."""
        return IdentityRule(self.ediff, self.geomdiff, self.output_tol)

    @property
    def hop(self) -> HopSettings:
        return HopSettings(
            float(self.temperature),
            float(self.target_acceptance),
            int(self.adapt_every),
            float(self.adapt_factor),
            float(self.step_min),
            float(self.step_max),
        )

    @property
    def quench(self) -> QuenchSettings:
        return QuenchSettings(
            float(self.gtol),
            int(self.max_iter),
            int(self.m),
            float(self.max_step),
            float(self.max_rise),
        )


@dataclass
class Walker:
    """Resumable state of one basin-hopping walker (its RNG state included)."""

    index: int
    x: np.ndarray
    f: float
    step: float
    rng: np.ndarray
    steps_done: int = 0
    window_acc: int = 0
    window_n: int = 0
    accepted: int = 0

    def to_saved(self) -> tuple[dict, np.ndarray]:
        d = {k: v for k, v in asdict(self).items() if k not in ("x", "rng")}
        d["rng"] = [int(u) for u in self.rng]
        return d, self.x

    @classmethod
    def from_saved(cls, state: dict, x: np.ndarray, index: int, n_params: int) -> Walker:
        """A walker from its stored state (ProjectError naming the walker if it is damaged)."""
        where = f"table walker_states, walker {index}"
        try:
            state = dict(state)
            rng = np.array([int(u) for u in state.pop("rng")], np.uint64)
            walker = cls(x=np.asarray(x, float), rng=rng, **state)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ProjectError(
                f"{where}: unreadable state ({type(exc).__name__}: {exc}); "
                "explore with new walkers (lmapp explore --new-walkers) to "
                "replace the saved ones"
            ) from None
        if walker.x.shape != (n_params,) or walker.rng.shape != (4,):
            raise ProjectError(
                f"{where}: coordinates of shape {walker.x.shape} for a model of "
                f"{n_params} parameters (or a damaged random state)"
            )
        return walker


@dataclass
class Candidate:
    """One converged quench after canonicalisation (and verification if it looked new)."""

    walker: int
    step: int
    loss: float
    w: np.ndarray
    converged: bool
    check: Verification | None  # None for unconverged quenches and already-known minima


@dataclass
class WalkerChunk:
    """What one chunk of a walker's quenches produced: the walker's state after it, and its
    candidates (``screened`` once the new-looking ones are verified)."""

    walker: Walker
    candidates: list[Candidate]
    screened: bool = False


def hop_walker(
    model: Model, walker: Walker, n: int, params: ExploreParams, abort: np.ndarray
) -> WalkerChunk:
    """Run ``n`` basin-hopping steps of ``walker`` (left unchanged): a pure function of its
    inputs, so any thread or process computes the same chunk from the same walker state."""
    rng = walker.rng.copy()
    start = WalkerState(
        walker.x, float(walker.f), float(walker.step), int(walker.window_acc), int(walker.window_n)
    )
    state, xs, fs, _, conv, acc, _ = model.kit.bh_chunk(
        model.args, start, n, rng, params.hop, params.quench, abort
    )
    canon = model.canonical_rows(xs)
    done = len(fs)
    cands = [
        Candidate(
            walker.index,
            walker.steps_done + s,
            float(fs[s]),
            canon[s] if conv[s] else xs[s],
            bool(conv[s]),
            None,
        )
        for s in range(done)
    ]
    after = replace(
        walker,
        x=state.x,
        f=float(state.f),
        step=float(state.step),
        rng=rng,
        window_acc=int(state.window_acc),
        window_n=int(state.window_n),
        accepted=walker.accepted + int(acc.sum()),
        steps_done=walker.steps_done + done,
    )
    return WalkerChunk(after, cands)


def screen(
    model: Model,
    chunk: WalkerChunk,
    known: Callable[[list[Candidate]], list[bool]],
    params: ExploreParams,
) -> WalkerChunk:
    """Verify the converged candidates that ``known`` does not recognise (known minima were
    verified when first stored)."""
    seen = known([c for c in chunk.candidates if c.converged])
    it = iter(seen)
    cands = [
        c
        if not c.converged or next(it)
        else replace(c, check=verify_minimum(model, c.w, params.gtol, params.zero_tol))
        for c in chunk.candidates
    ]
    return WalkerChunk(chunk.walker, cands, screened=True)


class ChunkResult(Protocol):
    """A submitted chunk (a Future, or a cluster task)."""

    def result(self) -> WalkerChunk: ...


class WalkerPool(Protocol):
    """Where walkers' chunks run: threads of this process, or a cluster's workers."""

    def submit(self, walker: Walker, n: int) -> ChunkResult: ...

    def shutdown(self) -> None: ...


class ThreadWalkers:
    """Walkers on threads of this process (the kernels release the GIL): each chunk is
    quenched and screened against the registry in its thread."""

    def __init__(
        self,
        model: Model,
        params: ExploreParams,
        n_threads: int,
        known: Callable[[list[Candidate]], list[bool]],
        abort: np.ndarray,
    ) -> None:
        self.model, self.params, self.known, self.abort = model, params, known, abort
        self.pool = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="bh-walker")

    def _chunk(self, walker: Walker, n: int) -> WalkerChunk:
        return screen(
            self.model,
            hop_walker(self.model, walker, n, self.params, self.abort),
            self.known,
            self.params,
        )

    def submit(self, walker: Walker, n: int) -> Future[WalkerChunk]:
        return self.pool.submit(self._chunk, walker, n)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class ExploreSummary:
    """What a run did: counts, rates and the global minimum."""

    run_id: int
    status: RunStatus
    quenches: int
    new_minima: int
    total_minima: int
    failures: dict[str, int]
    elapsed: float
    global_min: tuple[int, float] | None
    accept_ratio: float
    extra: dict[str, Any] = field(default_factory=dict)
    warning: str = ""  #: a likely problem with the set-up, in words ("" if none)

    @property
    def rate(self) -> float:
        return self.quenches / self.elapsed if self.elapsed > 0 else 0.0


#: Quenches after which finding a single minimum (or only W ≈ 0) is worth a warning.
FEW_MINIMA_QUENCHES = 50
#: Largest |w| of a minimum counted as the trivial W ≈ 0.
TRIVIAL_WEIGHT = 1e-3


def setup_warning(pf: ProjectFile, model: Model, quenches: int) -> str:
    """Why a network's landscape looks trivial: only one minimum after many quenches, or the
    global minimum at W ≈ 0 (the regularisation outweighs the data): λ is probably too large."""
    if not model.is_network or quenches < FEW_MINIMA_QUENCHES:
        return ""
    m = pf.minima(with_weights=True, order="loss")
    if not m["id"].size:
        return ""
    lam = f"λ = {model.spec.lam:g}"
    if float(np.max(np.abs(m["weights"][0]))) < TRIVIAL_WEIGHT:
        return (
            f"the lowest minimum is W ≈ 0 (the network predicts a constant): {lam} may be "
            "too large for this data; try a smaller λ"
        )
    if m["id"].size == 1:
        return (
            f"only one minimum in {quenches} quenches: {lam} may be too large for this "
            "data (or the network too small)"
        )
    return ""


#: Work (data points × parameters × quenches) per chunk when ``chunk`` is automatic: about a
#: second of quenching between commits and progress reports (seed 000: 55 quenches), which
#: also keeps a cluster's overhead per task (~15 ms) near 1 %.
CHUNK_WORK = 3e6
MAX_CHUNK = 500


def auto_chunk(n_data: int, n_params: int) -> int:
    """Quenches per walker between commits, from the model size (deterministic, so runs with
    the same seed store the same minima under the same ids)."""
    return int(min(max(CHUNK_WORK // max(n_data * n_params, 1), 1), MAX_CHUNK))


class ExploreJob:
    """Basin-hopping on a project: pure inputs (path, params) → ExploreSummary; the walkers
    run on threads here, or as tasks on ``cluster`` (a connected :class:`~.cluster.Cluster`)."""

    def __init__(
        self, project: str | Path, params: ExploreParams, cluster: Cluster | None = None
    ) -> None:
        params.validate()
        self.project = Path(project)
        self.params = params
        self.cluster = cluster
        self._lock = threading.Lock()

    # -- walkers --------------------------------------------------------------------------------
    def _start_walker(self, model: Model, index: int, control: JobControl) -> Walker:
        p = self.params
        rng = np.random.default_rng([p.seed, index])
        x0 = model.random_start(rng, p.init_scale)
        while True:  # a pause aborts the start quench: wait, then quench the same start again
            x, f, _, _, _ = model.kit.quench(x0, model.args, *p.quench, control.abort_flag)
            if control.abort_flag[0] == 0:
                break
            try:
                control.checkpoint()
            except Cancelled:
                break  # never stored: a cancelled run commits no further batch
        return Walker(index, x, float(f), p.step, seed_state(p.seed, index))

    # -- coordination (the job's own thread) -----------------------------------------------
    def run(self, control: JobControl, progress: Progress) -> ExploreSummary:
        p = self.params
        with ProjectFile.open(self.project) as pf, threadpool_limits(1):
            data, model = load_dataset_and_model(pf)
            registry = stored_minima_registry(pf, model, p.rule)
            with job_run(pf, "explore", asdict(p), p.seed) as run:
                saved = [] if p.new_walkers else pf.walker_states(WALKER_KIND)
                try:
                    walkers = [
                        Walker.from_saved(s, x, k, model.n_params)
                        for k, (s, x) in enumerate(saved[: p.walkers])
                    ]
                except ProjectError as exc:
                    raise ProjectError(f"{pf.path.name}: {exc}") from None
                walkers += [
                    self._start_walker(model, i, control) for i in range(len(walkers), p.walkers)
                ]
                # walkers this run does not use keep their saved states for a later run
                pool = self.walker_pool(data, model, registry, control)
                summary = self._loop(
                    pf, model, registry, pool, walkers, saved[p.walkers :], run, control, progress
                )
            return replace(summary, status=run.status)

    def _known(self, registry: PointRegistry) -> Callable[[list[Candidate]], list[bool]]:
        """Which of a chunk's converged candidates the registry knows (one locked pass per
        chunk, not one lock per quench)."""

        def known(cands: list[Candidate]) -> list[bool]:
            with self._lock:
                return [registry.match(c.loss, c.w) is not None for c in cands]

        return known

    def walker_pool(
        self, data: Dataset, model: Model, registry: PointRegistry, control: JobControl
    ) -> WalkerPool:
        """Where this job's walkers run: threads here, or the cluster's workers (whose chunks
        come back unscreened: this thread, the writer, verifies them)."""
        if self.cluster is not None:
            return self.cluster.walkers(data, model, self.params, control)
        return ThreadWalkers(
            model, self.params, self.params.walkers, self._known(registry), control.abort_flag
        )

    def _loop(
        self,
        pf: ProjectFile,
        model: Model,
        registry: PointRegistry,
        pool: WalkerPool,
        walkers: list[Walker],
        idle: list[tuple[dict, np.ndarray]],
        run: RunRecord,
        control: JobControl,
        progress: Progress,
    ) -> ExploreSummary:
        p = self.params
        run_id = run.run_id
        n_data = model.args.XT.shape[1] if isinstance(model.args, BuiltinArgs) else 1
        chunk = p.chunk or auto_chunk(n_data if model.is_network else 1, model.n_params)
        target = {w.index: w.steps_done + p.steps for w in walkers}
        failures = {"unconverged": 0, "not a minimum": 0}
        quenches = new = 0
        accepted0 = sum(w.accepted for w in walkers)

        def submit_all() -> dict[int, ChunkResult]:
            return {
                w.index: pool.submit(w, min(chunk, target[w.index] - w.steps_done))
                for w in walkers
                if w.steps_done < target[w.index]
            }

        try:
            if control.cancelled:  # cancelled while the walkers were starting
                run.status = RunStatus.CANCELLED
            pending = {} if control.cancelled else submit_all()
            while pending:
                try:
                    results = {i: pending[i].result() for i in sorted(pending)}
                except Interrupted:  # the cluster went away: the last commit is where it ends
                    run.status = RunStatus.INTERRUPTED
                    break
                for i, res in results.items():
                    if not res.screened:  # quenched elsewhere: screened by this, the writer
                        results[i] = screen(model, res, self._known(registry), p)
                walkers = [results[w.index].walker if w.index in results else w for w in walkers]
                states = [w.to_saved() for w in walkers]  # as of these results
                # the walkers go on while this thread stores their results
                pending = {} if control.cancelled or control.paused else submit_all()
                rows: list[dict] = []
                batch = model.registry(p.rule)
                for wk in walkers:  # fixed order: ids do not depend on thread timing
                    for c in results[wk.index].candidates if wk.index in results else []:
                        quenches += 1
                        self._collect(c, registry, batch, rows, failures)
                ids = pf.commit_batch(
                    minima=rows,
                    run_id=run_id,
                    walker_kind=WALKER_KIND,
                    walker_states=states + idle,
                    run_stats={
                        "quenches": quenches,
                        "new_minima": new + len(rows),
                        "failures": failures,
                    },
                )
                with self._lock:
                    for i, r in zip(ids, rows):
                        registry.add(i, r["loss"], r["weights"])
                new += len(rows)
                elapsed = run.elapsed
                done = sum(w.steps_done - (target[w.index] - p.steps) for w in walkers)
                total = p.steps * len(walkers)
                rate = quenches / elapsed if elapsed > 0 else 0.0
                progress(
                    ExploreProgress(
                        run_id,
                        done,
                        total,
                        quenches,
                        rate,
                        new,
                        len(registry),
                        registry.lowest(),
                        dict(failures),
                        elapsed,
                        (total - done) / rate if rate > 0 else None,
                    )
                )
                if not run.checkpoint(control):
                    break
                if not pending:  # paused before resubmitting: continue the walkers now
                    pending = submit_all()
        except Interrupted:  # submitting to a cluster that went away
            run.status = RunStatus.INTERRUPTED
        finally:
            pool.shutdown()
            run.stats = {"quenches": quenches, "new_minima": new, "failures": failures}
        acc = sum(w.accepted for w in walkers) - accepted0
        return ExploreSummary(
            run_id,
            run.status,
            quenches,
            new,
            len(registry),
            failures,
            run.elapsed,
            registry.lowest(),
            acc / quenches if quenches else 0.0,
            warning=setup_warning(pf, model, quenches),
        )

    @staticmethod
    def _collect(
        c: Candidate,
        registry: PointRegistry,
        batch: PointRegistry,
        rows: list[dict],
        failures: dict[str, int],
    ) -> None:
        """Turn one candidate into a new-minimum row, a duplicate, or a counted failure."""
        if not c.converged:
            failures["unconverged"] += 1
            return
        if registry.match(c.loss, c.w) is not None or batch.match(c.loss, c.w) is not None:
            return  # a known minimum (verified when first stored)
        if c.check is None or not c.check.is_minimum:
            failures["not a minimum"] += 1
            return
        batch.add(len(rows), c.loss, c.w)
        rows.append(minimum_row(c.loss, c.w, c.check, walker=c.walker, step=c.step))

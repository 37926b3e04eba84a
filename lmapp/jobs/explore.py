"""Basin-hopping exploration as a job: K walkers in parallel threads over ``nogil`` chunks,
verified minima stored per round in one transaction, resumable from the project file."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..engines.basinhopping import BH_DEFAULTS
from ..engines.lbfgs import LBFGS_DEFAULTS
from ..engines.rng import seed_state
from ..landscape.identity import EDIFF, GEOMDIFF, OUTPUT_TOL, IdentityRule, PointRegistry
from ..landscape.model import Model
from ..landscape.verify import ZERO_TOL, Verification, verify_minimum
from ..store import ProjectError, ProjectFile
from ..store.binding import load_landscape, stored_minima_registry
from ..store.schema import RunStatus
from .control import Cancelled, JobControl
from .executor import Progress
from .lifecycle import RunRecord, job_run

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
    adapt_every: int = BH_DEFAULTS["adapt_every"]
    adapt_factor: float = BH_DEFAULTS["adapt_factor"]
    step_min: float = BH_DEFAULTS["step_min"]
    step_max: float = BH_DEFAULTS["step_max"]
    chunk: int | None = None  # quenches per walker between commits (None: from the model size)
    init_scale: float = 1.0
    gtol: float = LBFGS_DEFAULTS["gtol"]
    max_iter: int = LBFGS_DEFAULTS["max_iter"]
    m: int = LBFGS_DEFAULTS["m"]
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
        checks = [(self.steps >= 0, "steps must be ≥ 0"), (self.walkers >= 1, "walkers must be ≥ 1"),
                  (self.temperature >= 0, "temperature must be ≥ 0"),
                  (0 < self.step < np.inf, "step must be a finite number > 0"),
                  (0 < self.step_min <= self.step_max, "need 0 < step_min ≤ step_max"),
                  (self.step_min <= self.step <= self.step_max,
                   f"step must lie in [step_min, step_max] = [{self.step_min:g}, {self.step_max:g}]"),
                  (self.chunk is None or self.chunk >= 1, "chunk must be ≥ 1"),
                  (0 < self.gtol < np.inf, "gtol must be a finite number > 0"),
                  (self.m >= 1, "m must be ≥ 1"), (self.max_step > 0, "max_step must be > 0"),
                  (0 <= self.seed < 2**63, "seed must be a non-negative integer")]
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)

    @property
    def rule(self) -> IdentityRule:
        """When two minima are the same (SPEC §2.3)."""
        return IdentityRule(self.ediff, self.geomdiff, self.output_tol)


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
    def from_saved(cls, state: dict, x: np.ndarray, index: int, n_params: int) -> "Walker":
        """A walker from its stored state (ProjectError naming the walker if it is damaged)."""
        where = f"table walker_states, walker {index}"
        try:
            state = dict(state)
            rng = np.array([int(u) for u in state.pop("rng")], np.uint64)
            walker = cls(x=np.asarray(x, float), rng=rng, **state)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ProjectError(f"{where}: unreadable state ({type(exc).__name__}: {exc}); "
                               "explore with new walkers (lmapp explore --new-walkers) to "
                               "replace the saved ones") from None
        if walker.x.shape != (n_params,) or walker.rng.shape != (4,):
            raise ProjectError(f"{where}: coordinates of shape {walker.x.shape} for a model of "
                               f"{n_params} parameters (or a damaged random state)")
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
class ExploreSummary:
    """What a run did: counts, rates and the global minimum."""

    run_id: int
    status: str
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
        return (f"the lowest minimum is W ≈ 0 (the network predicts a constant): {lam} may be "
                "too large for this data; try a smaller λ")
    if m["id"].size == 1:
        return (f"only one minimum in {quenches} quenches: {lam} may be too large for this "
                "data (or the network too small)")
    return ""


#: Work (data points × parameters × quenches) per chunk when ``chunk`` is automatic: about a
#: second of quenching between commits and progress reports.
CHUNK_WORK = 3e5
MAX_CHUNK = 500


def auto_chunk(n_data: int, n_params: int) -> int:
    """Quenches per walker between commits, from the model size (deterministic, so runs with
    the same seed store the same minima under the same ids)."""
    return int(min(max(CHUNK_WORK // max(n_data * n_params, 1), 1), MAX_CHUNK))


class ExploreJob:
    """Basin-hopping on a project: pure inputs (path, params) → ExploreSummary."""

    def __init__(self, project: str | Path, params: ExploreParams) -> None:
        params.validate()
        self.project = Path(project)
        self.params = params
        self._lock = threading.Lock()

    # -- walker work (runs in pool threads; the kernels release the GIL) ------------------
    def _start_walker(self, model: Model, index: int, control: JobControl) -> Walker:
        p = self.params
        rng = np.random.default_rng([p.seed, index])
        x0 = model.random_start(rng, p.init_scale)
        while True:  # a pause aborts the start quench: wait, then quench the same start again
            x, f, _, _, _ = model.kit.quench(x0, model.args, p.gtol, p.max_iter, p.m, p.max_step,
                                            p.max_rise, control.abort_flag)
            if control.abort_flag[0] == 0:
                break
            try:
                control.checkpoint()
            except Cancelled:
                break  # never stored: a cancelled run commits no further batch
        return Walker(index, x, float(f), p.step, seed_state(p.seed, index))

    def _advance(self, model: Model, registry: PointRegistry, wk: Walker, n: int,
                 abort: np.ndarray) -> list[Candidate]:
        p = self.params
        out = model.kit.bh_chunk(model.args, wk.x, wk.f, wk.step, p.temperature, n, wk.rng,
                                 p.gtol, p.max_iter, p.m, p.max_step, p.max_rise,
                                 p.target_acceptance, p.adapt_every, p.adapt_factor, p.step_min,
                                 p.step_max, wk.window_acc, wk.window_n, abort)
        x, f, step, wacc, wn, xs, fs, _, conv, acc, _ = out
        n = len(fs)
        canon = model.canonical_rows(xs)
        with self._lock:  # one lookup pass per chunk, not one lock per quench
            known = [bool(conv[s]) and registry.match(float(fs[s]), canon[s]) is not None
                     for s in range(n)]
        cands = []
        for s in range(n):
            if not conv[s]:
                cands.append(Candidate(wk.index, wk.steps_done + s, float(fs[s]), xs[s], False, None))
                continue
            check = None if known[s] else verify_minimum(model, canon[s], p.gtol, p.zero_tol)
            cands.append(Candidate(wk.index, wk.steps_done + s, float(fs[s]), canon[s], True, check))
        wk.x, wk.f, wk.step, wk.window_acc, wk.window_n = x, float(f), float(step), int(wacc), int(wn)
        wk.accepted += int(acc.sum())
        wk.steps_done += n
        return cands

    # -- coordination (the job's own thread) -----------------------------------------------
    def run(self, control: JobControl, progress: Progress) -> ExploreSummary:
        p = self.params
        with ProjectFile.open(self.project) as pf, threadpool_limits(1):
            _, model = load_landscape(pf)
            registry = stored_minima_registry(pf, model, p.rule)
            with job_run(pf, "explore", asdict(p), p.seed) as run:
                saved = [] if p.new_walkers else pf.walker_states(WALKER_KIND)
                try:
                    walkers = [Walker.from_saved(s, x, k, model.n_params)
                               for k, (s, x) in enumerate(saved[:p.walkers])]
                except ProjectError as exc:
                    raise ProjectError(f"{pf.path.name}: {exc}") from None
                walkers += [self._start_walker(model, i, control)
                            for i in range(len(walkers), p.walkers)]
                # walkers this run does not use keep their saved states for a later run
                summary = self._loop(pf, model, registry, walkers, saved[p.walkers:], run,
                                     control, progress)
            return replace(summary, status=run.status)

    def _loop(self, pf: ProjectFile, model: Model, registry: PointRegistry,
              walkers: list[Walker], idle: list[tuple[dict, np.ndarray]], run: RunRecord,
              control: JobControl, progress: Progress) -> ExploreSummary:
        p = self.params
        run_id = run.run_id
        chunk = p.chunk or auto_chunk(model.args[1].shape[0] if model.is_network else 1, model.n_params)
        target = {w.index: w.steps_done + p.steps for w in walkers}
        failures = {"unconverged": 0, "not a minimum": 0}
        quenches = new = 0
        accepted0 = sum(w.accepted for w in walkers)
        pool = ThreadPoolExecutor(max_workers=len(walkers), thread_name_prefix="bh-walker")

        def submit_all() -> dict:
            return {w.index: pool.submit(self._advance, model, registry, w,
                                         min(chunk, target[w.index] - w.steps_done),
                                         control.abort_flag)
                    for w in walkers if w.steps_done < target[w.index]}

        try:
            if control.cancelled:  # cancelled while the walkers were starting
                run.status = RunStatus.CANCELLED
            pending = {} if control.cancelled else submit_all()
            while pending:
                results = {i: pending[i].result() for i in sorted(pending)}
                states = [w.to_saved() for w in walkers]  # as of these results
                # the walkers go on while this thread stores their results
                pending = {} if control.cancelled or control.paused else submit_all()
                rows: list[dict] = []
                batch = model.registry(p.rule)
                for wk in walkers:  # fixed order: ids do not depend on thread timing
                    for c in results.get(wk.index, []):
                        quenches += 1
                        self._collect(c, registry, batch, rows, failures)
                ids = pf.commit_batch(minima=rows, run_id=run_id, walker_kind=WALKER_KIND,
                                      walker_states=states + idle,
                                      run_stats={"quenches": quenches, "new_minima": new + len(rows),
                                                 "failures": failures})
                with self._lock:
                    for i, r in zip(ids, rows):
                        registry.add(i, r["loss"], r["weights"])
                new += len(rows)
                elapsed = run.elapsed
                done = sum(w.steps_done - (target[w.index] - p.steps) for w in walkers)
                total = p.steps * len(walkers)
                rate = quenches / elapsed if elapsed > 0 else 0.0
                progress({"run_id": run_id, "steps_done": done, "steps_total": total,
                          "quenches": quenches, "rate": rate, "new_minima": new,
                          "n_minima": len(registry), "global_min": registry.lowest(),
                          "failures": dict(failures), "elapsed": elapsed,
                          "eta": (total - done) / rate if rate > 0 else None})
                if not run.checkpoint(control):
                    break
                if not pending:  # paused before resubmitting: continue the walkers now
                    pending = submit_all()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            run.stats = {"quenches": quenches, "new_minima": new, "failures": failures}
        acc = sum(w.accepted for w in walkers) - accepted0
        return ExploreSummary(run_id, run.status, quenches, new, len(registry), failures,
                              run.elapsed, registry.lowest(), acc / quenches if quenches else 0.0,
                              warning=setup_warning(pf, model, quenches))

    @staticmethod
    def _collect(c: Candidate, registry: PointRegistry, batch: PointRegistry,
                 rows: list[dict], failures: dict[str, int]) -> None:
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
        v = c.check
        rows.append({"loss": c.loss, "rms_grad": v.rms_grad, "hessian_index": v.hessian_index,
                     "min_eig": v.min_eig, "lpphe": v.lpphe, "n_zero_modes": v.n_zero_modes,
                     "weights": c.w, "walker": c.walker, "step": c.step})

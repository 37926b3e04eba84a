"""Basin-hopping benchmark: lmapp against ``scipy.optimize.basinhopping`` (L-BFGS-B with an
analytic numpy gradient), side by side in one process, same loss, temperature, initial step and
RMS-gradient tolerance; plus the 2-walker speed-up."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.optimize

from ..api import Project
from ..datasets import make_dataset
from ..engines.lbfgs import rms
from ..landscape.model import ModelSpec
from .numpy_reference import NumpyMLP


@dataclass(frozen=True)
class Case:
    """One benchmark landscape and how many quenches each side runs."""

    name: str
    dataset: str
    data_params: dict
    hidden: int
    lam: float
    lmapp_steps: int
    scipy_steps: int
    temperature: float = 0.1
    step: float = 1.0
    gtol: float = 1e-8


#: seed 000's landscape and what it took there: 7842 minima in about 92 hours with GMIN on one
#: Xeon X5650 core (spiral 3200/800, 3 hidden units, λ = 1e-5)
SEED_000 = "seed000-spiral3200-h3"
SEED_000_MINIMA_PER_HOUR = 7842 / 92

CASES = (
    Case("xor-h3", "xor", {}, 3, 1e-2, 4000, 300),
    Case(SEED_000, "spiral", {"n_train": 3200, "n_test": 800}, 3, 1e-5, 400, 20),
    Case("spiral3200-h10", "spiral", {"n_train": 3200, "n_test": 800}, 10, 1e-5, 16, 4),
)


def _lmapp_rate(case: Case, folder: Path, walkers: int, steps: int, tag: str) -> dict:
    """Quenches per second of a full exploration job (storage and verification included)."""
    path = folder / f"{case.name}-{tag}.lmapp"
    data = make_dataset(case.dataset, **case.data_params)
    with Project.create(path, data, ModelSpec(hidden=(case.hidden,), lam=case.lam)) as p:
        p.explore(steps=20, walkers=walkers, seed=99)  # compile / load every kernel of a run
        s = p.explore(
            steps=steps,
            walkers=walkers,
            seed=0,
            temperature=case.temperature,
            step=case.step,
            gtol=case.gtol,
        )
    return {
        "quenches": s.quenches,
        "seconds": s.elapsed,
        "rate": s.rate,
        "minima": s.total_minima,
        "minima_per_hour": 3600 * s.total_minima / s.elapsed,
        "global_min": s.global_min[1] if s.global_min else None,
    }


def _scipy_rate(case: Case) -> dict:
    """Quenches per second of scipy basinhopping + L-BFGS-B on the numpy loss."""
    data = make_dataset(case.dataset, **case.data_params)
    f = NumpyMLP(data.X_train, data.y_train, case.hidden, data.n_classes, case.lam)
    x0 = np.random.default_rng(0).uniform(-1, 1, f.n_params)
    converged = []

    def record(x: np.ndarray, fx: float, _accept: bool) -> None:
        converged.append(rms(f(x)[1]) < case.gtol)

    # gtol bounds the largest gradient component, so max|g| ≤ gtol implies RMS ≤ gtol;
    # ftol = 0 stops scipy from ending early on a small loss change.
    kw = {
        "method": "L-BFGS-B",
        "jac": True,
        "options": {"gtol": case.gtol, "ftol": 0.0, "maxiter": 20000},
    }
    t = time.perf_counter()
    res = scipy.optimize.basinhopping(
        f,
        x0,
        niter=case.scipy_steps,
        T=case.temperature,
        stepsize=case.step,
        minimizer_kwargs=kw,
        seed=0,
        callback=record,
    )
    dt = time.perf_counter() - t
    n = case.scipy_steps + 1  # the initial quench counts
    return {
        "quenches": n,
        "seconds": dt,
        "rate": n / dt,
        "global_min": float(res.fun),
        "converged_fraction": float(np.mean(converged)) if converged else 0.0,
    }


def run_case(case: Case, folder: Path, quick: bool) -> dict:
    div = 4 if quick else 1
    small = Case(
        **{
            **case.__dict__,
            "lmapp_steps": max(case.lmapp_steps // div, 2),
            "scipy_steps": max(case.scipy_steps // div, 1),
        }
    )
    one = _lmapp_rate(small, folder, 1, small.lmapp_steps, "w1")
    two = _lmapp_rate(small, folder, 2, small.lmapp_steps, "w2")
    sp = _scipy_rate(small)
    return {
        "case": case.name,
        "lmapp_1_walker": one,
        "lmapp_2_walkers": two,
        "scipy": sp,
        "ratio_vs_scipy": one["rate"] / sp["rate"],
        "speedup_2_walkers": two["rate"] / one["rate"],
    }


def identity_cost(folder: Path, quick: bool) -> dict:
    """Cost of the identity rule against the quenches it judges, on XOR with 5 hidden units and
    λ = 1e-4 (near ties): each stored minimum is queried as a random symmetry copy with noise
    1e-6 (the canonical forms then often differ, so the alignment decides), timed per query and
    compared with the run's time per quench."""
    path = folder / "identity.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(5,), lam=1e-4)) as p:
        p.explore(steps=1, walkers=1, seed=99)
        s = p.explore(steps=500 if quick else 2000, walkers=1, seed=0, temperature=1.0)
        m = p.minima(order="id")
        model = p.model
    registry = model.registry()
    for i, f, w in zip(m["id"], m["loss"], m["weights"]):
        registry.add(int(i), float(f), w)
    rng = np.random.default_rng(0)
    queries = []
    for f, w in zip(m["loss"], m["weights"]):
        layers = model.layers(w)
        perm, sign = rng.permutation(5), rng.choice([-1.0, 1.0], 5)
        layers[0]["W"], layers[0]["b"] = (
            (layers[0]["W"] * sign[:, None])[perm],
            (layers[0]["b"] * sign)[perm],
        )
        layers[1]["W"] = (layers[1]["W"] * sign[None, :])[:, perm]
        copy = np.concatenate([np.concatenate([d["W"].ravel(), d["b"]]) for d in layers])
        queries.append((float(f), model.canonical(copy + rng.normal(scale=1e-6, size=copy.size))))
    registry.match(*queries[0])  # compile
    t = time.perf_counter()
    found = sum(registry.match(f, w) is not None for f, w in queries)
    per_query = (time.perf_counter() - t) / len(queries)
    per_quench = s.elapsed / s.quenches
    return {
        "case": "identity-xor-h5",
        "minima": len(queries),
        "identified": found,
        "seconds_per_query": per_query,
        "seconds_per_quench": per_quench,
        "fraction_of_quench": per_query / per_quench,
    }


def run(folder: Path, quick: bool) -> list[dict]:
    """All basin-hopping cases, and the cost of identity."""
    return [run_case(case, folder, quick) for case in CASES] + [identity_cost(folder, quick)]


def report(r: dict) -> str:
    """One table line of a case."""
    if r["case"].startswith("identity"):
        return (
            f"{r['case']:<16} {r['seconds_per_query'] * 1e6:7.1f} µs per candidate "
            f"(symmetry copies, {r['identified']}/{r['minima']} identified) = "
            f"{r['fraction_of_quench']:.1%} of a quench ({r['seconds_per_quench'] * 1e6:.0f} µs)"
        )
    line = (
        f"{r['case']:<16} lmapp {r['lmapp_1_walker']['rate']:9.1f} q/s   "
        f"scipy {r['scipy']['rate']:8.2f} q/s (converged {r['scipy']['converged_fraction']:.0%})   "
        f"ratio {r['ratio_vs_scipy']:6.1f}x   2 walkers {r['speedup_2_walkers']:.2f}x"
    )
    if r["case"] == SEED_000:
        one, two = r["lmapp_1_walker"]["minima_per_hour"], r["lmapp_2_walkers"]["minima_per_hour"]
        line += (
            f"\n{'':<16} new minima per hour: {one:,.0f} (1 walker), {two:,.0f} (2 walkers); "
            f"the paper: {SEED_000_MINIMA_PER_HOUR:.0f} (7842 in ~92 h, GMIN, one core)"
        )
    return line

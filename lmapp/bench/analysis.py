"""Analysis benchmarks against what a user would otherwise write: the harmonic-superposition
heat capacity against numpy/scipy ``logsumexp`` over the same minima and temperatures, and the
misclassification distance matrix against ``scipy.spatial.distance.pdist(…, "hamming")`` on
the same predictions. Both pairs are checked to agree before their times are reported."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist, squareform
from scipy.special import logsumexp

from ..landscape.distances import misclassification_matrix
from ..landscape.thermo import heat_capacity

#: (minima, temperatures) of the C_V case; the full size is the issue's target case.
CV_SIZES = {"full": (100_000, 1000), "quick": (10_000, 300)}
#: (minima, items) of the misclassification case.
MISCLASS_SIZES = {"full": (5000, 800), "quick": (1000, 800)}
#: Target seconds of lmapp at the full sizes.
TARGETS = {"cv": 0.5, "misclassification": 2.0}
#: Temperatures per numpy block (bounds the reference's memory to block × minima doubles).
BLOCK = 32


def random_minima(n_min: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Losses, LPPHE and minimax barriers of a random landscape (spread like real ones)."""
    rng = np.random.default_rng(seed)
    L = 0.05 + rng.exponential(0.2, n_min)
    return L, rng.normal(-60.0, 8.0, n_min), L + rng.exponential(0.1, n_min)


def numpy_heat_capacity(L: np.ndarray, lpphe: np.ndarray, T: np.ndarray, kappa: int) -> np.ndarray:
    """C_V(T) = κ/2 + Var_p(L)/T² with p from ``logsumexp`` over the minima, T in blocks."""
    out = np.empty(T.size)
    for s in range(0, T.size, BLOCK):
        t = T[s:s + BLOCK, None]
        a = -L[None, :] / t - 0.5 * lpphe[None, :]
        p = np.exp(a - logsumexp(a, axis=1, keepdims=True))
        d = L[None, :] - (p @ L)[:, None]
        out[s:s + BLOCK] = 0.5 * kappa + (p * d * d).sum(axis=1) / t[:, 0] ** 2
    return out


def cv_case(n_min: int, n_T: int, seed: int = 0) -> dict:
    """lmapp's heat_capacity (C_V, C±, S and F) against the numpy C_V alone."""
    L, lpphe, barrier = random_minima(n_min, seed)
    T = np.logspace(-4, 1, n_T)
    kappa = 10
    heat_capacity(L[:10], lpphe[:10], T[:3], kappa, barrier[:10])  # compile before timing
    t0 = time.perf_counter()
    th = heat_capacity(L, lpphe, T, kappa, barrier)
    t1 = time.perf_counter()
    ref = numpy_heat_capacity(L, lpphe, T, kappa)
    t2 = time.perf_counter()
    return {"case": f"C_V {n_min} minima x {n_T} T", "lmapp_s": t1 - t0, "numpy_s": t2 - t1,
            "ratio": (t2 - t1) / (t1 - t0),
            "max_rel_diff": float(np.max(np.abs(th.Cv - ref) / np.abs(ref)))}


def misclassification_case(n_min: int, n_items: int, seed: int = 0) -> dict:
    """lmapp's misclassification matrix against scipy's Hamming pdist (binary predictions)."""
    rng = np.random.default_rng(seed)
    pred = rng.integers(0, 2, (n_min, n_items)).astype(np.int8)
    y = rng.integers(0, 2, n_items)
    t0 = time.perf_counter()
    D = misclassification_matrix(pred, y)
    t1 = time.perf_counter()
    ref = squareform(pdist(pred, "hamming"))
    t2 = time.perf_counter()
    return {"case": f"misclassification {n_min} minima x {n_items} items", "lmapp_s": t1 - t0,
            "scipy_s": t2 - t1, "ratio": (t2 - t1) / (t1 - t0),
            "max_abs_diff": float(np.max(np.abs(D - ref)))}


def run(_folder: Path, quick: bool) -> list[dict]:
    """Both cases at the quick or full (target) sizes; the target is attached at full size."""
    size = "quick" if quick else "full"
    out = [cv_case(*CV_SIZES[size]), misclassification_case(*MISCLASS_SIZES[size])]
    if not quick:
        for r, key in zip(out, ("cv", "misclassification")):
            r["target_s"] = TARGETS[key]
    return out


def report(r: dict) -> str:
    ref, name = ("numpy_s", "numpy logsumexp") if "numpy_s" in r else ("scipy_s", "scipy pdist")
    diff = r.get("max_rel_diff", r.get("max_abs_diff"))
    target = f" (target ≤ {r['target_s']:g} s)" if "target_s" in r else ""
    return (f"{r['case']:<42} lmapp {r['lmapp_s']:.3f} s{target}, {name} {r[ref]:.3f} s: "
            f"{r['ratio']:.1f}x (results agree to {diff:.1e})")

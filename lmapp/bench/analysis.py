"""Analysis benchmarks against what a user would otherwise write: the harmonic-superposition
heat capacity against numpy/scipy ``logsumexp`` over the same minima and temperatures, the
misclassification distance matrix against ``scipy.spatial.distance.pdist(…, "hamming")`` on
the same predictions, and the network-of-minima statistics against networkx. Each pair is
checked to agree before their times are reported."""

from __future__ import annotations

import time
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.spatial.distance import pdist, squareform
from scipy.special import logsumexp

from ..landscape.distances import misclassification_matrix
from ..landscape.network import minima_graph, network_stats
from ..landscape.thermo import heat_capacity

#: (minima, temperatures) of the C_V case; the full size is the issue's target case.
CV_SIZES = {"full": (100_000, 1000), "quick": (10_000, 300)}
#: (minima, items) of the misclassification case.
MISCLASS_SIZES = {"full": (5000, 800), "quick": (1000, 800)}
#: Minima of the network case compared with networkx, and of the lmapp-only large case.
NETWORK_SIZES = {"full": (1000, 100_000), "quick": (200, 10_000)}
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
        t = T[s : s + BLOCK, None]
        a = -L[None, :] / t - 0.5 * lpphe[None, :]
        p = np.exp(a - logsumexp(a, axis=1, keepdims=True))
        d = L[None, :] - (p @ L)[:, None]
        out[s : s + BLOCK] = 0.5 * kappa + (p * d * d).sum(axis=1) / t[:, 0] ** 2
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
    return {
        "case": f"C_V {n_min} minima x {n_T} T",
        "lmapp_s": t1 - t0,
        "numpy_s": t2 - t1,
        "ratio": (t2 - t1) / (t1 - t0),
        "max_rel_diff": float(np.max(np.abs(th.Cv - ref) / np.abs(ref))),
    }


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
    return {
        "case": f"misclassification {n_min} minima x {n_items} items",
        "lmapp_s": t1 - t0,
        "scipy_s": t2 - t1,
        "ratio": (t2 - t1) / (t1 - t0),
        "max_abs_diff": float(np.max(np.abs(D - ref))),
    }


def random_network(n_min: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """TS end points of a connected random network: a random tree plus n_min/2 extra edges."""
    rng = np.random.default_rng(seed)
    a = np.r_[np.arange(1, n_min), rng.integers(0, n_min, n_min // 2)]
    b = np.r_[rng.integers(0, np.arange(1, n_min)), rng.integers(0, n_min, n_min // 2)]
    return a, b


def network_case(n_min: int, n_large: int, seed: int = 0) -> dict:
    """lmapp's network statistics against networkx (mean shortest path, diameter, clustering)
    on n_min minima, and lmapp alone on n_large (paths estimated there)."""
    a, b = random_network(n_min, seed)
    network_stats(3, np.array([0]), np.array([1]))  # compile before timing
    t0 = time.perf_counter()
    s = network_stats(n_min, a, b)
    t1 = time.perf_counter()
    g = minima_graph(n_min, a, b)
    ref = (nx.average_shortest_path_length(g), nx.diameter(g), nx.average_clustering(g))
    t2 = time.perf_counter()
    network_stats(n_large, *random_network(n_large, seed))
    t3 = time.perf_counter()
    got = (s["mean_shortest_path"], s["diameter"], s["clustering"])
    return {
        "case": f"network stats {n_min} minima",
        "lmapp_s": t1 - t0,
        "networkx_s": t2 - t1,
        "ratio": (t2 - t1) / (t1 - t0),
        "max_abs_diff": float(max(abs(x - y) for x, y in zip(got, ref))),
        "large_minima": n_large,
        "large_s": t3 - t2,
    }


def run(_folder: Path, quick: bool) -> list[dict]:
    """Both cases at the quick or full (target) sizes; the target is attached at full size."""
    size = "quick" if quick else "full"
    out = [
        cv_case(*CV_SIZES[size]),
        misclassification_case(*MISCLASS_SIZES[size]),
        network_case(*NETWORK_SIZES[size]),
    ]
    if not quick:
        for r, key in zip(out, ("cv", "misclassification")):
            r["target_s"] = TARGETS[key]
    return out


#: Timing key of each reference → its name in the report.
REFERENCES = {"numpy_s": "numpy logsumexp", "scipy_s": "scipy pdist", "networkx_s": "networkx"}


def report(r: dict) -> str:
    ref = next(k for k in REFERENCES if k in r)
    diff = r.get("max_rel_diff", r.get("max_abs_diff"))
    target = f" (target ≤ {r['target_s']:g} s)" if "target_s" in r else ""
    large = (
        f"; {r['large_minima']} minima {r['large_s']:.2f} s (paths estimated)"
        if "large_s" in r
        else ""
    )
    return (
        f"{r['case']:<42} lmapp {r['lmapp_s']:.3f} s{target}, {REFERENCES[ref]} "
        f"{r[ref]:.3f} s: {r['ratio']:.1f}x (results agree to {diff:.1e}){large}"
    )

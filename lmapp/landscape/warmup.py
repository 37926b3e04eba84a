"""Compile (or load from numba's disk cache) every kernel the app and the jobs use, on a tiny
problem, so a first start can say what it is doing instead of looking idle; later starts load
the cached kernels in about a second."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse

from ..engines.lbfgs import NO_ABORT
from .dgraph import disconnectivity_graph, random_landscape
from .graph_layout import spring_positions
from .model import ModelSpec, build_model
from .msb import minimax_barrier_to, monotonic_sequence_basins
from .network import network_stats
from .thermo import heat_capacity


def compile_kernels() -> float:
    """Run every kernel once on a tiny XOR net and landscape; returns the seconds it took."""
    t0 = time.perf_counter()
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    model = build_model(ModelSpec(hidden=(2,)), X, np.array([0, 1, 1, 0]), 2)
    w = np.random.default_rng(0).uniform(-1, 1, model.n_params)
    k = model.kit
    assert k.hessian_eigenvalues is not None and model.fingerprint is not None  # a built-in net
    x, f, _, _, _ = k.quench(w, model.args, 1e-6, 50, 4, 1.0, 1e-4, NO_ABORT)
    k.hessian_eigenvalues(x, model.args)
    model.hvp(x, w)
    model.fingerprint(x)
    model.registry().add(1, f, model.canonical(x))
    model.symmetry.distances(x, np.array([w]))
    model.predict_proba(x, X)
    e, te, a, b = random_landscape(6, 8)
    disconnectivity_graph(e, te, a, b)
    monotonic_sequence_basins(e, a, b)
    minimax_barrier_to(0, e, te, a, b)
    network_stats(e.size, a, b)
    spring_positions(scipy.sparse.csr_array((np.ones(a.size), (a, b)), shape=(e.size, e.size)))
    heat_capacity(e, np.zeros(e.size), np.geomspace(1e-3, 1.0, 5), kappa=3)
    return time.perf_counter() - t0

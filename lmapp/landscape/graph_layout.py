"""Positions for drawing the network of minima: the Barnes–Hut force layout of
:mod:`lmapp.engines.force_layout` (10⁴ minima in a few seconds), centred and scaled to
[−1, 1], the same for the same graph and seed."""

from __future__ import annotations

import numpy as np
import scipy.sparse

from ..engines.force_layout import THETA, force_layout
from ..engines.lbfgs import NO_ABORT

#: work per layout: iterations × nodes (more iterations for small graphs, ≥ 100 for any)
LAYOUT_WORK = 3_000_000
MIN_ITERATIONS, MAX_ITERATIONS = 100, 500


def layout_iterations(n: int) -> int:
    """Iterations for a graph of ``n`` nodes (10⁴: 300; 10⁵: 100)."""
    return int(np.clip(LAYOUT_WORK // max(n, 1), MIN_ITERATIONS, MAX_ITERATIONS))


def spring_positions(
    A: scipy.sparse.csr_array,
    seed: int = 0,
    iterations: int | None = None,
    abort: np.ndarray = NO_ABORT,
) -> np.ndarray:
    """(n, 2) Fruchterman–Reingold positions of the graph with adjacency ``A`` from a seeded
    random start, centred on 0 and scaled so the largest |coordinate| is 1."""
    n = A.shape[0]
    if n == 0:
        return np.zeros((0, 2))
    A = scipy.sparse.csr_array(A)
    pos = np.random.default_rng(seed).uniform(0.0, 1.0, (n, 2))
    its = layout_iterations(n) if iterations is None else int(iterations)
    force_layout(A.indptr.astype(np.int64), A.indices.astype(np.int64), pos, its, THETA, abort)
    if n > 1:
        pos -= pos.mean(axis=0)
        pos /= max(np.abs(pos).max(), 1e-12)
    else:
        pos[:] = 0.0
    return pos

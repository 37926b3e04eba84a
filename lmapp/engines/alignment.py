"""Optimal alignment of two tanh networks under their symmetry group (SPEC §2.3), as OPTIM's
minpermdist does for atoms: the copy of B under hidden-unit permutations and sign flips that is
nearest to A, and that distance.

Per hidden layer, from the input side, the units of B are assigned to those of A by an optimal
assignment on whole units (in-weights, bias and out-weights, each match allowing a sign flip of
all three). One hidden layer is solved exactly. Deeper nets are aligned layer by layer with the
already-aligned neighbours: a first sweep uses the in-weights (aligned from the input side) and
only the last hidden layer's out-weights (to the fixed outputs), then sweeps on whole units
repeat until none changes; each such sweep is exact coordinate descent on the distance, so the
result is never farther from A than B itself. With node locality the units are not
interchangeable and only the sign flips apply. Works on full parameter vectors
(:mod:`lmapp.engines.mlp` layout).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .assignment import assignment
from .canonical import output_bias_mean, shift_output_biases
from .mlp import expand, layer_offsets

MAX_SWEEPS = 8


@njit(cache=True, nogil=True)
def _unit_costs(a, w, woff, boff, sizes, l, with_out):
    """Squared distances between units i of A and j of W (plus: same sign, minus: W flipped)."""
    n_in = sizes[l]
    n_h = sizes[l + 1]
    n_next = sizes[l + 2]
    plus = np.zeros((n_h, n_h))
    minus = np.zeros((n_h, n_h))
    for i in range(n_h):
        for j in range(n_h):
            sp = 0.0
            sm = 0.0
            for k in range(n_in):
                x = a[woff[l] + i * n_in + k]
                y = w[woff[l] + j * n_in + k]
                sp += (x - y) * (x - y)
                sm += (x + y) * (x + y)
            x = a[boff[l] + i]
            y = w[boff[l] + j]
            sp += (x - y) * (x - y)
            sm += (x + y) * (x + y)
            if with_out:
                for r in range(n_next):
                    x = a[woff[l + 1] + r * n_h + i]
                    y = w[woff[l + 1] + r * n_h + j]
                    sp += (x - y) * (x - y)
                    sm += (x + y) * (x + y)
            plus[i, j] = sp
            minus[i, j] = sm
    return plus, minus


@njit(cache=True, nogil=True)
def _apply(w, woff, boff, sizes, l, perm, sign):
    """In place: unit i of hidden layer l becomes sign[i] × old unit perm[i]."""
    n_in = sizes[l]
    n_h = sizes[l + 1]
    n_next = sizes[l + 2]
    src = w.copy()
    for i in range(n_h):
        j = perm[i]
        s = sign[i]
        for k in range(n_in):
            w[woff[l] + i * n_in + k] = s * src[woff[l] + j * n_in + k]
        w[boff[l] + i] = s * src[boff[l] + j]
        for r in range(n_next):
            w[woff[l + 1] + r * n_h + i] = s * src[woff[l + 1] + r * n_h + j]


@njit(cache=True, nogil=True)
def _sqdist(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += (a[i] - b[i]) * (a[i] - b[i])
    return s


@njit(cache=True, nogil=True)
def align_network(a, b, sizes, permute, center_outputs):
    """(copy of full vector ``b`` nearest to ``a`` under the network's symmetries, distance).

    ``center_outputs``: the output biases are a zero mode (not regularised), so B's are first
    shifted to the mean of A's.
    """
    woff, boff, _, _, _ = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    w = b.copy()
    if center_outputs:
        shift_output_biases(w, sizes, output_bias_mean(a, sizes) - output_bias_mean(w, sizes))
    start = w.copy()
    for sweep in range(MAX_SWEEPS):
        changed = False
        for l in range(nl - 1):
            n_h = sizes[l + 1]
            plus, minus = _unit_costs(a, w, woff, boff, sizes, l, sweep > 0 or l == nl - 2)
            if permute:
                cost = np.minimum(plus, minus)
                perm = assignment(cost)
            else:
                perm = np.arange(n_h)
            sign = np.ones(n_h)
            moved = False
            for i in range(n_h):
                if minus[i, perm[i]] < plus[i, perm[i]]:
                    sign[i] = -1.0
                if perm[i] != i or sign[i] < 0:
                    moved = True
            if moved:
                _apply(w, woff, boff, sizes, l, perm, sign)
                changed = True
        if sweep > 0 and not changed:
            break
    d = _sqdist(a, w)
    d0 = _sqdist(a, start)
    if d0 <= d:
        return start, np.sqrt(d0)
    return w, np.sqrt(d)


@njit(cache=True, nogil=True)
def align_network_free(a, b, free, n_full, sizes, permute, center_outputs):
    """:func:`align_network` on free-parameter vectors (frozen locality weights are zero)."""
    wf, d = align_network(
        expand(a, free, n_full), expand(b, free, n_full), sizes, permute, center_outputs
    )
    out = np.empty(free.shape[0])
    for p in range(free.shape[0]):
        out[p] = wf[free[p]]
    return out, d


@njit(cache=True, nogil=True)
def aligned_distances_free(a, B, free, n_full, sizes, permute, center_outputs):
    """Aligned distance from free vector ``a`` to every row of ``B``."""
    out = np.empty(B.shape[0])
    fa = expand(a, free, n_full)
    for i in range(B.shape[0]):
        _, out[i] = align_network(fa, expand(B[i], free, n_full), sizes, permute, center_outputs)
    return out

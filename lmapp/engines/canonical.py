"""Canonical form of MLP weights under hidden-unit permutation and tanh sign-flip symmetry
(SPEC §2.3), so that symmetry-equivalent minima compare equal.

Per hidden layer, from the input side: flip each unit (its in-weights, bias and out-weights)
so that its bias is positive (ties within ``tol``: the first in-weight beyond ``tol``, then the
first out-weight), then sort the units lexicographically by (bias, in-weights), comparing
values that differ by less than ``tol`` as equal. Works on the full parameter layout of
:mod:`lmapp.engines.mlp`. With node locality, units are not interchangeable, so only
the sign flips apply (``permute=False``). With unregularised biases the output biases can all
shift together (a zero mode): ``center_outputs`` makes their mean zero.

A sort like this can be broken by near ties under convergence noise, so it only picks the
stored representative; identity is decided by :mod:`lmapp.engines.alignment`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .mlp import layer_offsets


@njit(cache=True, nogil=True)
def _flip_sign(wf, woff, boff, sizes, l, j, tol):
    """Sign (+1/−1) that makes unit j of hidden layer l canonical."""
    n_in = sizes[l]
    b = wf[boff[l] + j]
    if abs(b) > tol:
        return 1.0 if b > 0 else -1.0
    for k in range(n_in):
        w = wf[woff[l] + j * n_in + k]
        if abs(w) > tol:
            return 1.0 if w > 0 else -1.0
    n_next = sizes[l + 2]
    for i in range(n_next):
        w = wf[woff[l + 1] + i * sizes[l + 1] + j]
        if abs(w) > tol:
            return 1.0 if w > 0 else -1.0
    return 1.0


@njit(cache=True, nogil=True)
def _less(key, a, b, tol):
    """Lexicographic a < b on rows of ``key`` with a tolerance for equality."""
    for c in range(key.shape[1]):
        da = key[a, c]
        db = key[b, c]
        if abs(da - db) > tol:
            return da < db
    return False


@njit(cache=True, nogil=True)
def output_bias_mean(w, sizes):
    """Mean of the output biases of full vector ``w``."""
    boff = layer_offsets(sizes)[1]
    nl = sizes.shape[0] - 1
    s = 0.0
    for c in range(sizes[nl]):
        s += w[boff[nl - 1] + c]
    return s / sizes[nl]


@njit(cache=True, nogil=True)
def shift_output_biases(w, sizes, delta):
    """Add ``delta`` to every output bias of full vector ``w`` (in place): with unregularised
    biases the softmax makes this a symmetry."""
    boff = layer_offsets(sizes)[1]
    nl = sizes.shape[0] - 1
    for c in range(sizes[nl]):
        w[boff[nl - 1] + c] += delta


@njit(cache=True, nogil=True)
def canonicalize(wf, sizes, permute=True, tol=1e-7, center_outputs=False):
    """Return the canonical representative of the full weight vector ``wf``."""
    woff, boff, _, _, _ = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    w = wf.copy()
    if center_outputs:
        shift_output_biases(w, sizes, -output_bias_mean(w, sizes))
    for l in range(nl - 1):
        n_in = sizes[l]
        n_h = sizes[l + 1]
        n_next = sizes[l + 2]
        for j in range(n_h):
            s = _flip_sign(w, woff, boff, sizes, l, j, tol)
            if s < 0:
                for k in range(n_in):
                    w[woff[l] + j * n_in + k] *= -1.0
                w[boff[l] + j] *= -1.0
                for i in range(n_next):
                    w[woff[l + 1] + i * n_h + j] *= -1.0
        if not permute:
            continue
        key = np.empty((n_h, n_in + 1))
        for j in range(n_h):
            key[j, 0] = w[boff[l] + j]
            for k in range(n_in):
                key[j, 1 + k] = w[woff[l] + j * n_in + k]
        order = np.arange(n_h)
        for a in range(1, n_h):  # insertion sort: stable, tolerance-aware, n_h is small
            cur = order[a]
            b = a - 1
            while b >= 0 and _less(key, cur, order[b], tol):
                order[b + 1] = order[b]
                b -= 1
            order[b + 1] = cur
        src = w.copy()
        for jn in range(n_h):
            jo = order[jn]
            for k in range(n_in):
                w[woff[l] + jn * n_in + k] = src[woff[l] + jo * n_in + k]
            w[boff[l] + jn] = src[boff[l] + jo]
            for i in range(n_next):
                w[woff[l + 1] + i * n_h + jn] = src[woff[l + 1] + i * n_h + jo]
    return w


@njit(cache=True, nogil=True)
def canonicalize_free_rows(W, free, n_full, sizes, permute=True, tol=1e-7, center_outputs=False):
    """Canonical forms of many free-parameter vectors (rows of W) in one call."""
    out = np.empty_like(W)
    full = np.zeros(n_full)
    for i in range(W.shape[0]):
        for p in range(free.shape[0]):
            full[free[p]] = W[i, p]
        c = canonicalize(full, sizes, permute, tol, center_outputs)
        for p in range(free.shape[0]):
            out[i, p] = c[free[p]]
    return out

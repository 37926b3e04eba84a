"""Symmetries of the regression model of seed 001 §IV, y = e^{−q1 x} sin(q2 x + q3) sin(q4 x + q5)
(SPEC §1.1), so that its periodic and mirror copies are one minimum.

The group: 2π periodicity of each phase; a shift of both phases by π (both factors change
sign); per factor the mirror (q2, q3) → (−q2, π − q3) (and (q4, q5) → (−q4, π − q5)); the
swap of the two factors. Canonical representative (stored, exported, used for distances):

- each factor has a frequency ≥ 0 (mirror) and a phase in [0, π) (a shift by π flips the
  factor's sign, remembered);
- the factors are ordered by (frequency, phase), the lower first: q2 ≤ q4;
- if the two remembered signs differ, the second phase takes the extra π, so
  q3 ∈ [0, π) and q5 ∈ [0, 2π).

A sort can break on near ties (q2 ≈ q4, a phase ≈ 0 or ≈ π), so identity uses
:func:`align_regression`: the minimum distance over the 16 discrete group elements, each with
its phases moved by multiples of 2π to the nearest copy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

PI = np.pi
TWO_PI = 2.0 * np.pi


@njit(cache=True, nogil=True)
def _wrap(p, period):
    """p reduced to [0, period)."""
    r = p - period * np.floor(p / period)
    if r >= period or r < 0.0:
        r = 0.0
    return r


@njit(cache=True, nogil=True)
def canonical_regression(q):
    """The canonical representative of parameters ``q`` (see the module docstring)."""
    freq = np.empty(2)
    phase = np.empty(2)
    sign = 1.0
    for k in range(2):
        f = q[1 + 2 * k]
        p = q[2 + 2 * k]
        if f < 0.0:
            f = -f
            p = PI - p
        p = _wrap(p, TWO_PI)
        if p >= PI:
            p = _wrap(p - PI, PI)
            sign = -sign
        freq[k] = f
        phase[k] = p
    first = 0
    if freq[1] < freq[0] or (freq[1] == freq[0] and phase[1] < phase[0]):
        first = 1
    second = 1 - first
    out = np.empty(5)
    out[0] = q[0]
    out[1] = freq[first]
    out[2] = phase[first]
    out[3] = freq[second]
    out[4] = phase[second] + (PI if sign < 0.0 else 0.0)
    return out


@njit(cache=True, nogil=True)
def _group_element(q, swap, mirror1, mirror2, shift):
    """One of the 16 discrete symmetry images of ``q``."""
    g = q.copy()
    if swap:
        g[1], g[2], g[3], g[4] = q[3], q[4], q[1], q[2]
    if mirror1:
        g[1], g[2] = -g[1], PI - g[2]
    if mirror2:
        g[3], g[4] = -g[3], PI - g[4]
    if shift:
        g[2] += PI
        g[4] += PI
    return g


@njit(cache=True, nogil=True)
def align_regression(a, b):
    """(the symmetry copy of ``b`` nearest to ``a``, that distance), phases unwrapped to the
    nearest multiple of 2π."""
    best = b.copy()
    best_d = np.inf
    for e in range(16):
        g = _group_element(b, e & 1, (e >> 1) & 1, (e >> 2) & 1, (e >> 3) & 1)
        for k in (2, 4):
            g[k] -= TWO_PI * np.round((g[k] - a[k]) / TWO_PI)
        d = 0.0
        for i in range(5):
            d += (a[i] - g[i]) * (a[i] - g[i])
        if d < best_d:
            best_d = d
            best = g
    return best, np.sqrt(best_d)

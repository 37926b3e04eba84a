"""Align two networks before interpolating between them: choose the hidden-unit permutation and
sign flips of B that bring it closest to A, so a band between minima does not cross a needless
symmetry barrier. Per hidden layer from the input side, an optimal assignment (Hungarian) on
the units' in-weights and bias (plus out-weights in the last hidden layer), each match
allowing a sign flip."""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import Model


def align(model: Model, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The symmetry-equivalent copy of ``b`` nearest to ``a`` (free-parameter vectors).

    Models without interchangeable units (locality, regression, user models) return ``b``.
    """
    if not model.is_network or model.spec.locality is not None:
        return np.array(b, float)
    A = model.layers(a)
    B = model.layers(b)
    for l in range(len(A) - 1):
        # in-weights (already aligned on the input side) and bias; out-weights only where they
        # lead to the fixed output units
        last = l == len(A) - 2
        ua = np.hstack([A[l]["W"], A[l]["b"][:, None]] + ([A[l + 1]["W"].T] if last else []))
        ub = np.hstack([B[l]["W"], B[l]["b"][:, None]] + ([B[l + 1]["W"].T] if last else []))
        plus = ((ua[:, None, :] - ub[None, :, :]) ** 2).sum(-1)
        minus = ((ua[:, None, :] + ub[None, :, :]) ** 2).sum(-1)
        rows, cols = linear_sum_assignment(np.minimum(plus, minus))
        perm = cols[np.argsort(rows)]
        sign = np.where(minus[np.arange(len(perm)), perm] < plus[np.arange(len(perm)), perm], -1.0, 1.0)
        B[l]["W"] = B[l]["W"][perm] * sign[:, None]
        B[l]["b"] = B[l]["b"][perm] * sign
        B[l + 1]["W"] = B[l + 1]["W"][:, perm] * sign[None, :]
    full = np.concatenate([np.concatenate([d["W"].ravel(), d["b"]]) for d in B])
    return full[model.free]

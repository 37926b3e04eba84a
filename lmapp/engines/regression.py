"""Jitted kernels for the nonlinear regression model of seed 001 §IV.

y(x; q) = exp(−q1 x) sin(q2 x + q3) sin(q4 x + q5), E(q) = Σ_i (t_i − y(x_i; q))².
``args = (x, t)`` with x (N,) inputs and t (N,) targets; the Hessian is analytic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

N_PARAMS = 5


@njit(cache=True, nogil=True)
def _terms(q, x):
    """Model value and its first and second derivatives in q at one input x."""
    e = np.exp(-q[0] * x)
    s1 = np.sin(q[1] * x + q[2])
    c1 = np.cos(q[1] * x + q[2])
    s2 = np.sin(q[3] * x + q[4])
    c2 = np.cos(q[3] * x + q[4])
    y = e * s1 * s2
    # d/dq of the three factors: f1 = e (q1), f2 = s1 (q2, q3), f3 = s2 (q4, q5)
    d = np.empty(5)
    d[0] = -x * y
    d[1] = e * x * c1 * s2
    d[2] = e * c1 * s2
    d[3] = e * s1 * x * c2
    d[4] = e * s1 * c2
    h = np.empty((5, 5))
    # ∂f/∂q_a for each factor and the chain rule for second derivatives
    da = np.array([-x, x, 1.0, x, 1.0])  # inner derivative of each parameter's own factor
    fac = np.array([0, 1, 1, 2, 2])
    vals = np.array([e, s1, s2])
    dvals = np.array([e, c1, c2])  # derivative of each factor w.r.t. its own argument
    ddvals = np.array([e, -s1, -s2])
    for a in range(5):
        for b in range(5):
            fa = fac[a]
            fb = fac[b]
            if fa == fb:
                prod = ddvals[fa] * da[a] * da[b]
                for o in range(3):
                    if o != fa:
                        prod *= vals[o]
            else:
                prod = dvals[fa] * da[a] * dvals[fb] * da[b]
                for o in range(3):
                    if o != fa and o != fb:
                        prod *= vals[o]
            h[a, b] = prod
    return y, d, h


@njit(cache=True, nogil=True)
def model(q, x):
    """Model predictions y(x; q) for an array of inputs."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.exp(-q[0] * x[i]) * np.sin(q[1] * x[i] + q[2]) * np.sin(q[3] * x[i] + q[4])
    return out


@njit(cache=True, nogil=True)
def fg(q, args):
    """Least-squares error and gradient."""
    x, t = args
    E = 0.0
    g = np.zeros(5)
    for i in range(x.shape[0]):
        y, d, _ = _terms(q, x[i])
        r = y - t[i]
        E += r * r
        for a in range(5):
            g[a] += 2.0 * r * d[a]
    return E, g


@njit(cache=True, nogil=True)
def hessian(q, args):
    """Exact Hessian 2 Σ (d dᵀ + r ∂²y)."""
    x, t = args
    H = np.zeros((5, 5))
    for i in range(x.shape[0]):
        y, d, h = _terms(q, x[i])
        r = y - t[i]
        for a in range(5):
            for b in range(5):
                H[a, b] += 2.0 * (d[a] * d[b] + r * h[a, b])
    return H


@njit(cache=True, nogil=True)
def hvp(q, v, args):
    """Exact Hessian-vector product (the Hessian is only 5×5)."""
    return hessian(q, args) @ v

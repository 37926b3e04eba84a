"""Quench with a second-order finish: L-BFGS to a loose gradient, then Newton steps on the exact
Hessian, which converge quadratically where L-BFGS crawls through the ill-conditioned tail
(seed-000's spiral landscape: ~400 L-BFGS iterations per quench become ~20 plus a few Newton
steps).

A Newton step is taken only where the Hessian is positive definite (zero modes of a symmetry,
|h| tiny against the largest eigenvalue, are left out) and only if it lowers the loss (or, at
round-off level, the gradient); otherwise L-BFGS is asked for a ten times smaller gradient and
Newton tried again. So the quench descends into the same basin as plain L-BFGS and ends at a
point with RMS gradient < gtol, verified afterwards by the Hessian like any other. Beyond
NEWTON_MAX_PARAMS parameters (an eigendecomposition per step) and for loose tolerances the quench
is plain L-BFGS.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .lbfgs import rms

#: RMS gradient at which L-BFGS first hands over to Newton
SWITCH_GTOL = 1e-3
#: up to this many parameters the quench finishes with Newton steps
NEWTON_MAX_PARAMS = 400
#: Newton steps per hand-over, before L-BFGS is asked for a smaller gradient
NEWTON_STEPS = 8
#: eigenvalues with |h| ≤ ZERO_CURVATURE · max|h| are zero modes (not stepped along)
ZERO_CURVATURE = 1e-12
#: a step may raise the loss by this much relative to (1 + |f|) if it lowers the gradient
ROUNDOFF = 1e-12


def FG(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def HESS(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort):  # placeholder: the kit's
    raise NotImplementedError


@njit(cache=True, nogil=True)
def newton_step(H, g, max_step):
    """The Newton step −H⁻¹g (zero modes left out), capped at ``max_step`` in norm; None-like
    (an empty array) where H has a negative or zero curvature that is not a zero mode."""
    vals, V = np.linalg.eigh(H)
    top = max(abs(vals[0]), abs(vals[-1]))
    tiny = ZERO_CURVATURE * top
    if vals[0] < -tiny or top == 0.0:
        return np.empty(0)
    c = V.T @ np.ascontiguousarray(g)
    for i in range(vals.shape[0]):
        c[i] = 0.0 if vals[i] <= tiny else -c[i] / vals[i]
    s = V @ c
    ns = np.sqrt(np.dot(s, s))
    if ns > max_step:
        s *= max_step / ns
    return s


def newton_steps_template(x, f, args, gtol, max_step, n_steps, abort):
    """Up to ``n_steps`` accepted Newton steps from x; returns (x, f, rms, steps taken)."""
    f, g = FG(x, args)
    r = rms(g)
    k = 0
    while k < n_steps and r >= gtol and abort[0] == 0:
        s = newton_step(HESS(x, args), g, max_step)
        if s.shape[0] == 0:
            break
        xn = x + s
        fn, gn = FG(xn, args)
        rn = rms(gn)
        if not np.isfinite(fn) or not (fn < f or (fn <= f + ROUNDOFF * (1.0 + abs(f)) and rn < r)):
            break
        x, f, g, r = xn, fn, gn, rn
        k += 1
    return x, f, r, k


def NEWTON(x, f, args, gtol, max_step, n_steps, abort):  # placeholder: the kit's newton_steps
    raise NotImplementedError


def quench_template(x0, args, gtol, max_iter, m, max_step, max_rise, abort):
    """Minimise from ``x0`` to RMS gradient < ``gtol``: the same arguments and results as
    :func:`lmapp.engines.lbfgs.lbfgs_template` (iterations count L-BFGS and Newton steps)."""
    if x0.shape[0] > NEWTON_MAX_PARAMS or gtol >= SWITCH_GTOL:
        return LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort)
    target = SWITCH_GTOL
    x, f, r, it, _ = LBFGS(x0, args, target, max_iter, m, max_step, max_rise, abort)
    while r >= gtol and it < max_iter and abort[0] == 0:
        x, f, r, k = NEWTON(x, f, args, gtol, max_step, NEWTON_STEPS, abort)
        it += k
        if r < gtol or abort[0] != 0:
            break
        target = max(0.1 * min(target, r), gtol)  # L-BFGS goes further down, then Newton again
        x, f, r, k, _ = LBFGS(x, args, target, max_iter - it, m, max_step, max_rise, abort)
        it += k
    return x, f, r, it, r < gtol

"""Quench with a second-order finish: L-BFGS, which at a few points of its descent tries to
finish with Newton steps on the exact Hessian; these converge quadratically where L-BFGS crawls
through the ill-conditioned tail (seed-000's spiral landscape: ~590 L-BFGS iterations per quench
become ~110, Newton steps included; with 10 hidden units ~2,500 become ~60).

The try is speculative, so that the quench ends where plain L-BFGS would: each time its RMS
gradient halved below SWITCH_GTOL, L-BFGS asks; a finish is tried only where the Hessian is
positive definite (zero modes of a symmetry, |h| tiny against the largest eigenvalue, aside)
and its quadratic model predicts at most DECREASE_LIMIT further decrease; it is kept only if it
reaches ``gtol`` having lowered the loss by no more than TRUST times that prediction, within
MISS of where the first step pointed (the model held). Otherwise L-BFGS goes on from where it
asked, its memory intact, exactly as without the try. Newton steps are capped at the L-BFGS
step and halved until the loss falls. (GMIN's L-BFGS may rise by max_rise and so, rarely, leave
the convex basin a kept finish converged in: then the two end in different minima, both
verified.) The point is verified by its Hessian afterwards like any other. Beyond
NEWTON_MAX_PARAMS parameters (an eigendecomposition per step) and for loose tolerances the
quench is plain L-BFGS.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .lbfgs import rms

#: RMS gradient below which L-BFGS asks whether a Newton finish may be tried
SWITCH_GTOL = 1e-3
#: up to this many parameters the quench tries Newton finishes
NEWTON_MAX_PARAMS = 400
#: most Newton steps of one try, and halvings of one step
NEWTON_STEPS, BACKTRACKS = 30, 10
#: a try starts only where the quadratic model predicts at most this further decrease
DECREASE_LIMIT = 1e-2
#: a finished try is kept only if the loss fell by at most TRUST × the predicted decrease
TRUST = 3.0
#: ... and if it ended within MISS × the length of the first Newton step of where that step led
MISS = 0.5
#: eigenvalues with |h| ≤ ZERO_CURVATURE · max|h| are zero modes (not stepped along)
ZERO_CURVATURE = 1e-12
#: a step may raise the loss by this much relative to (1 + |f|) if it lowers the gradient
ROUNDOFF = 1e-12


def FG(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def HESS(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort):  # placeholder: plain L-BFGS
    raise NotImplementedError


def TRYING_LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort):  # placeholder: the
    raise NotImplementedError  # L-BFGS whose FINISH is newton_finish_template


@njit(cache=True, nogil=True)
def newton_step(H, g):
    """The Newton step −H⁻¹g (zero modes left out); None-like (an empty array) where H has a
    negative or zero curvature that is not a zero mode."""
    vals, V = np.linalg.eigh(H)
    top = max(abs(vals[0]), abs(vals[-1]))
    tiny = ZERO_CURVATURE * top
    if vals[0] < -tiny or top == 0.0:
        return np.empty(0)
    c = V.T @ np.ascontiguousarray(g)
    for i in range(vals.shape[0]):
        c[i] = 0.0 if vals[i] <= tiny else -c[i] / vals[i]
    return V @ c


@njit(cache=True, nogil=True)
def capped(s, max_step):
    """``s`` scaled down to norm ``max_step`` if longer (a copy)."""
    ns = np.sqrt(np.dot(s, s))
    return s * (max_step / ns) if ns > max_step else s.copy()


def newton_steps_template(x, f, g, s, args, gtol, max_step, n_steps, abort):
    """Up to ``n_steps`` damped Newton steps from x, where the loss is f, the gradient g and
    the Newton step s (each step capped at ``max_step`` and halved up to BACKTRACKS times until
    it lowers the loss); returns (x, f, rms, steps taken)."""
    r = rms(g)
    k = 0
    while k < n_steps and r >= gtol and abort[0] == 0:
        if k > 0:
            s = newton_step(HESS(x, args), g)
            if s.shape[0] == 0:
                break
        s = capped(s, max_step)
        accepted = False
        for _ in range(BACKTRACKS):
            xn = x + s
            fn, gn = FG(xn, args)
            rn = rms(gn)
            if np.isfinite(fn) and (fn < f or (fn <= f + ROUNDOFF * (1.0 + abs(f)) and rn < r)):
                accepted = True
                break
            s *= 0.5
        if not accepted:
            break
        x, f, g, r = xn, fn, gn, rn
        k += 1
    return x, f, r, k


def NEWTON(x, f, g, s, args, gtol, max_step, n_steps, abort):  # placeholder: the kit's
    raise NotImplementedError  # newton_steps_template


def newton_finish_template(x, f, g, args, gtol, max_step, abort):
    """A speculative finish from x (see the module): (kept, x, f, rms, Newton steps)."""
    g = np.ascontiguousarray(g)
    s = newton_step(HESS(x, args), g)
    if s.shape[0] == 0:
        return False, x, f, np.inf, 0
    predicted = -0.5 * np.dot(g, s)
    if predicted > DECREASE_LIMIT:
        return False, x, f, np.inf, 0
    xn, fn, rn, k = NEWTON(x, f, g, s, args, gtol, max_step, NEWTON_STEPS, abort)
    miss = xn - x - s  # where the steps ended against where the first model said
    kept = (
        rn < gtol
        and f - fn <= TRUST * predicted + ROUNDOFF * (1.0 + abs(f))
        and np.dot(miss, miss) <= (MISS * MISS) * np.dot(s, s)
    )
    return kept, xn, fn, rn, k


def quench_template(x0, args, gtol, max_iter, m, max_step, max_rise, abort):
    """Minimise from ``x0`` to RMS gradient < ``gtol``: the same arguments and results as
    :func:`lmapp.engines.lbfgs.lbfgs_template` (iterations count L-BFGS and Newton steps)."""
    if x0.shape[0] > NEWTON_MAX_PARAMS or gtol >= SWITCH_GTOL:
        return LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort)
    return TRYING_LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort)

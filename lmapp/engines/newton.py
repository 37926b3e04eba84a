"""Quench with a second-order finish: L-BFGS until the exact Hessian is positive definite and
its quadratic model predicts only a small further decrease, then Newton steps, which converge
quadratically where L-BFGS crawls through the ill-conditioned tail (seed-000's spiral
landscape: ~590 L-BFGS iterations per quench become ~170, Newton steps included).

L-BFGS asks (each time its RMS gradient halved below SWITCH_GTOL) and hands over, keeping its
own path until then, so the quench ends in the minimum plain L-BFGS reaches. Zero modes of a
symmetry (|h| tiny against the largest eigenvalue) are left out of a Newton step; a step is
capped at the L-BFGS step limit and halved until it lowers the loss (or, at round-off level,
the gradient). Where Newton stops short of ``gtol`` (it stepped out of the convex region),
L-BFGS goes on and asks again (HANDOVERS times, then plain L-BFGS ends the quench). The point
is verified by its Hessian afterwards like any other. Beyond NEWTON_MAX_PARAMS parameters (an
eigendecomposition per step) and for loose tolerances the quench is plain L-BFGS.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .lbfgs import rms

#: RMS gradient below which L-BFGS asks whether Newton can take over
SWITCH_GTOL = 1e-3
#: up to this many parameters the quench finishes with Newton steps
NEWTON_MAX_PARAMS = 400
#: most Newton steps per hand-over, and halvings of one step
NEWTON_STEPS, BACKTRACKS = 30, 10
#: hand-overs (Newton stepped out of the convex region: L-BFGS again) before plain L-BFGS ends
HANDOVERS = 4
#: Newton takes over where its quadratic model predicts at most this much further decrease of
#: the loss: a larger prediction means the quench is still descending a plateau, where a long
#: Newton step could cross into another basin than L-BFGS would reach
DECREASE_LIMIT = 1e-4
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


def HANDING_LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort):  # placeholder: the
    raise NotImplementedError  # L-BFGS that stops where ready_template says so


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


def ready_template(x, g, args, max_step):
    """Whether Newton takes over at x: a positive definite Hessian (but zero modes) whose
    Newton step predicts a decrease of at most DECREASE_LIMIT."""
    s = newton_step(HESS(x, args), g, np.inf)
    return s.shape[0] > 0 and -0.5 * np.dot(np.ascontiguousarray(g), s) <= DECREASE_LIMIT


def newton_steps_template(x, f, args, gtol, max_step, n_steps, abort):
    """Up to ``n_steps`` damped Newton steps from x (each halved up to BACKTRACKS times until
    it lowers the loss); returns (x, f, rms, steps taken)."""
    f, g = FG(x, args)
    r = rms(g)
    k = 0
    while k < n_steps and r >= gtol and abort[0] == 0:
        s = newton_step(HESS(x, args), g, max_step)
        if s.shape[0] == 0:
            break
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


def NEWTON(x, f, args, gtol, max_step, n_steps, abort):  # placeholder: the kit's newton_steps
    raise NotImplementedError


def quench_template(x0, args, gtol, max_iter, m, max_step, max_rise, abort):
    """Minimise from ``x0`` to RMS gradient < ``gtol``: the same arguments and results as
    :func:`lmapp.engines.lbfgs.lbfgs_template` (iterations count L-BFGS and Newton steps)."""
    if x0.shape[0] > NEWTON_MAX_PARAMS or gtol >= SWITCH_GTOL:
        return LBFGS(x0, args, gtol, max_iter, m, max_step, max_rise, abort)
    x, f, r, it = x0, 0.0, np.inf, 0
    for _ in range(HANDOVERS):
        x, f, r, k, _ = HANDING_LBFGS(x, args, gtol, max_iter - it, m, max_step, max_rise, abort)
        it += k
        if r < gtol or it >= max_iter or abort[0] != 0:
            return x, f, r, it, r < gtol
        x, f, r, k = NEWTON(x, f, args, gtol, max_step, NEWTON_STEPS, abort)
        it += k
        if r < gtol or abort[0] != 0:
            return x, f, r, it, r < gtol
    x, f, r, k, _ = LBFGS(x, args, gtol, max(max_iter - it, 0), m, max_step, max_rise, abort)
    return x, f, r, it + k, r < gtol

"""Quench with a second-order finish: L-BFGS, which at a few points of its descent tries to
finish with Newton steps on the exact Hessian; these converge quadratically where L-BFGS crawls
through the ill-conditioned tail (seed-000's spiral landscape: ~590 L-BFGS iterations per quench
become ~110, Newton steps included; with 10 hidden units ~2,500 become ~60).

The try is speculative, so that the quench ends where plain L-BFGS would: each time its RMS
gradient halved below SWITCH_GTOL (or halved from where it grew RETRY_GROWTH-fold past the last
try, as in a quench pushed off a saddle), L-BFGS asks; a finish is tried only where the Hessian is
positive definite (zero modes of a symmetry, |h| tiny against the largest eigenvalue, aside)
and its quadratic model predicts at most DECREASE_LIMIT further decrease; it is kept only if it
reaches ``gtol`` having lowered the loss by no more than TRUST times that prediction, within
MISS of where the first step pointed (the model held). Otherwise L-BFGS goes on from where it
asked, its memory intact, exactly as without the try. Newton steps are capped at the L-BFGS
step and halved until the loss falls; a Hessian's Cholesky factorisation serves the steps after
it while they walk down a soft valley (capped) or converge fast, so a finish costs a few
Hessians, not one per step. (GMIN's L-BFGS may rise by max_rise and so, rarely, leave
the convex basin a kept finish converged in: then the two end in different minima, both
verified.) The point is verified by its Hessian afterwards like any other. Beyond
NEWTON_MAX_PARAMS parameters (a dense Hessian and its factorisation) and for loose tolerances the
quench is plain L-BFGS.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .lbfgs import rms

#: RMS gradient below which L-BFGS asks whether a Newton finish may be tried
SWITCH_GTOL = 1e-3
#: up to this many parameters the quench tries Newton finishes
NEWTON_MAX_PARAMS = 400
#: most Newton steps of one try, and halvings of one step
NEWTON_STEPS, BACKTRACKS = 50, 10
#: a try starts only where the quadratic model predicts at most this further decrease
DECREASE_LIMIT = 1e-2
#: a finished try is kept only if the loss fell by at most TRUST × the predicted decrease
TRUST = 3.0
#: ... and if it ended within MISS × the length of the first Newton step of where that step led
MISS = 0.5
#: eigenvalues with |h| ≤ ZERO_CURVATURE · max|h| are zero modes (not stepped along)
ZERO_CURVATURE = 1e-12
#: a Cholesky pivot at most PIVOT_FLOOR · max|H_ii| leaves the step to the eigenvalues
PIVOT_FLOOR = 1e-9
#: a step's factorisation serves the next step too if the step was capped (and not halved) or
#: cut the RMS gradient at least REUSE-fold: a long walk down a soft valley costs a few Hessians
REUSE = 4.0
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


class NewtonFactor(NamedTuple):
    """A Hessian factorised for Newton steps: its Cholesky factor L where it is clearly
    positive definite, else its eigenvalues and eigenvectors (``vals``, ``V``); ``ok`` is
    False where it has a negative or zero curvature that is not a zero mode (no step)."""

    ok: bool
    L: np.ndarray
    vals: np.ndarray
    V: np.ndarray


@njit(cache=True, nogil=True)
def _cholesky(H):
    """(L, verdict) of symmetric H: verdict 0 where H = LLᵀ with every pivot above
    PIVOT_FLOOR × max|H_ii|, 1 where a pivot proves an eigenvalue below −ZERO_CURVATURE·‖H‖_F
    (so below −ZERO_CURVATURE × the largest |eigenvalue|), 2 where only the eigenvalues tell."""
    n = H.shape[0]
    L = np.zeros((n, n))
    top = 0.0
    frob = 0.0
    for i in range(n):
        top = max(top, abs(H[i, i]))
        for j in range(n):
            frob += H[i, j] * H[i, j]
    floor = PIVOT_FLOOR * top
    for j in range(n):
        for i in range(j, n):
            t = H[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            if i == j:
                if not t > floor:
                    if t < 0.0:
                        # v = (−H_j⁻¹h, 1, 0…) has vᵀHv = t, so λ_min ≤ t / ‖v‖²
                        u = L[j, :j].copy()
                        for k in range(j - 1, -1, -1):
                            u[k] /= L[k, k]
                            for k2 in range(k):
                                u[k2] -= L[k, k2] * u[k]
                        if t / (1.0 + np.dot(u, u)) < -ZERO_CURVATURE * np.sqrt(frob):
                            return L, 1
                    return L, 2
                d = np.sqrt(t)
                L[j, j] = d
            else:
                L[i, j] = t / L[j, j]
    return L, 0


@njit(cache=True, nogil=True)
def newton_factor(H):
    """H factorised for Newton steps (see :class:`NewtonFactor`): by Cholesky, which costs a
    fraction of an eigendecomposition, falling back to the eigenvalues where the factorisation
    cannot tell zero modes from curvature."""
    empty = np.empty((0, 0))
    no_vectors = empty.T  # eigh's eigenvectors are Fortran-ordered
    L, verdict = _cholesky(H)
    if verdict == 0:
        return NewtonFactor(True, L, np.empty(0), no_vectors)
    if verdict == 1:
        return NewtonFactor(False, empty, np.empty(0), no_vectors)
    vals, V = np.linalg.eigh(H)
    top = max(abs(vals[0]), abs(vals[-1]))
    ok = not (vals[0] < -ZERO_CURVATURE * top or top == 0.0)
    return NewtonFactor(ok, empty, vals, V)


@njit(cache=True, nogil=True)
def newton_solve(factor, g):
    """The Newton step −H⁻¹g of a usable factorisation (zero modes left out)."""
    L, vals, V = factor.L, factor.vals, factor.V
    n = g.shape[0]
    if L.shape[0] == n:
        s = np.empty(n)
        for i in range(n):  # L u = −g
            t = -g[i]
            for k in range(i):
                t -= L[i, k] * s[k]
            s[i] = t / L[i, i]
        for i in range(n - 1, -1, -1):  # Lᵀ s = u
            t = s[i]
            for k in range(i + 1, n):
                t -= L[k, i] * s[k]
            s[i] = t / L[i, i]
        return s
    tiny = ZERO_CURVATURE * max(abs(vals[0]), abs(vals[-1]))
    c = V.T @ np.ascontiguousarray(g)
    for i in range(n):
        c[i] = 0.0 if vals[i] <= tiny else -c[i] / vals[i]
    return V @ c


def newton_steps_template(x, f, g, factor, args, gtol, max_step, n_steps, abort):
    """Up to ``n_steps`` damped Newton steps from x, where the loss is f, the gradient g and
    the Hessian's factorisation ``factor``: each step is capped at ``max_step`` and halved up
    to BACKTRACKS times until it lowers the loss; the Hessian is recomputed where the last
    factorisation stopped serving (see REUSE). Returns (x, f, rms, steps taken)."""
    r = rms(g)
    k = 0
    while k < n_steps and r >= gtol and abort[0] == 0:
        s = newton_solve(factor, g)
        ns = np.sqrt(np.dot(s, s))
        long = ns > max_step
        if long:
            s *= max_step / ns
        accepted = False
        for _ in range(BACKTRACKS):
            xn = x + s
            fn, gn = FG(xn, args)
            rn = rms(gn)
            if np.isfinite(fn) and (fn < f or (fn <= f + ROUNDOFF * (1.0 + abs(f)) and rn < r)):
                accepted = True
                break
            s *= 0.5
            long = False  # a halved step: the model no longer held
        if not accepted:
            break
        reuse = long or REUSE * rn <= r
        x, f, g, r = xn, fn, gn, rn
        k += 1
        if not reuse and r >= gtol:
            factor = newton_factor(HESS(x, args))
            if not factor.ok:
                break
    return x, f, r, k


def NEWTON(x, f, g, factor, args, gtol, max_step, n_steps, abort):  # placeholder: the kit's
    raise NotImplementedError  # newton_steps_template


def newton_finish_template(x, f, g, args, gtol, max_step, abort):
    """A speculative finish from x (see the module): (kept, x, f, rms, Newton steps)."""
    g = np.ascontiguousarray(g)
    factor = newton_factor(HESS(x, args))
    if not factor.ok:
        return False, x, f, np.inf, 0
    s = newton_solve(factor, g)
    predicted = -0.5 * np.dot(g, s)
    if predicted > DECREASE_LIMIT:
        return False, x, f, np.inf, 0
    xn, fn, rn, k = NEWTON(x, f, g, factor, args, gtol, max_step, NEWTON_STEPS, abort)
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

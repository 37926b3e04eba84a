"""GMIN-style limited-memory BFGS minimiser, jitted and generic over the objective.

GMIN's variant (Nocedal's two-loop recursion, capped step length, energy-rise check instead of
a line search) is used because basin-hopping and data-generation results depend on the
minimiser: small memory and a capped step keep quenches inside the starting basin.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: An abort flag that is never raised, for callers that do not cancel.
NO_ABORT = np.zeros(1, np.uint8)

#: Default settings, exposed so that CLI/GUI parameter editors show the engine's own values.
LBFGS_DEFAULTS = {"gtol": 1e-8, "max_iter": 20000, "m": 10, "max_step": 1.0, "max_rise": 1e-4}
#: Growth of the initial inverse-Hessian scaling after a step of negative curvature.
NEGATIVE_CURVATURE_GROWTH = 10.0


@njit(cache=True, nogil=True)
def rms(g: np.ndarray) -> float:
    """Root-mean-square of a gradient, ‖g‖/√P: the convergence measure used everywhere."""
    s = 0.0
    for i in range(g.shape[0]):
        s += g[i] * g[i]
    return np.sqrt(s / max(g.shape[0], 1))


@njit(cache=True, nogil=True)
def two_loop(g, S, Y, rho, alpha, k, head, diag, d):
    """Nocedal's two-loop recursion: d = −H·g from the k newest (s, y) pairs in the ring
    buffers S, Y (next slot ``head``) and the initial scaling ``diag``; alpha is workspace."""
    m = S.shape[0]
    n = g.shape[0]
    for i in range(n):
        d[i] = -g[i]
    for j in range(k):
        idx = (head - 1 - j) % m
        a = 0.0
        for i in range(n):
            a += S[idx, i] * d[i]
        a *= rho[idx]
        alpha[idx] = a
        for i in range(n):
            d[i] -= a * Y[idx, i]
    for i in range(n):
        d[i] *= diag
    for j in range(k - 1, -1, -1):
        idx = (head - 1 - j) % m
        b = 0.0
        for i in range(n):
            b += Y[idx, i] * d[i]
        b *= rho[idx]
        c = alpha[idx] - b
        for i in range(n):
            d[i] += c * S[idx, i]


def FG(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


@njit(cache=True, nogil=True)
def no_finish(x, f, g, args, gtol, max_step, abort):
    """The plain minimiser's finish: none (see FINISH_GTOL)."""
    return False, x, f, np.inf, 0


FINISH = no_finish  # rebound to a second-order finish (lmapp.engines.newton)

#: below this RMS gradient FINISH is tried (each time the gradient halved) and kept if it says
#: so; 0 in the plain minimiser (rebound by the kit for the quench with a Newton finish)
FINISH_GTOL = 0.0
#: a gradient this many times the next try's threshold resets that threshold (to half of it)
RETRY_GROWTH = 100.0


def lbfgs_template(x0, args, gtol, max_iter, m, max_step, max_rise, abort):
    """Minimise ``FG(x, args) -> (f, g)`` from ``x0`` (compiled per objective by the kit).

    ``abort`` is a uint8[1] flag another thread may set: the minimiser then stops at once
    (unconverged), so cancelling never waits for a long quench.

    Returns ``(x, f, rms_grad, n_iter, converged)``; converged means RMS gradient < ``gtol``.
    A step is scaled down to at most ``max_step`` in norm; a step that raises f by more than
    ``max_rise`` is shrunk tenfold (up to ten times) and then the memory is reset. Below
    ``FINISH_GTOL`` a second-order ``FINISH`` is tried now and then; its result is returned
    if it is kept, else the iteration goes on untouched.
    """
    n = x0.shape[0]
    x = x0.copy()
    f, g = FG(x, args)
    S = np.zeros((m, n))
    Y = np.zeros((m, n))
    rho = np.zeros(m)
    alpha = np.zeros(m)
    d = np.empty(n)
    k = 0  # number of stored pairs
    head = 0  # slot of the next pair
    diag = 0.1  # initial inverse-Hessian scaling (GMIN's DGUESS)
    it = 0
    r = rms(g)
    try_below = FINISH_GTOL
    while r >= gtol and it < max_iter and abort[0] == 0:
        if r < try_below:
            kept, xf, ff, rf, kf = FINISH(x, f, g, args, gtol, max_step, abort)
            if kept:
                return xf, ff, rf, it + kf, True
            it += kf
            try_below = 0.5 * r
        it += 1
        two_loop(g, S, Y, rho, alpha, k, head, diag, d)
        slope = 0.0
        dn = 0.0
        for i in range(n):
            slope += d[i] * g[i]
            dn += d[i] * d[i]
        if slope > 0.0:  # not a descent direction: reverse it (as GMIN does)
            for i in range(n):
                d[i] = -d[i]
        dn = np.sqrt(dn)
        scale = 1.0
        if dn * scale > max_step:
            scale = max_step / dn
        # energy-rise check
        accepted = False
        for _ in range(10):
            xn = x + scale * d
            fn, gn = FG(xn, args)
            if fn - f <= max_rise and np.isfinite(fn):
                accepted = True
                break
            scale *= 0.1
        if not accepted:
            k = 0
            head = 0
            diag = 0.1
            continue
        # update memory
        sy = 0.0
        yy = 0.0
        for i in range(n):
            s_i = xn[i] - x[i]
            y_i = gn[i] - g[i]
            S[head, i] = s_i
            Y[head, i] = y_i
            sy += s_i * y_i
            yy += y_i * y_i
        x = xn
        f = fn
        g = gn
        r = rms(g)
        if r > RETRY_GROWTH * try_below:  # far above the last try's gradient (a quench pushed
            try_below = min(FINISH_GTOL, 0.5 * r)  # off a saddle starts tiny): halve anew
        if sy > 1e-300 and yy > 0.0:
            rho[head] = 1.0 / sy
            head = (head + 1) % m
            if k < m:
                k += 1
            diag = sy / yy
        elif k == 0:
            # negative curvature along the step and no memory yet (e.g. just off a saddle):
            # the pair is skipped, keeping the inverse Hessian positive definite, and the
            # next steepest-descent step is made longer instead of creeping downhill
            diag *= NEGATIVE_CURVATURE_GROWTH
    return x, f, r, it, r < gtol

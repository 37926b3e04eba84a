"""Hybrid eigenvector-following (SPEC §2.4): refine a transition-state candidate by stepping
uphill along the lowest Hessian mode and minimising in the space orthogonal to it.

The lowest mode comes from the exact Hessian (``np.linalg.eigh``) for up to ``exact_limit``
parameters, else from a restarted Lanczos iteration on Hessian-vector products (the
Rayleigh–Ritz minimum over a Krylov space, which needs no P×P matrix). The uphill step is the
eigenvector-following step 2g∥/(|λ|(1 + √(1 + 4g∥²/λ²))) (a maximisation step that is exact for
a quadratic), capped by a trust radius that grows or shrinks with the ratio of the actual to
the predicted energy change; where the lowest curvature is still positive the step is the
full trust radius uphill. The orthogonal minimisation is a few L-BFGS steps with projected
gradients and steps; its memory is kept from one uphill step to the next while the mode
turns little, which on soft landscapes (spiral nets, λ = 1e−5) is what lets it converge.
The engine only reports gradient convergence: whether the result is a transition state
(exactly one negative eigenvalue) is checked by the caller on the exact Hessian.

Where the exact Hessian is cheap (up to ``exact_limit`` parameters) the tail is finished the
way a quench's is by Newton steps: once the point has exactly one negative eigenvalue and its
RMS gradient fell below EF_SWITCH_RMS (and halved since the last try), eigenvector-following
in every mode of the exact Hessian at once (:func:`ef_finish_template`: uphill along the
lowest, downhill along the others) is tried; it converges quadratically in tens of cheap steps
where the hybrid scheme spends hundreds of tangent L-BFGS steps on soft modes. The try is kept
only if it converges on a point of index 1; otherwise the hybrid scheme goes on from where it
was, as without the try.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .lbfgs import rms, two_loop
from .spectrum import classify_spectrum

#: Default HEF settings (OPTIM-style names), shown by CLI/GUI parameter editors.
HEF_DEFAULTS = {
    "exact_limit": 200,
    "ts_tol": 1e-7,
    "max_steps": 200,
    "trust": 0.1,
    "max_trust": 0.5,
    "n_tangent": 10,
    "n_tangent_conv": 100,
    "m": 10,
    "max_tangent_step": 0.1,
    "max_rise": 1e-4,
    "eig_tol": 1e-8,
    "lanczos_dim": 30,
}


#: Overlap of successive modes below which the orthogonal L-BFGS memory is discarded.
MODE_OVERLAP = 0.9
#: An exact eigenvector-following finish is tried below this RMS gradient (and each time it
#: halved since the last try), with at most EF_FINISH_STEPS steps.
EF_SWITCH_RMS, EF_FINISH_STEPS = 1e-3, 30
#: Curvatures with |b| ≤ EF_ZERO_CURVATURE · max|b| are zero modes (no step along them).
EF_ZERO_CURVATURE = 1e-12
#: Eigenvalues below −INDEX_ZERO_TOL count as negative where the finish checks the index (the
#: verification's default zero-mode tolerance; the caller verifies every result anyway).
INDEX_ZERO_TOL = 1e-9


def FG(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def HESS(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def HVP(x, v, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def MODE(x, v0, args, exact_limit, eig_tol, dim):
    raise NotImplementedError  # placeholder: lowest_mode_template, compiled by the kit


def EF_FINISH(x0, args, ts_tol, max_steps, trust, max_trust, abort):
    raise NotImplementedError  # placeholder: ef_finish_template, compiled by the kit


def TANGENT(x, f, g, v, args, n_steps, S, Y, rho, mem, max_step, max_rise, tol, abort):
    raise NotImplementedError  # placeholder: tangent_min_template, compiled by the kit


@njit(cache=True, nogil=True)
def ef_step(F, b):
    """The eigenvector-following step uphill along a mode of curvature b ≠ 0 where the gradient
    along it is F: 2F/(|b|(1 + √(1 + 4F²/b²))) (−F/b near a maximum along it; its negative is
    the step downhill)."""
    return 2.0 * F / (abs(b) * (1.0 + np.sqrt(1.0 + 4.0 * F * F / (b * b))))


@njit(cache=True, nogil=True)
def trust_after(ratio, trust, min_trust, max_trust):
    """The trust radius after a step whose loss change was ``ratio`` × the quadratic model's:
    grown 1.2-fold where the model held (0.8–1.25), halved where it did not (< 0.5 or > 2)."""
    if 0.8 < ratio < 1.25:
        return min(1.2 * trust, max_trust)
    if ratio < 0.5 or ratio > 2.0:
        return max(0.5 * trust, min_trust)
    return trust


def hvp_from_hessian_template(x, v, args):
    """Hessian-vector product through the full Hessian, for objectives without an HVP."""
    return HESS(x, args) @ v


@njit(cache=True, nogil=True)
def start_vector(v0):
    """Unit start vector: ``v0`` if nonzero, else a fixed vector with no special symmetry."""
    n = v0.shape[0]
    nv = np.sqrt(v0 @ v0)
    if nv > 0.0:
        return v0 / nv
    v = np.empty(n)
    for i in range(n):
        v[i] = np.sin(1.0 + 0.7 * i) + 0.1
    return v / np.sqrt(v @ v)


def lowest_mode_template(x, v0, args, exact_limit, eig_tol, dim):
    """Lowest Hessian eigenvalue and unit eigenvector at ``x`` (sign aligned with ``v0``).

    Exact diagonalisation when ``x.size <= exact_limit``, else restarted Lanczos with full
    reorthogonalisation (Krylov dimension ``dim``, restarted from the best Ritz vector) until
    the residual ‖Hv − λv‖ < ``eig_tol``·max(1, |λ|).
    """
    n = x.shape[0]
    q = start_vector(v0)
    if n <= exact_limit:
        w, V = np.linalg.eigh(HESS(x, args))
        lam = w[0]
        v = V[:, 0].copy()
    else:
        k = min(dim, n)
        Q = np.zeros((k + 1, n))
        alpha = np.zeros(k)
        beta = np.zeros(k)
        lam = 0.0
        v = q.copy()
        for _ in range(200):
            Q[0] = q
            used = k
            for j in range(k):
                wv = HVP(x, Q[j], args)
                alpha[j] = wv @ Q[j]
                wv -= alpha[j] * Q[j]
                if j > 0:
                    wv -= beta[j - 1] * Q[j - 1]
                for _r in range(2):  # full reorthogonalisation, twice for stability
                    for i in range(j + 1):
                        wv -= (wv @ Q[i]) * Q[i]
                b = np.sqrt(wv @ wv)
                if b < 1e-12 * (1.0 + abs(alpha[j])):
                    used = j + 1  # invariant subspace: the Ritz values are exact
                    break
                beta[j] = b
                Q[j + 1] = wv / b
            T = np.zeros((used, used))
            for j in range(used):
                T[j, j] = alpha[j]
                if j + 1 < used:
                    T[j, j + 1] = beta[j]
                    T[j + 1, j] = beta[j]
            _, Sv = np.linalg.eigh(T)
            v = np.zeros(n)
            for j in range(used):
                v += Sv[j, 0] * Q[j]
            v /= np.sqrt(v @ v)
            hv = HVP(x, v, args)
            lam = v @ hv
            res = hv - lam * v
            if np.sqrt(res @ res) < eig_tol * max(1.0, abs(lam)) or used < k:
                break
            q = v
    if v @ q < 0.0:
        v = -v
    return lam, v


def tangent_min_template(x, f, g, v, args, n_steps, S, Y, rho, mem, max_step, max_rise, tol, abort):
    """Up to ``n_steps`` L-BFGS steps minimising in the space orthogonal to unit ``v``.

    Gradients and steps are projected with P = I − vvᵀ; a step is capped at ``max_step`` and
    shrunk tenfold while it raises the energy by more than ``max_rise``. Stops early once the
    full RMS gradient is < ``tol``. The L-BFGS memory (pairs ``S``, ``Y``, ``rho`` and
    ``mem`` = [pairs held, next slot, diagonal scaling]) is updated in place, so it carries
    over between calls. Returns the new (x, f, g).
    """
    m = S.shape[0]
    alpha = np.zeros(m)
    kk = int(mem[0])
    head = int(mem[1])
    diag = mem[2]
    gp = g - (g @ v) * v
    for _ in range(n_steps):
        if rms(g) < tol or abort[0] != 0:
            break
        d = np.empty_like(gp)
        two_loop(gp, S, Y, rho, alpha, kk, head, diag, d)
        d -= (d @ v) * v
        if d @ gp >= 0.0:
            kk = 0
            head = 0
            diag = 0.1
            d = -diag * gp
        dn = np.sqrt(d @ d)
        if dn == 0.0:
            break
        scale = 1.0 if dn <= max_step else max_step / dn
        accepted = False
        xn = x
        fn = f
        gn = g
        for _t in range(10):
            xn = x + scale * d
            fn, gn = FG(xn, args)
            if fn - f <= max_rise and np.isfinite(fn):
                accepted = True
                break
            scale *= 0.1
        if not accepted:
            break
        gpn = gn - (gn @ v) * v
        s = xn - x
        y = gpn - gp
        sy = s @ y
        yy = y @ y
        if sy > 1e-300 and yy > 0.0:
            S[head] = s
            Y[head] = y
            rho[head] = 1.0 / sy
            head = (head + 1) % m
            if kk < m:
                kk += 1
            diag = sy / yy
        x = xn
        f = fn
        g = gn
        gp = gpn
    mem[0] = kk
    mem[1] = head
    mem[2] = diag
    return x, f, g


def hef_template(
    x0,
    v0,
    args,
    exact_limit,
    ts_tol,
    max_steps,
    trust,
    max_trust,
    n_tangent,
    n_tangent_conv,
    m,
    max_tangent_step,
    max_rise,
    eig_tol,
    lanczos_dim,
    abort,
):
    """Converge candidate ``x0`` to a saddle point by hybrid eigenvector-following.

    ``v0`` guesses the uphill direction (zeros: none). Stops when the RMS gradient is
    < ``ts_tol``, after ``max_steps`` steps, or when ``abort[0]`` is set. Each uphill step is
    followed by ``n_tangent`` orthogonal L-BFGS steps, or ``n_tangent_conv`` once the gradient
    along the mode is converged (then only the orthogonal space is left to converge). Returns
    ``(x, f, eigenvalue, eigenvector, rms_grad, converged, n_steps)`` with the lowest mode
    evaluated at the returned ``x``.
    """
    x = x0.copy()
    f, g = FG(x, args)
    lam, v = MODE(x, v0, args, exact_limit, eig_tol, lanczos_dim)
    min_trust = 1e-4 * trust
    n = x.shape[0]
    S = np.zeros((m, n))
    Y = np.zeros((m, n))
    rho = np.zeros(m)
    mem = np.array([0.0, 0.0, 0.1])
    last_try = EF_SWITCH_RMS
    it = 0
    while rms(g) >= ts_tol and it < max_steps and abort[0] == 0:
        r = rms(g)
        if n <= exact_limit and lam < 0.0 and r < last_try:
            last_try = 0.5 * r
            xe, fe, lame, ve, re, kept, steps = EF_FINISH(
                x, args, ts_tol, EF_FINISH_STEPS, trust, max_trust, abort
            )
            if kept:
                return xe, fe, lame, ve, re, True, it + steps
        it += 1
        gpar = g @ v
        if lam < 0.0:
            h = ef_step(gpar, lam)
            if abs(h) > trust:
                h = trust if h > 0.0 else -trust
        else:
            h = trust if gpar >= 0.0 else -trust
        xn = x + h * v
        fn, gn = FG(xn, args)
        pred = gpar * h + 0.5 * lam * h * h
        actual = fn - f
        significant = abs(pred) > 1e-10 * max(1.0, abs(f))
        if significant and (not np.isfinite(fn) or actual / pred < 0.0):
            trust = max(0.5 * trust, min_trust)  # wrong-way step: reject it
        else:
            if significant:
                trust = trust_after(actual / pred, trust, min_trust, max_trust)
            x = xn
            f = fn
            g = gn
        nt = n_tangent_conv if abs(g @ v) < ts_tol * np.sqrt(n) else n_tangent
        x, f, g = TANGENT(
            x, f, g, v, args, nt, S, Y, rho, mem, max_tangent_step, max_rise, ts_tol, abort
        )
        v_old = v
        lam, v = MODE(x, v, args, exact_limit, eig_tol, lanczos_dim)
        if abs(v @ v_old) < MODE_OVERLAP:  # the mode turned: the stored pairs no longer apply
            mem[0] = 0.0
            mem[1] = 0.0
    r = rms(g)
    return x, f, lam, v, r, r < ts_tol, it


def ef_finish_template(x0, args, ts_tol, max_steps, trust, max_trust, abort):
    """Eigenvector-following on the exact Hessian from ``x0``, a point of index 1: each step
    moves along every eigenvector b_i by ±2F_i/(|b_i|(1 + √(1 + 4F_i²/b_i²))) (F_i the
    gradient along it; + uphill for the lowest mode, − downhill for the others), the whole
    step capped by a trust radius that follows how well the quadratic model predicted the loss
    change. Returns ``(x, f, lowest eigenvalue, its eigenvector, rms_grad, kept, steps)``:
    kept where it converged on a point of index 1 (nothing is tried from another index)."""
    x = x0.copy()
    n = x.shape[0]
    f, g = FG(x, args)
    vals, V = np.linalg.eigh(HESS(x, args))
    min_trust = 1e-4 * trust
    it = 0
    index = classify_spectrum(vals, INDEX_ZERO_TOL)[0]
    while index == 1 and rms(g) >= ts_tol and it < max_steps and abort[0] == 0:
        it += 1
        tiny = EF_ZERO_CURVATURE * max(abs(vals[0]), abs(vals[-1]))
        gt = V.T @ g
        h = np.zeros(n)
        for i in range(n):
            b = vals[i]
            if abs(b) > tiny:
                d = ef_step(gt[i], b)
                h[i] = d if i == 0 else -d
        length = np.sqrt(np.dot(h, h))
        if length > trust:
            h *= trust / length
        pred = 0.0
        for i in range(n):
            pred += gt[i] * h[i] + 0.5 * vals[i] * h[i] * h[i]
        xn = x + V @ h
        fn, gn = FG(xn, args)
        if not np.isfinite(fn):
            trust = max(0.5 * trust, min_trust)
            continue
        if abs(pred) > 1e-10 * max(1.0, abs(f)):
            trust = trust_after((fn - f) / pred, trust, min_trust, max_trust)
        x, f, g = xn, fn, gn
        vals, V = np.linalg.eigh(HESS(x, args))
        index = classify_spectrum(vals, INDEX_ZERO_TOL)[0]
    r = rms(g)
    return x, f, vals[0], V[:, 0].copy(), r, r < ts_tol and index == 1, it

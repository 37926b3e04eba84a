"""Doubly nudged elastic band (SPEC §2.4): a chain of images between two minima relaxed
towards the minimum-energy path; its local energy maxima are transition-state candidates.

Force on interior image i (Trygubenko & Wales 2004, improved tangent of Henkelman & Jónsson
2000): F_i = −∇E⊥ + k(|x_{i+1}−x_i| − |x_i−x_{i−1}|) τ + F̃ˢ⊥, where F̃ˢ⊥ is the perpendicular
spring force with its component along ∇E⊥ removed (the "doubly nudged" term).

The band is relaxed with FIRE (Bitzek et al. 2006), damped dynamics that need only the
force: the nudged force is the gradient of no energy, and an L-BFGS on it (no line search
possible) oscillated or stalled on Müller–Brown where FIRE converged every time. No image
moves more than ``max_step`` per iteration, and the largest time step is set from the initial
force as dt_max = √(max_step / max_i |F_i|), so the same defaults serve landscapes whose
forces differ by orders of magnitude. The template takes a band, velocities and FIRE state
and returns them, so a caller can run it in chunks of iterations, show the band between
chunks and continue exactly where it stopped.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Default band settings (OPTIM-style names), shown by CLI/GUI parameter editors.
DNEB_DEFAULTS = {
    "k": 10.0,
    "images_per_unit": 10.0,
    "min_images": 5,
    "max_images": 25,
    "band_tol": 0.01,
    "max_iter": 100,
    "max_step": 0.1,
}

# FIRE constants (Bitzek et al. 2006).
FIRE_N_MIN = 5
FIRE_F_INC = 1.1
FIRE_F_DEC = 0.5
FIRE_ALPHA_START = 0.1
FIRE_F_ALPHA = 0.99
FIRE_DT_START = 0.1  # initial dt as a fraction of dt_max


def fire_start() -> np.ndarray:
    """Initial FIRE state [dt, alpha, n_positive, dt_max] (dt_max ≤ 0: set on first use)."""
    return np.array([0.0, FIRE_ALPHA_START, 0.0, 0.0])


def FG(x, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def EVALUATE(band, args, energies, grads):  # placeholder: evaluate_template compiled by the kit
    raise NotImplementedError


@njit(cache=True, nogil=True)
def n_images_for(distance, images_per_unit, min_images, max_images):
    """Number of interior images for end points ``distance`` apart (clamped)."""
    n = int(np.rint(images_per_unit * distance))
    return min(max(n, min_images), max_images)


@njit(cache=True, nogil=True)
def interpolate(xa, xb, n_images):
    """Linear band from ``xa`` to ``xb``: (n_images + 2, P) rows including both end points."""
    band = np.empty((n_images + 2, xa.shape[0]))
    for i in range(n_images + 2):
        t = i / (n_images + 1)
        band[i] = (1.0 - t) * xa + t * xb
    return band


@njit(cache=True, nogil=True)
def band_maxima(energies):
    """Interior images that are local energy maxima of the band, highest first."""
    idx = []
    for i in range(1, energies.shape[0] - 1):
        if energies[i] > energies[i - 1] and energies[i] > energies[i + 1]:
            idx.append(i)
    out = np.array(idx, np.int64) if len(idx) > 0 else np.zeros(0, np.int64)
    order = np.argsort(-energies[out])
    return out[order]


@njit(cache=True, nogil=True)
def tangent(xm, x, xp, em, e, ep):
    """Henkelman–Jónsson improved tangent at image ``x`` (unit vector)."""
    tp = xp - x
    tm = x - xm
    if ep > e > em:
        tau = tp
    elif ep < e < em:
        tau = tm
    else:
        dmax = max(abs(ep - e), abs(em - e))
        dmin = min(abs(ep - e), abs(em - e))
        tau = tp * dmax + tm * dmin if ep > em else tp * dmin + tm * dmax
    nt = np.sqrt(tau @ tau)
    if nt == 0.0:
        tau = tp + tm
        nt = np.sqrt(tau @ tau)
    return tau / max(nt, 1e-300)


@njit(cache=True, nogil=True)
def dneb_forces(band, energies, grads, k):
    """DNEB force on each interior image, (n_images, P), from the band's energies and
    gradients (rows 0 and −1 are the fixed end points)."""
    n = band.shape[0] - 2
    F = np.zeros((n, band.shape[1]))
    for i in range(1, n + 1):
        x = band[i]
        tau = tangent(band[i - 1], x, band[i + 1], energies[i - 1], energies[i], energies[i + 1])
        tp = band[i + 1] - x
        tm = x - band[i - 1]
        g = grads[i]
        gperp = g - (g @ tau) * tau
        spring_par = k * (np.sqrt(tp @ tp) - np.sqrt(tm @ tm))
        gs = k * (tm - tp)  # gradient of the spring energy (k/2)Σ|x_{j+1} − x_j|²
        gs_perp = gs - (gs @ tau) * tau
        gn = np.sqrt(gperp @ gperp)
        if gn > 1e-300:
            ghat = gperp / gn
            dneb = gs_perp - (gs_perp @ ghat) * ghat
        else:
            dneb = np.zeros_like(gs_perp)
        F[i - 1] = -gperp + spring_par * tau - dneb
    return F


@njit(cache=True, nogil=True)
def _rms2(F):
    """RMS over all entries of a 2-D array (the band-force convergence measure)."""
    s = 0.0
    for i in range(F.shape[0]):
        for j in range(F.shape[1]):
            s += F[i, j] * F[i, j]
    return np.sqrt(s / max(F.size, 1))


def evaluate_template(band, args, energies, grads):
    """Energies and gradients of the interior images, in place; False if any is not finite."""
    for i in range(1, band.shape[0] - 1):
        e, g = FG(band[i], args)
        energies[i] = e
        grads[i] = g
    ok = True
    for i in range(energies.shape[0]):
        if not np.isfinite(energies[i]):
            ok = False
    return ok


def dneb_template(band0, vel0, state0, args, k, band_tol, max_iter, max_step, abort):
    """Relax band ``band0`` ((n + 2, P), end points fixed) with the DNEB force by FIRE.

    ``vel0`` ((n, P)) and ``state0`` = [dt, alpha, n_positive, dt_max] carry the optimiser
    between chunks; start with zeros and ``fire_start()``. Stops when the band RMS force
    (over all interior coordinates) is < ``band_tol``, after ``max_iter`` iterations, or when
    ``abort[0]`` is set. Returns ``(band, vel, state, energies, rms_history, n_iter,
    converged)``; ``rms_history[j]`` is the band RMS force after iteration j.
    """
    band = band0.copy()
    vel = vel0.copy()
    state = state0.copy()
    nb, P = band.shape
    n = nb - 2
    energies = np.empty(nb)
    grads = np.zeros((nb, P))
    energies[0] = FG(band[0], args)[0]
    energies[nb - 1] = FG(band[nb - 1], args)[0]
    EVALUATE(band, args, energies, grads)
    F = dneb_forces(band, energies, grads, k)
    r = _rms2(F)
    dt, alpha, n_pos, dt_max = state[0], state[1], state[2], state[3]
    if dt_max <= 0.0:  # first chunk: time step from the force scale (see module docstring)
        fmax = 0.0
        for i in range(n):
            fmax = max(fmax, np.sqrt(F[i] @ F[i]))
        dt_max = np.sqrt(max_step / max(fmax, 1e-300))
        dt = FIRE_DT_START * dt_max
    hist = np.empty(max_iter)
    it = 0
    fails = 0
    while r >= band_tol and it < max_iter and abort[0] == 0 and fails < 10:
        power = 0.0
        for i in range(n):
            power += F[i] @ vel[i]
        if power > 0.0:
            fn = np.sqrt(np.sum(F * F))
            vn = np.sqrt(np.sum(vel * vel))
            vel = (1.0 - alpha) * vel + (alpha * vn / fn) * F
            n_pos += 1
            if n_pos > FIRE_N_MIN:
                dt = min(dt * FIRE_F_INC, dt_max)
                alpha *= FIRE_F_ALPHA
        else:
            vel[:] = 0.0
            dt *= FIRE_F_DEC
            alpha = FIRE_ALPHA_START
            n_pos = 0
        vel += dt * F
        D = dt * vel
        dmax = 0.0
        for i in range(n):
            dmax = max(dmax, np.sqrt(D[i] @ D[i]))
        if dmax > max_step:
            D *= max_step / dmax
        old = band[1 : nb - 1].copy()
        band[1 : nb - 1] += D
        if not EVALUATE(band, args, energies, grads):  # left the objective's domain: back off
            band[1 : nb - 1] = old
            EVALUATE(band, args, energies, grads)
            vel[:] = 0.0
            dt *= FIRE_F_DEC
            n_pos = 0
            fails += 1
            continue
        fails = 0
        F = dneb_forces(band, energies, grads, k)
        r = _rms2(F)
        hist[it] = r
        it += 1
    state[0] = dt
    state[1] = alpha
    state[2] = n_pos
    state[3] = dt_max
    return band, vel, state, energies, hist[:it], it, r < band_tol

"""Harmonic superposition thermodynamics of a set of minima (SPEC §3.3, k_B = 1): occupation
probabilities, heat capacity and its C⁺/C⁻ split, entropy of occupations and frustration.

Each minimum α is a harmonic basin: Z_α(T) ∝ T^{κ/2} exp(−L_α/T − ½ LPPHE_α), so
p_α = exp(−L_α/T − ½ LPPHE_α)/Σ_β(…). With ln Z = (κ/2) ln T + ln Σ_α exp(−L_α/T − ½ LPPHE_α),
the internal energy is U = T² d ln Z/dT = κT/2 + ⟨L⟩ and
    C_V = dU/dT = κ/2 + d⟨L⟩/dT = κ/2 + (⟨L²⟩ − ⟨L⟩²)/T²,
because dp_α/dT = g_α = p_α (L_α − ⟨L⟩)/T². As Σ_α g_α = d(Σ p)/dT = 0,
    d⟨L⟩/dT = Σ g_α L_α = Σ g_α (L_α − L_min) = C⁺ + C⁻,
where C⁺ sums the terms with g_α > 0 (minima gaining occupation as T rises) and C⁻ those with
g_α < 0, hence C_V = κ/2 + C⁺ + C⁻ exactly.

Everything is evaluated in log space relative to the global minimum (no NaN/inf for T down to
1e−8 and losses spanning decades) by a numba loop over temperatures that makes four passes
over the minima per T (max exponent, weights with one vectorised exp, sums, centred moments);
the n × m occupation matrix is never formed (1e5 minima × 1000 T in about 0.3 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal
from numba import njit
from scipy.special import softmax

from ..engines.fastmath import exp as _fexp

#: exp(x) below this is flushed to 0 (relative size < 1e−307 of the largest term).
_UNDERFLOW = -708.0
#: Fast-math for the sums and the max (vectorised; inputs are checked to keep every exponent
#: finite). The exp loop gets no reassociation: its rounding trick (x + 1.5·2⁵²) − 1.5·2⁵²
#: must not be folded away.
_SUM_FLAGS = {"nnan", "ninf", "nsz", "contract", "arcp", "reassoc"}
_EXP_FLAGS = {"nnan", "ninf", "nsz", "contract", "arcp"}


@dataclass(frozen=True)
class Thermo:
    """Thermodynamic curves on a temperature grid (all arrays shaped like ``T``)."""

    T: np.ndarray
    Cv: np.ndarray  #: κ/2 + (⟨L²⟩ − ⟨L⟩²)/T²
    Cplus: np.ndarray  #: Σ_{g>0} g_α (L_α − L_min)
    Cminus: np.ndarray  #: Σ_{g<0} g_α (L_α − L_min) (≤ 0)
    S: np.ndarray  #: Shannon entropy −Σ p ln p of the occupations
    F: np.ndarray  #: frustration with p̃ = p/(1 − p_gmin) (NaN without barriers)
    F_raw: np.ndarray  #: frustration with p itself (NaN without barriers)
    mean_loss: np.ndarray  #: ⟨L⟩_T
    kappa: int  #: number of positive Hessian modes used for the κ/2 term
    gmin: int  #: index of the global (lowest-loss) minimum
    excluded: np.ndarray  #: minima left out of F: no TS path to the global minimum
    mode_mismatch: np.ndarray  #: minima whose count of positive modes differs from κ


@njit(cache=True, nogil=True, fastmath=_SUM_FLAGS)
def _max_exponent(x, h, inv):
    """max over α ≥ 1 of a_α = −x_α/T − h_α."""
    amax = -x[1] * inv - h[1]
    for i in range(2, x.size):
        a = -x[i] * inv - h[i]
        if a > amax:
            amax = a
    return amax


@njit(cache=True, nogil=True, fastmath=_EXP_FLAGS)
def _weights(x, h, inv, amax, e):
    """e_α = exp(a_α − amax) for α ≥ 1, flushed to 0 below the underflow limit."""
    for i in range(1, x.size):
        d = -x[i] * inv - h[i] - amax
        e[i] = _fexp(d) if d > _UNDERFLOW else 0.0


@njit(cache=True, nogil=True, fastmath=_SUM_FLAGS)
def _sums(x, h, db, inv, amax, e):
    """Σe, Σe·x, Σe·(a − amax), Σe·db over α ≥ 1."""
    s0 = s1 = sa = sf = 0.0
    for i in range(1, x.size):
        s0 += e[i]
        s1 += e[i] * x[i]
        sa += e[i] * (-x[i] * inv - h[i] - amax)
        sf += e[i] * db[i]
    return s0, s1, sa, sf


@njit(cache=True, nogil=True, fastmath=_SUM_FLAGS)
def _centred(x, e, mu):
    """Σe(x−μ)², and Σe(x−μ)x split by the sign of x − μ, over α ≥ 1."""
    v = cp = cm = 0.0
    for i in range(1, x.size):
        dx = x[i] - mu
        t = e[i] * dx
        v += t * dx
        cp += t * x[i] if dx > 0.0 else 0.0
        cm += t * x[i] if dx < 0.0 else 0.0
    return v, cp, cm


@njit(cache=True, nogil=True)
def _curves(x, h, db, T, out):
    """Per temperature: C_V − κ/2, C⁺, C⁻, S, F·|L_g|, F_raw·|L_g|, ⟨L⟩ − L_g into ``out``.

    Minimum 0 is the global one: x = L − L_g ≥ 0, h = ½(LPPHE − LPPHE_g), db = barrier − L_g
    (0 where not counted in F). The others' weights e_α = exp(a_α − max_{β≥1} a_β) never all
    underflow, so p̃ stays defined at any T; the global minimum is added in closed form.
    Compiled without fast-math (the helpers keep their own flags per instruction).
    """
    e = np.zeros(x.size)
    for j in range(T.size):
        inv = 1.0 / T[j]
        amax = _max_exponent(x, h, inv)
        _weights(x, h, inv, amax, e)
        s0, s1, sa, sf = _sums(x, h, db, inv, amax, e)
        u = amax + np.log(s0)  # ln Σ_{α≥1} exp(a_α); the global minimum has a_g = 0
        lz = max(u, 0.0) + np.log1p(np.exp(-abs(u)))
        c = amax - lz
        r = np.exp(c)  # p_α = r e_α for α ≥ 1
        pg = np.exp(-lz)
        mu = r * s1
        v, cp, cm = _centred(x, e, mu)
        inv2 = inv * inv
        out[0, j] = (r * v + pg * mu * mu) * inv2
        out[1, j] = r * cp * inv2
        out[2, j] = r * cm * inv2
        out[3, j] = -r * sa - r * s0 * c + pg * lz
        out[4, j] = sf / s0
        out[5, j] = r * sf
        out[6, j] = mu


def _check(
    L: np.ndarray, lpphe: np.ndarray, T: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    L = np.asarray(L, float).ravel()
    lpphe = np.asarray(lpphe, float).ravel()
    T = np.atleast_1d(np.asarray(T, float))
    if L.size == 0 or lpphe.shape != L.shape:
        raise ValueError(f"need ≥ 1 minimum and one LPPHE per loss, got {L.size} and {lpphe.size}")
    if not (np.all(np.isfinite(L)) and np.all(np.isfinite(lpphe))):
        raise ValueError("losses and LPPHEs must be finite")
    if T.ndim != 1 or not np.all((T > 0) & np.isfinite(T)):
        raise ValueError("temperatures must be a 1-D array of finite values > 0")
    return L, lpphe, T


def heat_capacity(
    L: np.ndarray,
    lpphe: np.ndarray,
    T: np.ndarray,
    kappa: int,
    barrier: np.ndarray | None = None,
    n_pos: np.ndarray | None = None,
) -> Thermo:
    """Heat capacity, C⁺/C⁻, entropy and frustration of minima (losses ``L``, ``lpphe``) at
    temperatures ``T``.

    ``barrier`` (optional) is each minimum's minimax TS energy to the global minimum (inf when
    not connected: such minima add nothing to F and are listed in ``excluded``); without it F
    is NaN. LPPHE must come from the positive modes only; ``n_pos`` (optional) is each
    minimum's count of them, and minima whose count differs from ``kappa`` are listed in
    ``mode_mismatch`` (the formulas still use one κ, as SPEC §3.3 assumes).
    """
    L, lpphe, T = _check(L, lpphe, T)
    if np.ptp(L) / T.min() > 1e300:
        raise ValueError(f"T = {T.min():g} is too small for losses spanning {np.ptp(L):g}")
    n = L.size
    g = int(np.argmin(L))
    order = np.r_[g, np.delete(np.arange(n), g)]  # global minimum first
    x = L[order] - L[g]
    h = 0.5 * (lpphe[order] - lpphe[g])
    if barrier is None:
        excluded = np.zeros(0, np.int64)
        db = np.zeros(n)
    else:
        barrier = np.asarray(barrier, float).ravel()
        if barrier.shape != L.shape:
            raise ValueError(f"need one barrier per minimum, got {barrier.size} for {n}")
        connected = np.isfinite(barrier)
        connected[g] = False
        excluded = np.flatnonzero(~np.isfinite(barrier))
        db = np.where(connected, barrier - L[g], 0.0)[order]
    if n_pos is None:
        mismatch = np.zeros(0, np.int64)
    else:
        n_pos = np.asarray(n_pos).ravel()
        if n_pos.shape != L.shape:
            raise ValueError(
                f"need one count of positive modes per minimum, got {n_pos.size} for {n}"
            )
        mismatch = np.flatnonzero(n_pos != kappa)
    out = np.zeros((7, T.size))
    if n > 1:
        _curves(x, h, db, T, out)
    else:
        out[4] = np.nan  # p̃ is undefined with no other minimum
    scale = abs(L[g])
    F = out[4:6] / scale if barrier is not None and scale > 0 else np.full((2, T.size), np.nan)
    return Thermo(
        T=T,
        Cv=0.5 * kappa + out[0],
        Cplus=out[1],
        Cminus=out[2],
        S=out[3],
        F=F[0],
        F_raw=F[1],
        mean_loss=L[g] + out[6],
        kappa=int(kappa),
        gmin=g,
        excluded=excluded,
        mode_mismatch=mismatch,
    )


def occupation(L: np.ndarray, lpphe: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Occupation probabilities p (n, m) of n minima at m temperatures (log-sum-exp).

    Forms the full n × m matrix: for modest sizes (plots, tests); use heat_capacity for
    large landscapes.
    """
    L, lpphe, T = _check(L, lpphe, T)
    a = -(L - L.min())[:, None] / T[None, :] - 0.5 * (lpphe - lpphe.min())[:, None]
    return softmax(a, axis=0)


def g_alpha(L: np.ndarray, lpphe: np.ndarray, T: float) -> np.ndarray:
    """g_α = dp_α/dT = p_α (L_α − ⟨L⟩)/T² of every minimum at one temperature."""
    L, lpphe, T_ = _check(L, lpphe, T)
    if T_.size != 1:
        raise ValueError("g_alpha takes one temperature")
    p = occupation(L, lpphe, T_)[:, 0]
    x = L - L.min()
    return p * (x - p @ x) / T_[0] ** 2


def top_contributors(
    L: np.ndarray, lpphe: np.ndarray, T: float, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the k largest positive g_α and of the k most negative g_α at T (fewer if
    not that many have that sign), largest |g| first: the C_V-peak minima of SPEC §3.3."""
    g = g_alpha(L, lpphe, T)
    by = np.argsort(-g, kind="stable")
    pos = by[g[by] > 0][:k]
    neg = by[::-1][g[by[::-1]] < 0][:k]
    return pos, neg


def find_peaks(
    T: np.ndarray, Cv: np.ndarray, rel_prominence: float = 0.01, min_prominence: float = 1e-3
) -> np.ndarray:
    """Indices of the local maxima of C_V along the (log-)T grid, highest first.

    A peak must stand out by ``rel_prominence`` × (max − min of C_V), which ignores rounding
    ripples on flat curves, and by at least ``min_prominence`` (C_V is dimensionless with
    k_B = 1, so this floor does not depend on the scale of the loss); maxima at the ends of
    the grid are not peaks.
    """
    T = np.asarray(T, float).ravel()
    Cv = np.asarray(Cv, float).ravel()
    if T.shape != Cv.shape:
        raise ValueError(f"T and Cv differ in length: {T.size} and {Cv.size}")
    order = np.argsort(T, kind="stable")
    c = Cv[order]
    span = float(np.ptp(c)) if c.size else 0.0
    if not np.isfinite(span) or span < min_prominence:
        return np.zeros(0, np.int64)
    peaks, _ = scipy.signal.find_peaks(c, prominence=max(rel_prominence * span, min_prominence))
    return order[peaks[np.argsort(-c[peaks], kind="stable")]]

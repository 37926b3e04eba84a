"""Harmonic superposition thermodynamics against brute force, derivatives and hand results."""

import math

import numpy as np
import pytest
from scipy.special import logsumexp

from lmapp.landscape.thermo import find_peaks, g_alpha, heat_capacity, occupation, top_contributors


def _landscape(n=40, seed=0):
    rng = np.random.default_rng(seed)
    L = 0.1 + rng.exponential(0.3, n)
    lpphe = rng.normal(-30, 4, n)
    barrier = L + rng.exponential(0.2, n)
    g = int(np.argmin(L))
    barrier[g] = L[g]
    return L, lpphe, barrier


def _brute(L, lpphe, T, kappa, barrier):
    """Every quantity by a plain loop over minima at each temperature."""
    g = int(np.argmin(L))
    rows = []
    for t in T:
        a = [-l / t - 0.5 * s for l, s in zip(L, lpphe)]
        amax = max(a)
        w = [math.exp(ai - amax) for ai in a]
        z = sum(w)
        p = [wi / z for wi in w]
        mean = sum(pi * l for pi, l in zip(p, L))
        mean2 = sum(pi * l * l for pi, l in zip(p, L))
        ga = [pi * (l - mean) / t**2 for pi, l in zip(p, L)]
        cplus = sum(gi * (l - L[g]) for gi, l in zip(ga, L) if gi > 0)
        cminus = sum(gi * (l - L[g]) for gi, l in zip(ga, L) if gi < 0)
        s = -sum(pi * math.log(pi) for pi in p if pi > 0)
        fr = sum(p[i] * (barrier[i] - L[g]) for i in range(len(L)) if i != g) / abs(L[g])
        rows.append(
            (kappa / 2 + (mean2 - mean**2) / t**2, cplus, cminus, s, fr / (1 - p[g]), fr, mean)
        )
    return np.array(rows).T


def test_matches_brute_force_loop():
    L, lpphe, barrier = _landscape()
    T = np.logspace(-2.5, 0.5, 30)
    th = heat_capacity(L, lpphe, T, 12, barrier)
    ref = _brute(L, lpphe, T, 12, barrier)
    for got, want in zip((th.Cv, th.Cplus, th.Cminus, th.S, th.F, th.F_raw, th.mean_loss), ref):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12)


def test_cv_is_derivative_of_mean_loss_and_mean_loss_of_log_z():
    L, lpphe, _ = _landscape(seed=1)
    T = np.logspace(-2, 0, 15)
    th = heat_capacity(L, lpphe, T, 7)
    h = 1e-5 * T
    up, down = heat_capacity(L, lpphe, T + h, 7), heat_capacity(L, lpphe, T - h, 7)
    assert np.allclose(th.Cv - 3.5, (up.mean_loss - down.mean_loss) / (2 * h), rtol=1e-6)
    lnz = [np.array([logsumexp(-L / t - 0.5 * lpphe) for t in ts]) for ts in (T + h, T - h)]
    assert np.allclose(th.mean_loss, T**2 * (lnz[0] - lnz[1]) / (2 * h), rtol=1e-6)


def test_cv_is_second_derivative_of_log_z():
    """C_V = d/dT (T² d ln Z/dT) with Z = Σ_α exp(−L_α/T) T^{κ/2} exp(−LPPHE_α/2)
    (harmonic superposition, k_B = 1), by central finite differences of ln Z."""
    L, lpphe, _ = _landscape(seed=2)
    kappa = 9
    T = np.logspace(-2, 0, 12)
    h = 1e-3 * T

    def ln_z(t):
        return np.array([logsumexp(-L / ti - 0.5 * lpphe) + 0.5 * kappa * np.log(ti) for ti in t])

    lz, up, down = ln_z(T), ln_z(T + h), ln_z(T - h)
    fd = 2 * T * (up - down) / (2 * h) + T**2 * (up - 2 * lz + down) / h**2
    assert np.allclose(heat_capacity(L, lpphe, T, kappa).Cv, fd, rtol=1e-5)


def test_split_identity_and_g_sum():
    L, lpphe, _ = _landscape(seed=2)
    T = np.logspace(-3, 1, 50)
    th = heat_capacity(L, lpphe, T, 9)
    assert np.allclose(th.Cplus + th.Cminus + 4.5, th.Cv, rtol=1e-12, atol=1e-12)
    assert np.all(th.Cplus >= 0) and np.all(th.Cminus <= 0)
    for t in (1e-3, 0.05, 3.0):
        g = g_alpha(L, lpphe, t)
        assert abs(g.sum()) < 1e-10 * np.abs(g).sum() + 1e-300
        x = L - L.min()
        assert np.sum(g[g > 0] * x[g > 0]) == pytest.approx(
            heat_capacity(L, lpphe, [t], 9).Cplus[0], rel=1e-9
        )
    p = occupation(L, lpphe, T)
    assert p.shape == (L.size, T.size) and np.allclose(p.sum(axis=0), 1.0)


def test_extreme_ranges_stay_finite():
    rng = np.random.default_rng(3)
    L = 10 ** rng.uniform(-6, 1, 500)
    lpphe = rng.normal(0, 100, 500)
    barrier = L + 10 ** rng.uniform(-6, 1, 500)
    T = np.logspace(-8, 3, 300)
    th = heat_capacity(L, lpphe, T, 20, barrier)
    for arr in (th.Cv, th.Cplus, th.Cminus, th.S, th.F, th.F_raw, th.mean_loss):
        assert np.all(np.isfinite(arr))
    assert np.all(th.Cv >= 10 - 1e-9) and np.all((th.S >= -1e-12) & (np.log(500) + 1e-9 >= th.S))
    assert np.all(np.isfinite(occupation(L, lpphe, T))) and np.all(
        np.isfinite(g_alpha(L, lpphe, 1e-8))
    )


def test_two_minima_peak_where_occupations_switch():
    # minimum 1 is ΔL higher but its basin is wider by Δ(½ LPPHE) = 20: equal weights at T* = ΔL/20
    dL, ds = 0.1, 20.0
    L, lpphe = np.array([1.0, 1.0 + dL]), np.array([0.0, -2 * ds])
    T = np.logspace(-3.5, -1.5, 2001)
    th = heat_capacity(L, lpphe, T, 4)
    x = dL / T
    q = 1 / (1 + np.exp(x - ds))  # occupation of the higher minimum
    assert np.allclose(th.Cv, 2 + x**2 * q * (1 - q), rtol=1e-9, atol=1e-12)
    peaks = find_peaks(T, th.Cv)
    assert peaks.size == 1
    assert T[peaks[0]] == pytest.approx(dL / ds, rel=0.02)
    assert occupation(L, lpphe, [dL / ds])[:, 0] == pytest.approx([0.5, 0.5])


def test_frustration_hand_computed_with_disconnected_minimum():
    L = np.array([1.0, 1.5, 2.0, 1.2])
    lpphe = np.zeros(4)
    barrier = np.array([1.0, 2.5, 3.0, np.inf])  # minimum 3 has no path to the global minimum
    th = heat_capacity(L, lpphe, [0.5], 0, barrier)
    w = [math.exp(-2), math.exp(-3), math.exp(-4), math.exp(-2.4)]
    z = sum(w)
    # p̃ = p/(1 − p_gmin); the disconnected minimum counts in p but has no barrier term
    f_raw = (w[1] * 1.5 + w[2] * 2.0) / z
    assert th.F_raw[0] == pytest.approx(f_raw, rel=1e-12)
    assert th.F[0] == pytest.approx(f_raw / (1 - w[0] / z), rel=1e-12)
    assert th.excluded.tolist() == [3]
    # low T: p̃ concentrates on the next-lowest connected-or-not minimum, no 0/0
    cold = heat_capacity(L[:3], lpphe[:3], [1e-6, 1e-8], 0, barrier[:3])
    assert pytest.approx([1.5, 1.5]) == cold.F and np.all(cold.F_raw == 0)
    assert np.all(np.isnan(heat_capacity(L, lpphe, [0.5], 0).F))


def test_single_minimum_and_mode_mismatch_report():
    th = heat_capacity([0.3], [1.0], [0.1, 1.0], 6, n_pos=[6])
    assert np.all(th.Cv == 3) and np.all(th.S == 0) and th.mode_mismatch.size == 0
    th = heat_capacity([0.3, 0.4, 0.5], [1.0, 2.0, 3.0], [0.1], 6, n_pos=[6, 5, 6])
    assert th.mode_mismatch.tolist() == [1]
    with pytest.raises(ValueError, match="losses and LPPHEs must be finite"):
        heat_capacity([0.3, np.nan], [1.0, 1.0], [0.1], 6)
    with pytest.raises(ValueError, match="temperatures must be a 1-D array"):
        heat_capacity([0.3], [1.0], [0.0], 6)


def test_top_contributors_and_peak_order():
    L, lpphe, _ = _landscape(seed=4)
    pos, neg = top_contributors(L, lpphe, 0.05, 3)
    g = g_alpha(L, lpphe, 0.05)
    assert np.all(g[pos] > 0) and np.all(g[neg] < 0)
    assert (
        pos.tolist() == np.argsort(-g)[:3].tolist() and neg.tolist() == np.argsort(g)[:3].tolist()
    )
    T = np.logspace(-3, 0, 301)
    cv = np.exp(-(((np.log10(T) + 2.5) / 0.1) ** 2)) + 3 * np.exp(-(((np.log10(T) + 1) / 0.1) ** 2))
    assert T[find_peaks(T, cv)].tolist() == pytest.approx([0.1, 10**-2.5], rel=1e-6)
    assert find_peaks(T, np.full(T.size, 2.0)).size == 0
    assert find_peaks(T, 2 + 1e-5 * cv).size == 0  # bumps of 1e−5 k_B are not peaks

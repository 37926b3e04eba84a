"""The second-order machinery of quenches and checks: the structured Hessian, the Newton finish
of a quench, and minimum checks by Cholesky factorisation, each against an independent route
(R-operator Hessian, finite differences, plain L-BFGS, full eigendecomposition), and planted
saddles that must never pass as minima."""

from dataclasses import astuple

import numpy as np
import pytest

from lmapp.datasets import make_dataset
from lmapp.engines import mlp, newton
from lmapp.engines.spectrum import classify_spectrum
from lmapp.landscape.cholesky_check import cholesky_spectrum
from lmapp.landscape.model import LBFGS_DEFAULTS, ModelSpec, build_model
from lmapp.landscape.verify import ZERO_TOL, check_stationary, verify_minimum
from tests.helpers import fd_jacobian

NEVER = 10**9  # a ``cholesky_from`` that keeps the eigenvalue route


def _xor(hidden, lam):
    d = make_dataset("xor")
    return build_model(ModelSpec(hidden=hidden, lam=lam), d.X_train, d.y_train, d.n_classes)


def _spiral(hidden=(10,), lam=1e-5, n=200):
    d = make_dataset("spiral", n_train=n, n_test=50)
    return build_model(ModelSpec(hidden=hidden, lam=lam), d.X_train, d.y_train, d.n_classes)


# -- structured Hessian ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n_in", "hidden", "classes", "kw"),
    [
        (2, 3, 2, {}),
        (3, 5, 3, {"reg_bias": False}),
        (20, 18, 4, {}),
        (6, 4, 3, {"locality": 1}),
    ],
)
def test_structured_hessian_equals_the_r_operator_hessian(n_in, hidden, classes, kw):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, n_in)), np.arange(40) % classes
    model = build_model(ModelSpec(hidden=(hidden,), lam=1e-3, **kw), X, y, classes)
    w = rng.normal(size=model.n_params)
    H = model.hessian(w)
    H_r = mlp.hessian(w, model.args[1:3] + model.args[4:])  # the column-by-column route
    np.testing.assert_allclose(H, H_r, rtol=1e-11, atol=1e-12 * np.abs(H_r).max())
    np.testing.assert_allclose(H, fd_jacobian(model.grad, w), rtol=1e-5, atol=1e-6)


# -- Newton step ---------------------------------------------------------------------------------
def _step(H, g):
    """The Newton step of H and g, or None where the factorisation refuses one."""
    factor = newton.newton_factor(H)
    return newton.newton_solve(factor, g) if factor.ok else None


def test_newton_step_solves_positive_definite_systems_by_cholesky():
    rng = np.random.default_rng(0)
    for n, low in ((6, 1.0), (17, 1e-6), (60, 1e-3)):
        A = rng.normal(size=(n, n))
        H, g = A @ A.T + low * np.eye(n), rng.normal(size=n)
        factor = newton.newton_factor(H)
        assert factor.ok and factor.L.shape == (n, n)  # the Cholesky route, not eigenvalues
        np.testing.assert_allclose(factor.L, np.linalg.cholesky(H), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(_step(H, g), -np.linalg.solve(H, g), rtol=1e-7)


def test_newton_step_refuses_negative_curvature_and_skips_zero_modes():
    V = np.linalg.qr(np.random.default_rng(1).normal(size=(5, 5)))[0]
    g = np.arange(1.0, 6.0)
    indefinite = V @ np.diag([-1e-3, 1, 2, 3, 4]) @ V.T
    assert _step(indefinite, g) is None
    assert _step(np.zeros((5, 5)), g) is None
    vals = np.array([0.0, 1e-16, 1, 2, 4])  # two zero modes (a symmetry's directions)
    s = _step(V @ np.diag(vals) @ V.T, g)
    c = V.T @ g
    expect = V[:, 2:] @ (-c[2:] / vals[2:])
    np.testing.assert_allclose(s, expect, rtol=1e-8, atol=1e-12)
    assert abs(V[:, 0] @ s) < 1e-12 and abs(V[:, 1] @ s) < 1e-12


@pytest.mark.parametrize("seed", range(40))
def test_the_cholesky_verdict_agrees_with_the_eigenvalues(seed):
    """Random spectra with negative, zero-mode and tiny eigenvalues near every threshold: a
    factorisation refuses a step exactly where the eigenvalues do, and steps like them."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    scale = 10.0 ** rng.uniform(-3, 3)
    vals = scale * np.exp(rng.uniform(np.log(1e-4), 0.0, n))
    kind = seed % 4
    if kind == 1:  # a clear negative mode
        vals[rng.integers(n)] *= -1
    elif kind == 2:  # a negative mode near the zero-mode threshold, either side of it
        vals[rng.integers(n)] = -scale * newton.ZERO_CURVATURE * 10.0 ** rng.uniform(-2, 2)
    elif kind == 3:  # a zero mode at roundoff level
        vals[rng.integers(n)] = scale * 1e-16 * rng.normal()
    V = np.linalg.qr(rng.normal(size=(n, n)))[0]
    H = V @ np.diag(vals) @ V.T
    H = (H + H.T) / 2
    g = rng.normal(size=n)
    eigs, U = np.linalg.eigh(H)
    top = np.abs(eigs).max()
    refuses = eigs[0] < -newton.ZERO_CURVATURE * top
    s = _step(H, g)
    if kind == 2 and abs(eigs[0] / top + newton.ZERO_CURVATURE) < 1e-3 * newton.ZERO_CURVATURE:
        return  # within roundoff of the threshold: either verdict is right
    assert (s is None) == refuses
    if s is not None:
        keep = eigs > newton.ZERO_CURVATURE * top
        expect = U[:, keep] @ (-(U[:, keep].T @ g) / eigs[keep])
        np.testing.assert_allclose(s, expect, rtol=1e-6, atol=1e-9 * np.abs(expect).max())


# -- Newton finish of a quench ----------------------------------------------------------------
def _plain(model, w0, gtol):
    s = LBFGS_DEFAULTS
    return model.kit.lbfgs(
        np.ascontiguousarray(w0),
        model.args,
        gtol,
        200_000,
        int(s["m"]),
        float(s["max_step"]),
        float(s["max_rise"]),
        np.zeros(1, np.uint8),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: _xor((3,), 1e-2),
        lambda: _xor((4, 3), 1e-4),
        lambda: _spiral((10,), n=3200),
        lambda: _spiral((3,), n=3200),
    ],
    ids=["xor-3", "xor-4-3", "seed000-spiral-10", "seed000-spiral-3"],
)
def test_newton_finish_reaches_1e_minus_10_at_the_minima_of_plain_lbfgs(make):
    """On the seeds' spiral (3200 points) as on XOR. (On a 200-point spiral with 3 hidden units
    one start in six ends elsewhere: GMIN's L-BFGS, which may rise by max_rise, leaves the
    convex basin in which the Newton finish converges; both are verified minima.)"""
    model = make()
    rng = np.random.default_rng(0)
    same = 0
    for _ in range(6):
        w0 = rng.uniform(-1, 1, model.n_params)
        x, f, r, _it, ok = model.minimize(w0, gtol=1e-10, max_iter=200_000)
        assert ok and r < 1e-10
        assert check_stationary(model, x, 1e-10, model_index(model, x))[1] < 1e-10
        xp, fp, _rp, _, okp = _plain(model, w0, 1e-10)
        assert okp
        same += model.same_point(f, model.canonical(x), fp, model.canonical(xp))
    assert same == 6


def model_index(model, x):
    """The Hessian index at x from the full spectrum (for the check's wanted index)."""
    return int(classify_spectrum(np.linalg.eigvalsh(model.hessian(x)), ZERO_TOL)[0])


def _two_blobs(hidden=(3,), lam=1e-3):
    """Balanced classes with different means: w = 0 is stationary, and a saddle (the
    input-output coupling Σ r x has negative curvature beyond the 2λ of the penalty)."""
    rng = np.random.default_rng(4)
    X = np.r_[rng.normal(size=(20, 2)) + 1.5, rng.normal(size=(20, 2)) - 1.5]
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    return build_model(ModelSpec(hidden=hidden, lam=lam), X, y, 2)


def test_a_quench_started_on_or_beside_a_saddle_never_yields_a_verified_saddle():
    model = _two_blobs()
    zero = np.zeros(model.n_params)
    assert np.max(np.abs(model.grad(zero))) < 1e-15 and model_index(model, zero) > 0
    x, _f, _r, _it, _ok = model.minimize(zero)  # converged where it started: on the saddle
    for cholesky_from in (1, NEVER):
        v = verify_minimum(model, x, 1e-8, cholesky_from=cholesky_from)
        assert not v.is_minimum and v.hessian_index == model_index(model, zero)
    rng = np.random.default_rng(0)
    for _ in range(8):
        x, f, _r, _it, ok = model.minimize(zero + 1e-6 * rng.normal(size=model.n_params))
        assert ok and f < model.loss(zero) - 1e-3  # Newton never steps back up onto it
        for cholesky_from in (1, NEVER):
            assert verify_minimum(model, x, 1e-8, cholesky_from=cholesky_from).is_minimum == (
                model_index(model, x) == 0
            )


def test_a_planted_transition_state_is_rejected_by_both_checks():
    from lmapp.landscape.transition import TransitionParams, search_from_minimum

    model = _xor((3,), 1e-2)
    x0, *_ = model.minimize(np.random.default_rng(2).uniform(-1, 1, model.n_params))
    found = []
    for mode in range(4):
        found += search_from_minimum(
            model, x0, TransitionParams(), first_mode=mode, n_modes=1
        ).found
    assert found, "no transition state found from this minimum"
    ts = found[0]
    for cholesky_from in (1, NEVER):
        v = verify_minimum(model, ts.x, 1e-6, cholesky_from=cholesky_from)
        assert not v.is_minimum and v.hessian_index == 1


# -- Cholesky checks -----------------------------------------------------------------------------
def _with_spectrum(vals, seed=0):
    V = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(vals), len(vals))))[0]
    H = V @ np.diag(vals) @ V.T
    return (H + H.T) / 2


@pytest.mark.parametrize("n", [3, 40, 300])
def test_cholesky_verdict_and_lpphe_match_the_eigenvalues_of_positive_definite_matrices(n):
    rng = np.random.default_rng(n)
    vals = np.exp(rng.uniform(np.log(1e-5), np.log(1e3), n))
    H = _with_spectrum(vals)
    s = cholesky_spectrum(H, ZERO_TOL)
    eigs = np.linalg.eigvalsh(H)
    index, nzero, lpphe = classify_spectrum(eigs, ZERO_TOL)
    assert (s.index, s.n_zero_modes) == (index, nzero) == (0, 0)
    assert s.lpphe == pytest.approx(lpphe, rel=1e-10, abs=1e-9)
    assert s.min_eig == pytest.approx(eigs[0], rel=1e-4)
    assert s.min_eig >= eigs[0] * (1 - 1e-10)  # an upper bound, as a Ritz value must be


@pytest.mark.parametrize("negatives", [1, 2, 7])
def test_a_failed_cholesky_counts_the_exact_index(negatives):
    rng = np.random.default_rng(negatives)
    n = 60
    vals = np.exp(rng.uniform(np.log(1e-4), np.log(1e2), n))
    vals[:negatives] *= -1
    vals[negatives] = 1e-12  # and one zero mode
    H = _with_spectrum(vals, seed=negatives)
    s = cholesky_spectrum(H, ZERO_TOL)
    eigs = np.linalg.eigvalsh(H)
    assert s.index == negatives == classify_spectrum(eigs, ZERO_TOL)[0]
    assert s.n_zero_modes == 1
    assert s.min_eig == pytest.approx(eigs[0], rel=1e-4)


def test_near_zero_modes_of_a_minimum_are_left_to_the_exact_eigenvalues():
    for smallest in (1e-12, -1e-12, 1e-8):  # a zero mode either side, and one just above it
        H = _with_spectrum(np.r_[smallest, np.linspace(0.1, 1, 9)])
        assert cholesky_spectrum(H, ZERO_TOL) is None


@pytest.mark.parametrize(
    "make", [lambda: _spiral((10,), 1e-5), lambda: _xor((4, 3), 1e-4)], ids=["spiral-10", "xor-4-3"]
)
def test_cholesky_checks_of_real_minima_match_the_eigenvalue_checks(make):
    model = make()
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(4):
        x, *_ = model.minimize(rng.uniform(-1, 1, model.n_params), gtol=1e-9)
        by_eigs = verify_minimum(model, x, 1e-8, cholesky_from=NEVER)
        by_chol = verify_minimum(model, x, 1e-8, cholesky_from=1)
        assert by_chol.is_minimum == by_eigs.is_minimum
        assert by_chol.hessian_index == by_eigs.hessian_index
        if by_eigs.is_minimum and by_eigs.n_zero_modes == 0:
            assert by_chol.lpphe == pytest.approx(by_eigs.lpphe, rel=1e-10)
            assert by_chol.min_eig == pytest.approx(by_eigs.min_eig, rel=1e-4)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("negatives", [0, 2])
def test_the_in_place_factorisation_gives_the_same_spectrum_and_remakes_h_only_on_failure(
    negatives,
):
    """With ``remake``, H is factorised in place (no copy of a P×P matrix): the summary is the
    one of the copying path, and H is made anew only where the factorisation fails."""
    rng = np.random.default_rng(11)
    vals = np.exp(rng.uniform(np.log(1e-3), np.log(1e2), 80))
    vals[:negatives] *= -1
    H = _with_spectrum(vals, seed=negatives)
    kept = H.copy()
    remade: list[int] = []

    def remake():
        remade.append(1)
        return kept.copy()

    by_copy = cholesky_spectrum(H, ZERO_TOL)
    assert np.array_equal(H, kept)  # the copying path leaves H alone
    in_place = cholesky_spectrum(H, ZERO_TOL, remake=remake)
    assert astuple(in_place) == pytest.approx(astuple(by_copy), rel=0, abs=0, nan_ok=True)
    assert in_place.index == negatives
    assert len(remade) == (1 if negatives else 0)
    assert not np.array_equal(H, kept)  # factorised where it lay

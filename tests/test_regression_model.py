"""The nonlinear regression model of seed 001: derivatives and the true minimum."""

import itertools

import numpy as np
import pytest

from lmapp.engines.lbfgs import NO_ABORT
from lmapp.landscape.model import ModelSpec, build_model
from lmapp.landscape.verify import verify_minimum
from tests.helpers import fd_gradient, fd_jacobian

Q_TRUE = np.array([0.1, 2.13, 0.0, 1.34, 0.0])


def _model(noise=0.02):
    x = np.linspace(0, 3 * np.pi, 100)
    t = np.exp(-0.1 * x) * np.sin(2.13 * x) * np.sin(1.34 * x)
    t = t + np.random.default_rng(0).normal(0, noise, x.size)
    return build_model(ModelSpec(kind="regression", lam=0.0), x[:, None], t, 0)


def test_regression_derivatives():
    m = _model()
    q = np.random.default_rng(5).normal(size=5)
    assert np.allclose(m.grad(q), fd_gradient(m.loss, q), rtol=1e-6, atol=1e-7)
    assert np.allclose(m.hessian(q), fd_jacobian(m.grad, q), rtol=1e-5, atol=1e-6)


def test_regression_minimum_near_true_parameters():
    m = _model()
    x, f, r, _, ok = m.kit.lbfgs(Q_TRUE + 0.01, m.args, 1e-10, 10000, 4, 0.1, 1e-4, NO_ABORT)
    assert ok and r < 1e-10
    assert np.allclose(x, Q_TRUE, atol=0.05)
    assert f == pytest.approx(100 * 0.02**2, rel=0.3)  # residual ≈ N σ²
    assert verify_minimum(m, x, 1e-9).is_minimum


def _images(q):
    """Every symmetry image of q by brute force (16 discrete elements, phases shifted by 2πk)."""
    out = []
    for swap, m1, m2, shift in itertools.product((0, 1), repeat=4):
        g = np.array(q, float)
        if swap:
            g = g[[0, 3, 4, 1, 2]]
        if m1:
            g[1], g[2] = -g[1], np.pi - g[2]
        if m2:
            g[3], g[4] = -g[3], np.pi - g[4]
        if shift:
            g[2] += np.pi
            g[4] += np.pi
        out.append(g)
    return out


def _brute_distance(a, b):
    best = np.inf
    for g in _images(b):
        for k3, k5 in itertools.product(range(-3, 4), repeat=2):
            h = g.copy()
            h[2] += 2 * np.pi * (k3 + np.round((a[2] - g[2]) / (2 * np.pi)))
            h[4] += 2 * np.pi * (k5 + np.round((a[4] - g[4]) / (2 * np.pi)))
            best = min(best, np.linalg.norm(a - h))
    return best


def test_symmetry_images_are_one_minimum_and_canonical_phases_are_in_range():
    model = _model()
    q = np.array([0.1, 2.13, 0.4, 1.34, 2.5])
    c = model.canonical(q)
    for g in _images(q):
        for k in (-40, 0, 7):
            h = g + np.array([0, 0, 2 * np.pi * k, 0, -2 * np.pi * k])
            assert model.loss(h) == pytest.approx(model.loss(q), abs=1e-9)
            assert np.allclose(model.canonical(h), c, atol=1e-7)
            assert model.symmetry.align(q, h)[1] < 1e-7
    assert 0 <= c[1] <= c[3] and 0 <= c[2] < np.pi and 0 <= c[4] < 2 * np.pi


def test_exploration_stores_no_periodic_copies(tmp_path):
    """Seed 001's symmetries removed: every stored minimum has its own loss, its phases in the
    documented range, and no brute-force symmetry image of another."""
    from lmapp.api import Project

    with Project.create(tmp_path / "r.lmapp", "regression", ModelSpec(kind="regression")) as p:
        s = p.explore(steps=300, walkers=2, seed=0)
        m = p.minima(order="loss")
    n = len(m["id"])
    assert n >= 5 and s.quenches == 600
    losses = m["loss"]
    assert 1 + np.count_nonzero(np.diff(losses) > 1e-7) == n  # one minimum per distinct loss
    W = m["weights"]
    assert np.all(W[:, 1] >= 0) and np.all(W[:, 3] >= W[:, 1])
    assert np.all((W[:, 2] >= 0) & (W[:, 2] < np.pi)) and np.all(
        (W[:, 4] >= 0) & (W[:, 4] < 2 * np.pi)
    )
    for i, j in itertools.combinations(range(n), 2):
        if abs(losses[i] - losses[j]) < 1e-6:
            assert _brute_distance(W[i], W[j]) > 1e-2
    gm = W[0]  # the global minimum reproduces q* = (0.1, 2.13, 0, 1.34, 0) up to symmetry
    assert _brute_distance(np.array([0.1, 2.13, 0.0, 1.34, 0.0]), gm) < 0.05

"""Decision maps (SPEC §3.8): grid values equal direct evaluation, slices and PCA planes map
back to input space, ensemble maps follow the gate, and XOR robustness of hand-built nets."""

from __future__ import annotations

import numpy as np
import pytest

from lmapp.datasets import make_dataset
from lmapp.landscape.decision_map import (
    XOR_BOUNDS,
    decision_map,
    ensemble_map,
    feature_plane,
    grid_axes,
    pca_plane,
    xor_ideal,
    xor_robustness,
)
from lmapp.landscape.mlsup import Ensemble, gate_network
from lmapp.landscape.model import ModelSpec, build_model


@pytest.fixture(scope="module")
def xor_model():
    d = make_dataset("xor")
    return build_model(ModelSpec(hidden=(2,), lam=1e-3), d.X_train, d.y_train, 2)


def test_grid_axes():
    xs, ys = grid_axes(XOR_BOUNDS, step=0.015)
    assert xs.size == ys.size == 134 and xs[0] == -0.5 and xs[-1] <= 1.5 < xs[-1] + 0.015
    xs, ys = grid_axes((0, 1, -2, 2), n=5)
    assert xs.tolist() == [0, 0.25, 0.5, 0.75, 1] and ys.tolist() == [-2, -1, 0, 1, 2]
    for bad, message in (
        ({"step": None, "n": None}, "give exactly one of step and n"),
        ({"step": 0.1, "n": 3}, "give exactly one of step and n"),
        ({"step": -1.0}, "step must be > 0"),
    ):
        with pytest.raises(ValueError, match=message):
            grid_axes((0, 1, 0, 1), **{"step": None, "n": None, **bad})


def test_map_values_equal_direct_evaluation(xor_model):
    rng = np.random.default_rng(0)
    w = rng.normal(0, 2, xor_model.n_params)
    xs, ys, p = decision_map(xor_model, w, (-1, 2, -0.5, 1.5), n=31)
    _, _, cls = decision_map(xor_model, w, (-1, 2, -0.5, 1.5), n=31, output="class")
    assert p.shape == cls.shape == (31, 31)
    for i, j in rng.integers(0, 31, (20, 2)):
        direct = xor_model.predict_proba(w, np.array([[xs[j], ys[i]]]))[0]
        assert p[i, j] == pytest.approx(direct[1], abs=1e-14)
        assert cls[i, j] == np.argmax(direct)


def test_feature_slice_for_more_inputs():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4)) + np.array([1.0, 2.0, 3.0, 4.0])
    model = build_model(ModelSpec(hidden=(3,), lam=1e-3), X, (X[:, 0] > 1).astype(int), 2)
    w = rng.normal(size=model.n_params)
    for fill, centre in (("mean", X.mean(0)), ("median", np.median(X, 0))):
        plane = feature_plane(X, 3, 1, fill)
        xs, ys, p = decision_map(model, w, (0, 2, -1, 1), n=7, plane=plane)
        x = centre.copy()
        x[3], x[1] = xs[2], ys[5]
        assert p[5, 2] == pytest.approx(model.predict_proba(w, x[None])[0, 1], abs=1e-14)
    with pytest.raises(ValueError, match="plane"):
        decision_map(model, w, (0, 1, 0, 1), n=3)
    with pytest.raises(ValueError, match="need two different features"):
        feature_plane(X, 2, 2)


def test_pca_plane_reconstructs_points():
    rng = np.random.default_rng(2)
    uv = rng.normal(size=(200, 2)) * [3.0, 1.0]
    A = rng.normal(size=(2, 5))
    X = uv @ A + rng.normal(size=5)  # points on a 2-D plane in 5-D
    plane = pca_plane(X)
    np.testing.assert_allclose(plane.axes @ plane.axes.T, np.eye(2), atol=1e-12)
    coords = plane.project(X)
    np.testing.assert_allclose(plane.to_input(coords[:, 0], coords[:, 1]), X, atol=1e-10)
    assert coords[:, 0].var() >= coords[:, 1].var()  # first component first
    Y = X + rng.normal(size=X.shape)  # off the plane: projecting twice changes nothing
    c = plane.project(Y)
    np.testing.assert_allclose(plane.project(plane.to_input(c[:, 0], c[:, 1])), c, atol=1e-10)


def test_ensemble_map_follows_the_gate(xor_model):
    rng = np.random.default_rng(3)
    W = rng.normal(0, 2, (3, xor_model.n_params))
    ens = Ensemble([7, 8, 9], W, rng.normal(0, 3, gate_network(2, 3).n_params))
    out = ensemble_map(ens, xor_model, XOR_BOUNDS, n=21)
    assert len(np.unique(out["member"])) > 1
    for i, j in rng.integers(0, 21, (15, 2)):
        x = np.array([[out["xs"][j], out["ys"][i]]])
        k = ens.choose(x)[0]
        assert out["member"][i, j] == k
        assert out["proba"][i, j] == pytest.approx(xor_model.predict_proba(W[k], x)[0, 1])
        assert out["member_proba"][:, i, j] == pytest.approx(
            [xor_model.predict_proba(v, x)[0, 1] for v in W]
        )


def xor_net(sharp: float = 60.0, gain: float = 20.0) -> np.ndarray:
    """h₁ = tanh(k(x − y − ½)), h₂ = tanh(k(y − x − ½)); logit₁ − logit₀ = g·(h₁ + h₂ + 1):
    −g inside the band |x − y| < ½ (both units at −1), +g outside (one unit at +1)."""
    W1 = sharp * np.array([[1.0, -1.0], [-1.0, 1.0]])
    b1 = np.array([-0.5 * sharp, -0.5 * sharp])
    W2 = np.array([[-0.5 * gain, -0.5 * gain], [0.5 * gain, 0.5 * gain]])
    b2 = np.array([-0.5 * gain, 0.5 * gain])
    return np.concatenate([W1.ravel(), b1, W2.ravel(), b2])


def test_xor_robustness(xor_model):
    perfect = xor_net()
    assert np.array_equal(xor_model.predict(perfect, make_dataset("xor").X_train), [0, 1, 1, 0])
    assert xor_robustness(xor_model, perfect) > 0.995
    # count the ideal classes cell by cell, independently of the vectorised map
    pts = [-0.5 + 0.015 * i for i in range(134)]
    zeros = sum(abs(x - y) <= 0.5 for x in pts for y in pts) / 134**2
    assert xor_robustness(xor_model, np.zeros(xor_model.n_params)) == pytest.approx(zeros)
    ones = np.zeros(xor_model.n_params)
    ones[-1] = 1.0  # output bias of class 1: predicts 1 everywhere
    assert xor_robustness(xor_model, ones) == pytest.approx(1 - zeros)
    xs, ys = grid_axes(XOR_BOUNDS, step=0.015)
    assert xor_ideal(xs, ys).mean() == pytest.approx(1 - zeros)

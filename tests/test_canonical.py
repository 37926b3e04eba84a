"""Symmetry-aware identity of minima: every isomer canonicalises to one vector."""
import itertools

import numpy as np
import pytest

from lmapp.landscape.minima import MinimaRegistry
from lmapp.landscape.model import ModelSpec, build_model

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([0, 1, 1, 0])


def _isomer(layers, l, perm, signs):
    """Apply permutation + sign flips to hidden layer l of per-layer arrays."""
    out = [{k: v.copy() for k, v in d.items()} for d in layers]
    s = np.asarray(signs, float)
    out[l]["W"] = (layers[l]["W"] * s[:, None])[list(perm)]
    out[l]["b"] = (layers[l]["b"] * s)[list(perm)]
    out[l + 1]["W"] = (layers[l + 1]["W"] * s[None, :])[:, list(perm)]
    return out


def _flat(layers):
    return np.concatenate([np.concatenate([d["W"].ravel(), d["b"]]) for d in layers])


def test_all_48_isomers_of_a_3_unit_net_canonicalise_to_one_vector():
    model = build_model(ModelSpec(hidden=(3,), lam=1e-2), XOR_X, XOR_Y, 2)
    w = np.random.default_rng(0).normal(size=model.n_params)
    ref = model.canonical(w)
    layers = model.layers(w)
    seen = set()
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            wi = _flat(_isomer(layers, 0, perm, signs))
            seen.add(wi.tobytes())
            assert model.loss(wi) == pytest.approx(model.loss(w), abs=1e-14)
            assert np.array_equal(model.predict(wi, XOR_X), model.predict(w, XOR_X))
            assert np.allclose(model.predict_proba(wi, XOR_X), model.predict_proba(w, XOR_X))
            assert np.allclose(model.canonical(wi), ref, atol=1e-14)
    assert len(seen) == 48


def test_deep_net_isomers_per_layer():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2))
    y = np.arange(10) % 2
    model = build_model(ModelSpec(hidden=(3, 2)), X, y, 2)
    w = rng.normal(size=model.n_params)
    ref = model.canonical(w)
    for _ in range(20):
        layers = model.layers(w)
        layers = _isomer(layers, 0, rng.permutation(3), rng.choice([-1, 1], 3))
        layers = _isomer(layers, 1, rng.permutation(2), rng.choice([-1, 1], 2))
        wi = _flat(layers)
        assert model.loss(wi) == pytest.approx(model.loss(w), abs=1e-14)
        assert np.allclose(model.canonical(wi), ref, atol=1e-14)


def test_canonical_form_is_idempotent_and_has_positive_biases():
    model = build_model(ModelSpec(hidden=(4,)), XOR_X, XOR_Y, 2)
    w = np.random.default_rng(2).normal(size=model.n_params)
    c = model.canonical(w)
    assert np.array_equal(model.canonical(c), c)
    b = model.layers(c)[0]["b"]
    assert np.all(b > 0) and np.all(np.diff(b) >= 0)


def test_locality_keeps_unit_order_but_flips_signs():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 2))
    y = np.arange(8) % 4
    model = build_model(ModelSpec(hidden=(10,), locality=1), X, y, 4)
    w = rng.normal(size=model.n_params)
    c = model.canonical(w)
    assert model.loss(c) == pytest.approx(model.loss(w), abs=1e-14)
    assert np.allclose(np.abs(model.layers(c)[0]["b"]), np.abs(model.layers(w)[0]["b"]))


def test_registry_identifies_isomers_and_separates_distinct_minima():
    model = build_model(ModelSpec(hidden=(3,)), XOR_X, XOR_Y, 2)
    rng = np.random.default_rng(4)
    w = rng.normal(size=model.n_params)
    reg = MinimaRegistry(ediff=1e-7, geomdiff=1e-2)
    reg.add(7, model.loss(w), model.canonical(w))
    iso = _flat(_isomer(model.layers(w), 0, (2, 0, 1), (1, -1, -1)))
    assert reg.match(model.loss(iso), model.canonical(iso)) == 7
    other = w + 0.1
    assert reg.match(model.loss(other), model.canonical(other)) is None
    assert reg.match(model.loss(w) + 1e-3, model.canonical(w)) is None

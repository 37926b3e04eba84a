"""Alignment of symmetry-equivalent networks before interpolation."""
import numpy as np
import pytest

from lmapp.landscape.alignment import align
from lmapp.landscape.model import ModelSpec, build_model
from tests.test_canonical import _flat, _isomer


@pytest.mark.parametrize("hidden", [(3,), (4, 3)])
def test_align_recovers_the_original_from_any_isomer(hidden):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 2))
    y = np.arange(10) % 2
    m = build_model(ModelSpec(hidden=hidden), X, y, 2)
    w = rng.normal(size=m.n_params)
    for _ in range(10):
        layers = m.layers(w)
        for l, h in enumerate(hidden):
            layers = _isomer(layers, l, rng.permutation(h), rng.choice([-1, 1], h))
        wi = _flat(layers)
        assert m.loss(wi) == pytest.approx(m.loss(w), abs=1e-14)
        assert np.allclose(align(m, w, wi), w, atol=1e-14)


def test_alignment_never_increases_the_distance():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2))
    y = np.arange(10) % 2
    m = build_model(ModelSpec(hidden=(5,)), X, y, 2)
    for _ in range(20):
        a, b = rng.normal(size=(2, m.n_params))
        b2 = align(m, a, b)
        assert np.linalg.norm(a - b2) <= np.linalg.norm(a - b) + 1e-12
        assert m.loss(b2) == pytest.approx(m.loss(b), abs=1e-13)

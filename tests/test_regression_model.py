"""The nonlinear regression model of seed 001: derivatives and the true minimum."""
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

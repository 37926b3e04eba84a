"""L-BFGS on functions with known minima."""

import numpy as np
import pytest
from numba import njit

from lmapp.engines.kit import make_kit
from lmapp.engines.lbfgs import NO_ABORT, rms


@njit(cache=True)
def rosenbrock(x, args):
    n = x.shape[0]
    f = 0.0
    g = np.zeros(n)
    for i in range(n - 1):
        a = x[i + 1] - x[i] ** 2
        b = 1.0 - x[i]
        f += 100.0 * a * a + b * b
        g[i] += -400.0 * x[i] * a - 2.0 * b
        g[i + 1] += 200.0 * a
    return f, g


@njit(cache=True)
def quadratic(x, args):
    A, c = args
    d = x - c
    return 0.5 * d @ (A @ d), A @ d


QUAD_LBFGS = make_kit(quadratic, None, "quadratic", False).lbfgs


@pytest.mark.parametrize("n", [2, 5, 10])
def test_rosenbrock_converges_to_ones(n):
    x0 = np.full(n, -1.2)
    x, f, r, it, ok = make_kit(rosenbrock, None, "rosen", False).lbfgs(
        x0, (), 1e-10, 100000, 4, 0.5, 1e-4, NO_ABORT
    )
    assert ok and r < 1e-10 and it > 10
    assert np.allclose(x, 1.0, atol=1e-8)
    assert f < 1e-18


def test_ill_conditioned_quadratic_to_1e_minus_10():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(20, 20)))
    A = Q @ np.diag(np.logspace(-3, 3, 20)) @ Q.T
    c = rng.normal(size=20)
    x, _f, r, _it, ok = QUAD_LBFGS(np.zeros(20), (A, c), 1e-10, 100000, 6, 1.0, 1e-4, NO_ABORT)
    assert ok and r == pytest.approx(rms(quadratic(x, (A, c))[1]))
    assert np.allclose(x, c, atol=1e-6)


def test_step_is_capped():
    # from far away on a quadratic every step is at most max_step long
    A = np.eye(3)
    c = np.zeros(3)
    x0 = np.full(3, 100.0)
    x, _f, _r, it, ok = QUAD_LBFGS(x0, (A, c), 1e-8, 5, 4, 0.5, 1e-4, NO_ABORT)
    assert np.linalg.norm(x - x0) <= 5 * 0.5 + 1e-12
    assert not ok and it == 5

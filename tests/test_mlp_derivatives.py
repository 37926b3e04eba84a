"""Gradient, Hessian-vector product and Hessian of every classifier variant against finite
differences."""

import numpy as np
import pytest

from lmapp.landscape.model import ModelSpec, build_model
from tests.helpers import fd_gradient, fd_jacobian

VARIANTS = [
    dict(hidden=(3,)),
    dict(hidden=(4, 3)),
    dict(hidden=(3, 2, 3)),
    dict(hidden=(3,), reg_bias=False),
    dict(hidden=(5,), locality=1),
    dict(hidden=(4, 4), locality=2),
    dict(hidden=(3,), loss="appauc", beta=5.0),
    dict(hidden=(3, 2), loss="appauc", beta=5.0),
]


def _problem(n_classes, n_in=3, n=25, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in))
    y = np.arange(n) % n_classes
    return X, y


@pytest.mark.parametrize("kw", VARIANTS)
def test_derivatives_match_finite_differences(kw):
    n_classes = 2 if kw.get("loss") == "appauc" else 3
    X, y = _problem(n_classes)
    model = build_model(ModelSpec(lam=1e-2, **kw), X, y, n_classes)
    rng = np.random.default_rng(1)
    w = rng.normal(size=model.n_params)
    g = model.grad(w)
    assert np.allclose(g, fd_gradient(model.loss, w), atol=1e-7, rtol=1e-6)
    H_fd = fd_jacobian(model.grad, w)
    H = model.hessian(w)
    assert np.allclose(H, H_fd, atol=1e-6, rtol=1e-5)
    assert np.allclose(H, H.T)
    v = rng.normal(size=model.n_params)
    assert np.allclose(model.hvp(w, v), H_fd @ v, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kw", [{}, {"reg_bias": False}, {"locality": 1}])
@pytest.mark.parametrize("n", [7, 256, 700])  # within one block, exactly one, several + a rest
def test_fused_kernel_equals_the_layer_by_layer_kernels(kw, n):
    from lmapp.engines import builtin, mlp, mlp_fused

    X, y = _problem(3, n_in=4, n=n, seed=n)
    model = build_model(ModelSpec(hidden=(5,), lam=1e-3, **kw), X, y, 3)
    assert mlp_fused.fused(model.args.sizes, model.args.loss_kind)
    w = np.random.default_rng(n).normal(size=model.n_params)
    loss, g = model.fg(w)  # the built-in kernel: fused
    ref_loss, ref_g = mlp.fg(w, builtin._mlp_args(model.args))
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    assert np.allclose(g, ref_g, rtol=1e-12, atol=1e-15)


def test_wide_inputs_take_the_blas_route_with_the_same_derivatives():
    # MNIST-like input width: the first layer is multiplied by BLAS (mlp.WIDE), the second by
    # loops; gradient, Hessian and HVP against finite differences, and the loss against numpy
    from lmapp.engines import mlp

    n_in = mlp.WIDE + 6
    X, y = _problem(3, n_in=n_in, n=40)
    model = build_model(ModelSpec(hidden=(3, 2), lam=1e-2), X, y, 3)
    rng = np.random.default_rng(2)
    w = rng.normal(size=model.n_params) * 0.3
    W1, b1 = w[: 3 * n_in].reshape(3, n_in), w[3 * n_in : 3 * n_in + 3]
    W2, b2 = w[3 * n_in + 3 : 3 * n_in + 9].reshape(2, 3), w[3 * n_in + 9 : 3 * n_in + 11]
    W3, b3 = w[3 * n_in + 11 : 3 * n_in + 17].reshape(3, 2), w[3 * n_in + 17 :]
    z = np.tanh(np.tanh(X @ W1.T + b1) @ W2.T + b2) @ W3.T + b3
    ce = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y])
    assert model.loss(w) == pytest.approx(ce + 1e-2 * w @ w, rel=1e-12)
    assert np.allclose(model.grad(w), fd_gradient(model.loss, w), atol=1e-7, rtol=1e-6)
    H_fd = fd_jacobian(model.grad, w)
    assert np.allclose(model.hessian(w), H_fd, atol=1e-6, rtol=1e-5)
    v = rng.normal(size=model.n_params)
    assert np.allclose(model.hvp(w, v), H_fd @ v, atol=1e-6, rtol=1e-5)


def test_parameter_count_and_layout():
    X, y = _problem(4, n_in=2)
    model = build_model(ModelSpec(hidden=(10,), lam=1e-4), X, y, 4)
    assert model.n_params == 2 * 10 + 10 + 10 * 4 + 4 == 74
    w = np.arange(model.n_params, dtype=float)
    layers = model.layers(w)
    assert [l["W"].shape for l in layers] == [(10, 2), (4, 10)]
    assert layers[0]["W"][1, 0] == 2.0 and layers[0]["b"][0] == 20.0
    # the per-layer arrays reproduce the loss with a plain numpy forward pass
    rng = np.random.default_rng(3)
    w = rng.normal(size=model.n_params)
    L = model.layers(w)
    h = np.tanh(X @ L[0]["W"].T + L[0]["b"])
    z = h @ L[1]["W"].T + L[1]["b"]
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(len(y)), y].mean() + 1e-4 * np.sum(w**2)
    assert model.loss(w) == pytest.approx(loss, rel=1e-12)
    assert np.allclose(model.predict_proba(w, X), np.exp(logp))


@pytest.mark.parametrize(("k", "frozen"), [(1, 40), (2, 20), (3, 10)])
def test_locality_freezes_the_paper_counts(k, frozen):
    X, y = _problem(4, n_in=2)
    full = build_model(ModelSpec(hidden=(10,)), X, y, 4)
    local = build_model(ModelSpec(hidden=(10,), locality=k), X, y, 4)
    assert full.n_params - local.n_params == frozen
    w = np.random.default_rng(0).normal(size=local.n_params)
    wf = local.full(w)
    assert np.count_nonzero(wf == 0.0) == frozen


def test_appauc_value_matches_pairwise_definition():
    X, y = _problem(2, n=30)
    model = build_model(ModelSpec(hidden=(3,), loss="appauc", beta=50.0, lam=1e-3), X, y, 2)
    w = np.random.default_rng(2).normal(size=model.n_params)
    p1 = model.predict_proba(w, X)[:, 1]
    pos, neg = p1[y == 1], p1[y == 0]
    A = np.mean(1 / (1 + np.exp(-50.0 * (pos[:, None] - neg[None, :]))))
    assert model.loss(w) == pytest.approx(-A + 1e-3 * np.sum(w**2), rel=1e-12)


def test_softmax_never_overflows():
    X, y = _problem(3)
    model = build_model(ModelSpec(hidden=(3,)), X * 1e4, y, 3)
    w = np.random.default_rng(0).normal(size=model.n_params) * 50
    f, g = model.fg(w)
    assert np.isfinite(f) and np.all(np.isfinite(g))
    assert np.all(np.isfinite(model.hessian(w)))


def test_xor_origin_is_stationary_with_loss_ln2():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 0])
    for h in (1, 3, 5):
        model = build_model(ModelSpec(hidden=(h,), lam=1e-3), X, y, 2)
        f, g = model.fg(np.zeros(model.n_params))
        assert f == pytest.approx(np.log(2), abs=1e-15)
        assert np.max(np.abs(g)) == 0.0


def test_invalid_specs_are_refused():
    from lmapp.landscape.model import ModelError

    X, y = _problem(3)
    with pytest.raises(ModelError, match="hidden"):
        ModelSpec(hidden=(3, 3, 3, 3))
    with pytest.raises(ModelError, match="loss"):
        ModelSpec(loss="hinge")
    with pytest.raises(ModelError, match="λ"):
        ModelSpec(lam=-1.0)
    with pytest.raises(ModelError, match="binary"):
        build_model(ModelSpec(loss="appauc"), X, y, 3)

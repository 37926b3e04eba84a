"""Distances between minima against brute-force loops, scipy, and permutation isomers."""

import numpy as np
import pytest
from scipy.stats import pearsonr

from lmapp.landscape.distances import (
    distance_to,
    euclidean_matrix,
    misclassification_matrix,
    order_by_clustering,
    order_by_leaves,
    pearson,
    predicted_classes,
)
from lmapp.landscape.model import ModelSpec, build_model
from tests.helpers import group, symmetry_copy

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([0, 1, 1, 0])


def _brute(pred, y, kind):
    n = len(pred)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if kind == "differ":
                D[i, j] = np.mean(pred[i] != pred[j])
            else:
                D[i, j] = np.mean((pred[i] != y) != (pred[j] != y))
    return D


@pytest.mark.parametrize("n_classes", [2, 4])
def test_misclassification_matches_loops(n_classes):
    rng = np.random.default_rng(n_classes)
    pred = rng.integers(0, n_classes, (30, 57)).astype(np.int8)
    y = rng.integers(0, n_classes, 57)
    D = {}
    for kind in ("differ", "exactly_one"):
        D[kind] = misclassification_matrix(pred, y, kind)
        assert D[kind].dtype == np.float32
        assert np.allclose(D[kind], _brute(pred, y, kind), atol=1e-6)
        assert np.all(np.diag(D[kind]) == 0) and np.array_equal(D[kind], D[kind].T)
        for r in (0, 17):
            assert np.allclose(distance_to(pred, y, r, kind), D[kind][r], atol=1e-6)
    if n_classes == 2:
        assert np.array_equal(D["differ"], D["exactly_one"])
    else:
        assert not np.allclose(D["differ"], D["exactly_one"])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one label per item"):
        misclassification_matrix(np.zeros((3, 4)), np.zeros(5))
    with pytest.raises(ValueError, match="kind must be one of"):
        misclassification_matrix(np.zeros((3, 4)), np.zeros(4), kind="hamming")


def test_isomers_have_zero_misclassification_distance():
    model = build_model(ModelSpec(hidden=(3,), lam=1e-2), XOR_X, XOR_Y, 2)
    w, *_ = model.minimize(np.random.default_rng(5).uniform(-1, 1, model.n_params))
    W = np.array(
        [
            symmetry_copy(list(model.sizes), w, perms, signs)
            for perms, signs in group(list(model.sizes))
        ]
    )
    grid = np.stack(
        np.meshgrid(np.linspace(-0.5, 1.5, 21), np.linspace(-0.5, 1.5, 21)), -1
    ).reshape(-1, 2)
    pred = predicted_classes(model, W, grid)
    assert pred.shape == (48, grid.shape[0]) and pred.dtype == np.int8
    assert np.array_equal(pred[5], model.predict(W[5], grid))
    y = (np.abs(grid[:, 0] - grid[:, 1]) > 0.5).astype(int)
    for kind in ("differ", "exactly_one"):
        assert np.all(misclassification_matrix(pred, y, kind) == 0)
    assert euclidean_matrix(W).max() > 0.1
    assert np.allclose(euclidean_matrix(model.canonical_rows(W)), 0, atol=1e-12)


def test_euclidean_and_pearson_against_loops_and_scipy():
    rng = np.random.default_rng(7)
    W = rng.normal(size=(25, 9))
    E = euclidean_matrix(W)
    brute = np.array([[np.linalg.norm(a - b) for b in W] for a in W])
    assert np.allclose(E, brute, atol=1e-12) and np.all(np.diag(E) == 0) and np.all(E >= 0)
    pred = rng.integers(0, 2, (25, 40))
    M = misclassification_matrix(pred, np.zeros(40, int))
    i, j = np.triu_indices(25, 1)
    assert pearson(E, M) == pytest.approx(pearsonr(E[i, j], M[i, j])[0], abs=1e-6)
    assert np.isnan(pearson(E, np.ones((25, 25)))) and np.isnan(pearson(E[:2, :2], E[:2, :2]))
    assert euclidean_matrix(W[:1]).shape == (1, 1)


def test_orders():
    assert order_by_leaves([3, 1], 5).tolist() == [3, 1, 0, 2, 4]
    with pytest.raises(ValueError, match="leaf order must list distinct minima"):
        order_by_leaves([3, 3], 5)
    with pytest.raises(ValueError, match="leaf order must list distinct minima"):
        order_by_leaves([5], 5)
    # two tight groups, interleaved in index order: clustering puts each group together
    x = np.array([0.0, 10.0, 0.1, 10.1, 0.2, 10.2])
    perm = order_by_clustering(np.abs(x[:, None] - x[None, :]))
    assert sorted(perm.tolist()) == list(range(6))
    groups = (x[perm] > 5).astype(int)
    assert np.count_nonzero(np.diff(groups)) == 1
    assert order_by_clustering(np.zeros((1, 1))).tolist() == [0]
    assert sorted(order_by_clustering(np.abs(x[:, None] - x[None, :]), optimal=True)) == list(
        range(6)
    )


def test_blockwise_matrices_and_pair_statistics_at_scale_without_copies():
    """Over several row blocks: Euclidean distances equal scipy's exactly, symmetric, in the
    dtype asked; Pearson r and the mean over pairs use no memory of the matrices' size."""
    import tracemalloc

    from scipy.spatial.distance import pdist, squareform

    from lmapp.landscape.distances import BLOCK_ROWS, upper_mean

    rng = np.random.default_rng(3)
    n = 2 * BLOCK_ROWS + 77
    W = rng.normal(size=(n, 6))
    E = euclidean_matrix(W)
    assert np.array_equal(E, squareform(pdist(W))) and np.array_equal(E, E.T)
    E32 = euclidean_matrix(W, np.float32)
    assert E32.dtype == np.float32 and np.allclose(E32, E, rtol=1e-6)
    M = misclassification_matrix(rng.integers(0, 2, (n, 30)), np.zeros(30, int))
    i, j = np.triu_indices(n, 1)
    want_r, want_mean = pearsonr(E[i, j], M[i, j])[0], M[i, j].astype(float).mean()
    del i, j
    pearson(E[:3, :3], M[:3, :3])  # compiled before measuring
    tracemalloc.start()
    r, mean = pearson(E, M), upper_mean(M)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r == pytest.approx(want_r, abs=1e-9) and mean == pytest.approx(want_mean, rel=1e-9)
    assert peak < 1e6, peak  # the matrices are 23 MB and 91 MB
    assert np.isnan(pearson(E, np.full((n, n), 0.1, np.float32)))  # constant (not exactly 0.1)

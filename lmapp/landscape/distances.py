"""Distances between minima (SPEC §3.5): misclassification and Euclidean distance matrices,
their Pearson correlation over all pairs, and row orders for drawing a matrix.

Misclassification counts are exact: 0/1 indicator matrices multiplied in float32 BLAS
(integers below 2²⁴ are exact): one product for two classes, one per predicted class for
multi-class "differ" (timed against scipy's Hamming pdist by ``lmapp bench``).
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import cdist, squareform

from ..engines.pair_stats import upper_pearson
from .model import Model

#: "differ": fraction of items two minima classify differently (seed 000 §4.2);
#: "exactly_one": fraction misclassified by exactly one of the two (seed 001 §V).
KINDS = ("differ", "exactly_one")
#: Data the minima classify: the test or the training items.
PARTS = ("test", "train")
#: Row orders of a drawn matrix: the disconnectivity graph's leaves, clustering, or id.
ORDERS = ("dgraph", "cluster", "id")


def predicted_classes(model: Model, W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Predicted class (argmax p) of each row of ``W`` on each row of ``X``: (n_min, n_items),
    int8 (int16 beyond 127 classes)."""
    dtype = np.int8 if model.n_classes <= 127 else np.int16
    out = np.empty((len(W), len(X)), dtype)
    for i, w in enumerate(W):
        out[i] = model.predict(w, X)
    return out


def _check(pred: np.ndarray, y: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    pred, y = np.asarray(pred), np.asarray(y).ravel()
    if pred.ndim != 2 or pred.shape[1] != y.size:
        raise ValueError(
            f"predictions must be (n_minima, n_items) with one label per item; "
            f"got {pred.shape} and {y.size} labels"
        )
    if y.size == 0:
        raise ValueError("misclassification distance needs at least one item")
    return pred, y


def _pair_differences(M: np.ndarray) -> np.ndarray:
    """Number of items where 0/1 rows i and j differ: r_i + r_j − 2 (M Mᵀ)_ij."""
    r = M.sum(axis=1)
    D = M @ M.T
    D *= -2.0
    D += r[:, None]
    D += r[None, :]
    return D


def misclassification_matrix(pred: np.ndarray, y: np.ndarray, kind: str = "differ") -> np.ndarray:
    """(n_min, n_min) float32 misclassification distances from predicted classes ``pred``
    (n_min, n_items) and true labels ``y``; ``kind`` as in KINDS (equal for binary problems).

    Two-class "differ" and "exactly_one" use one product of 0/1 matrices; multi-class
    "differ" is 1 − Σ_c (one-hot_c one-hot_cᵀ)/N, one product per predicted class.
    """
    pred, y = _check(pred, y, kind)
    n_items = y.size
    if kind == "exactly_one":
        D = _pair_differences((pred != y[None, :]).astype(np.float32))
    else:
        classes = np.unique(pred)
        if classes.size <= 2:
            D = _pair_differences((pred == classes[-1]).astype(np.float32))
        else:
            D = np.full((pred.shape[0],) * 2, float(n_items), np.float32)
            for c in classes:
                O = (pred == c).astype(np.float32)
                D -= O @ O.T
    D /= n_items
    return D


def distance_to(
    pred: np.ndarray, y: np.ndarray, ref_index: int, kind: str = "differ"
) -> np.ndarray:
    """Misclassification distance of every minimum to minimum ``ref_index`` (one matrix row)."""
    pred, y = _check(pred, y, kind)
    ref = pred[ref_index]
    if kind == "differ":
        return np.mean(pred != ref[None, :], axis=1)
    wrong = pred != y[None, :]
    return np.mean(wrong != wrong[ref_index][None, :], axis=1)


#: rows per block of a distance matrix computed blockwise (bounds the temporaries)
BLOCK_ROWS = 1024


def euclidean_matrix(W: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """(n, n) Euclidean distances between the rows of ``W`` (exact: zero diagonal, ≥ 0,
    symmetric), computed in row blocks into one matrix of ``dtype`` (10⁴ minima: 800 MB in
    float64, 400 MB in float32).

    Stored minima are canonical (SPEC §2.3), so their rows give the canonical distance; pass
    other representatives (e.g. raw quench results) for the raw distance.
    """
    W = np.asarray(W, float)
    if W.ndim != 2:
        raise ValueError(f"weights must be (n_minima, n_params), got shape {W.shape}")
    n = W.shape[0]
    out: np.ndarray = np.empty((n, n), dtype)
    for start in range(0, n, BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = cdist(W[start : start + BLOCK_ROWS], W)
    np.fill_diagonal(out, 0.0)
    return out


def pearson(D1: np.ndarray, D2: np.ndarray) -> float:
    """Pearson correlation of two distance matrices over the pairs i < j (NaN if either is
    constant or there are fewer than two pairs); no copies of the matrices are made."""
    D1, D2 = np.asarray(D1), np.asarray(D2)
    if D1.shape != D2.shape or D1.ndim != 2 or D1.shape[0] != D1.shape[1]:
        raise ValueError(f"need two square matrices of one shape, got {D1.shape} and {D2.shape}")
    return float(upper_pearson(D1, D2))


def upper_mean(D: np.ndarray) -> float:
    """Mean of a symmetric matrix over the pairs i < j (0 for fewer than two rows)."""
    n = D.shape[0]
    if n < 2:
        return 0.0
    return float((D.sum(dtype=np.float64) - np.trace(D, dtype=np.float64)) / (n * (n - 1)))


def order_by_leaves(leaf_order: np.ndarray, n: int) -> np.ndarray:
    """Permutation of n minima following a disconnectivity graph's leaves (left to right),
    then the minima it does not draw in index order."""
    leaf_order = np.asarray(leaf_order, np.int64).ravel()
    if np.unique(leaf_order).size != leaf_order.size or np.any(
        (leaf_order < 0) | (leaf_order >= n)
    ):
        raise ValueError(f"leaf order must list distinct minima 0…{n - 1}")
    rest = np.setdiff1d(np.arange(n), leaf_order)
    return np.concatenate((leaf_order, rest))


def order_by_clustering(
    D: np.ndarray, method: str = "average", optimal: bool = False
) -> np.ndarray:
    """Permutation that places similar minima together: leaves of a hierarchical clustering
    of distance matrix ``D`` (scipy linkage ``method``; ``optimal`` leaf ordering is slower)."""
    D = np.asarray(D)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"need a square distance matrix, got shape {D.shape}")
    if D.shape[0] < 2:
        return np.arange(D.shape[0])
    Z = linkage(squareform(D, checks=False), method=method, optimal_ordering=optimal)
    return leaves_list(Z).astype(np.int64)

"""Seeded train/test split, stratified by class so every class keeps its share in both parts."""

from __future__ import annotations

import numpy as np

from .errors import DatasetError


def check_test_fraction(test_fraction: float) -> float:
    """Validate a test fraction: a finite number in [0, 1)."""
    try:
        value = float(test_fraction)
    except (TypeError, ValueError):
        raise DatasetError(
            f"test_fraction must be a number in [0, 1), got {test_fraction!r}"
        ) from None
    if not 0.0 <= value < 1.0:
        raise DatasetError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    return value


def split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float,
    rng: np.random.Generator,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into (X_train, y_train, X_test, y_test) with round(f*N) test rows.

    Stratified: the test rows are shared out over classes in proportion to class size
    (largest remainder), never taking a class's last row, so every class stays in training.
    """
    test_fraction = check_test_fraction(test_fraction)
    X, y = np.asarray(X), np.asarray(y)
    n = y.shape[0]
    n_test = round(test_fraction * n)
    if test_fraction > 0 and n_test == 0:
        raise DatasetError(f"too few rows ({n}) to hold out a test fraction of {test_fraction}")
    if n - n_test < 1:
        raise DatasetError(
            f"too few rows ({n}) to keep any for training with test_fraction {test_fraction}"
        )
    test = _stratified_test_rows(y, n_test, rng) if stratify else rng.permutation(n)[:n_test]
    is_test = np.zeros(n, dtype=bool)
    is_test[test] = True
    train = rng.permutation(np.flatnonzero(~is_test))
    test = rng.permutation(test)
    return X[train], y[train], X[test], y[test]


def _stratified_test_rows(y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Pick n_test row indices spread over classes by largest remainder (at most size-1 per
    class)."""
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) > len(y) - n_test:
        raise DatasetError(
            f"too few rows ({len(y)}) to split {len(classes)} classes with {n_test} test rows: "
            f"each class needs a training row"
        )
    quota = counts * (n_test / len(y))
    take = np.minimum(np.floor(quota).astype(np.int64), counts - 1)
    order = np.argsort(-(quota - take), kind="stable")
    while take.sum() < n_test:
        for c in order:
            if take.sum() < n_test and take[c] < counts[c] - 1:
                take[c] += 1
    rows = [
        rng.choice(np.flatnonzero(inverse == c), size=take[c], replace=False)
        for c in range(len(classes))
    ]
    return np.concatenate(rows).astype(np.int64)

"""Small real tabular data sets bundled with scikit-learn (no network access needed)."""

from __future__ import annotations

import numpy as np

BUNDLED = {
    "iris": "load_iris",
    "digits": "load_digits",
    "breast_cancer": "load_breast_cancer",
    "wine": "load_wine",
}


def load_bundled(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """(X, y, feature_names, class_names) of a scikit-learn bundled data set; y is 0..C-1."""
    from sklearn import datasets  # imported lazily: scikit-learn is slow to import

    bunch = getattr(datasets, BUNDLED[name])()
    return (
        np.asarray(bunch.data, dtype=np.float64),
        np.asarray(bunch.target, dtype=np.int64),
        tuple(str(n) for n in bunch.feature_names),
        tuple(str(n) for n in bunch.target_names),
    )

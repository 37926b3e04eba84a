"""Feature standardisation with training-set statistics (test data never leaks into them)."""

from __future__ import annotations

import numpy as np


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale both sets by the train mean and std; constant columns are only centred."""
    mean, scale = standardization_parameters(X_train)
    return (X_train - mean) / scale, (X_test - mean) / scale


def standardization_parameters(X_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column train mean and scale (std, or 1 where the column is constant)."""
    X_train = np.asarray(X_train, dtype=np.float64)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    scale = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    return mean, scale

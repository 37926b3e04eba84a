"""Feature standardisation with training-set statistics (test data never leaks into them)."""

from __future__ import annotations

import numpy as np

from .errors import DatasetError


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale both sets by the train mean and std; constant columns are only centred."""
    mean, scale = standardization_parameters(X_train)
    return (X_train - mean) / scale, (X_test - mean) / scale


#: Largest |value| a feature may hold: its square (in the variance) must stay finite.
MAX_FEATURE = 1e150


def standardization_parameters(X_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column train mean and scale (std, or 1 where the column is constant); a
    DatasetError naming the column when its values are too large to scale."""
    X_train = np.asarray(X_train, dtype=np.float64)
    big = np.flatnonzero(np.abs(X_train).max(axis=0, initial=0.0) > MAX_FEATURE)
    if big.size:
        raise DatasetError(
            f"feature column {int(big[0])} holds values beyond ±{MAX_FEATURE:g}; "
            "they cannot be standardised (rescale the data first)"
        )
    with np.errstate(over="raise", invalid="raise"):
        try:
            mean = X_train.mean(axis=0)
            std = X_train.std(axis=0)
        except FloatingPointError as exc:
            raise DatasetError(f"the features cannot be standardised: {exc}") from None
    scale = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    return mean, scale

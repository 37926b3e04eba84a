"""Uniform label noise on training labels (seed 000 appendix, seed 003 §4.1)."""

from __future__ import annotations

import numpy as np

from .errors import DatasetError


def check_fraction(fraction: float) -> float:
    """Validate a mislabel fraction: a finite number in [0, 1)."""
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        raise DatasetError(
            f"mislabel fraction must be a number in [0, 1), got {fraction!r}"
        ) from None
    if not 0.0 <= value < 1.0:
        raise DatasetError(f"mislabel fraction must be in [0, 1), got {fraction!r}")
    return value


def mislabel_labels(
    y: np.ndarray, n_classes: int, fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """Return a copy of ``y`` with round(fraction*N) distinct labels each moved to another class.

    The changed rows are chosen without replacement and each new label is uniform over the
    C-1 other classes, so a label never stays the same.
    """
    fraction = check_fraction(fraction)
    y = np.array(y, dtype=np.int64)
    count = round(fraction * y.shape[0])
    if count == 0:
        return y
    if n_classes < 2:
        raise DatasetError("mislabelling needs at least two classes")
    rows = rng.choice(y.shape[0], size=count, replace=False)
    y[rows] = (y[rows] + rng.integers(1, n_classes, size=count)) % n_classes
    return y

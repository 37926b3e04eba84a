"""Checkerboard: uniform points on the unit square labelled by the colour of their grid cell."""

from __future__ import annotations

import numpy as np

from .build import RawData, plane_draws
from .errors import DatasetError


def generate(
    rng: np.random.Generator,
    *,
    n_train: int = 1000,
    n_test: int = 500,
    cells: int = 4,
    noise: float = 0.0,
) -> RawData:
    """Checkerboard data; train and test are independent draws.

    Points are uniform on [0, 1]²; label = (floor(x·cells) + floor(y·cells)) mod 2 on a
    cells × cells grid. ``noise`` then moves each coordinate by U(-noise, noise) without
    relabelling, blurring the cell edges (label flips are the separate ``mislabel`` option).
    """
    if n_train < 2 or n_test < 0:
        raise DatasetError(
            f"checkerboard needs n_train >= 2 and n_test >= 0, got {n_train} and {n_test}"
        )
    if cells < 2 or noise < 0:
        raise DatasetError(f"checkerboard needs cells >= 2 and noise >= 0, got {cells} and {noise}")
    return plane_draws(lambda g, n: _draw(g, n, cells, noise), rng, n_train, n_test)


def _draw(
    rng: np.random.Generator, n: int, cells: int, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """n uniform points with their cell-parity labels, then coordinate noise."""
    X = rng.uniform(0.0, 1.0, size=(n, 2))
    y = (np.floor(X * cells).astype(np.int64).sum(axis=1) % 2).astype(np.int64)
    return X + rng.uniform(-noise, noise, size=(n, 2)), y

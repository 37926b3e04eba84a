"""Two interleaved spirals (Lang & Witbrock 1988) with uniform noise, as in seed 000 §4.4."""

from __future__ import annotations

import math

import numpy as np

from .build import RawData, plane_draws
from .errors import DatasetError


def generate(
    rng: np.random.Generator,
    *,
    n_train: int = 3200,
    n_test: int = 800,
    turns: float = 1.75,
    noise: float = 0.05,
    r_min: float = 0.05,
) -> RawData:
    """Two-spiral data; train and test are independent draws from the same generator.

    A point has t ~ U(0, 1), angle 2π·turns·t and radius r_min + (1 - r_min)·t (so radii grow
    linearly from r_min to 1); class 1 is the point reflection (x, y) -> (-x, -y) of class 0.
    Each coordinate then gets independent noise ~ U(-noise, noise). Classes are balanced
    (class 0 gets the extra point when n is odd).
    """
    if n_train < 2 or n_test < 0:
        raise DatasetError(f"spiral needs n_train >= 2 and n_test >= 0, got {n_train} and {n_test}")
    if not (turns > 0 and noise >= 0 and 0 <= r_min < 1):
        raise DatasetError(
            f"spiral needs turns > 0, noise >= 0 and 0 <= r_min < 1 (got {turns}, {noise}, {r_min})"
        )
    return plane_draws(lambda g, n: _draw(g, n, turns, noise, r_min), rng, n_train, n_test)


def _draw(
    rng: np.random.Generator, n: int, turns: float, noise: float, r_min: float
) -> tuple[np.ndarray, np.ndarray]:
    """n shuffled, class-balanced noisy spiral points and their labels."""
    y = rng.permutation(np.arange(n) % 2).astype(np.int64)
    t = rng.uniform(0.0, 1.0, n)
    angle = 2.0 * math.pi * turns * t
    radius = r_min + (1.0 - r_min) * t
    sign = np.where(y == 0, 1.0, -1.0)
    X = (sign * radius)[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return X + rng.uniform(-noise, noise, size=(n, 2)), y

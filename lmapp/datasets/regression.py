"""Nonlinear regression data from the damped two-sine model of seed 001 §IV."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .build import RawData
from .errors import DatasetError

Q_TRUE = (0.1, 2.13, 0.0, 1.34, 0.0)


def model(x: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """y(x; q) = exp(-q1 x) sin(q2 x + q3) sin(q4 x + q5)."""
    return np.exp(-q[0] * x) * np.sin(q[1] * x + q[2]) * np.sin(q[3] * x + q[4])


def generate(
    rng: np.random.Generator,
    *,
    n_train: int = 100,
    n_test: int = 100,
    sigma: float = 0.02,
    q_true: tuple[float, ...] = Q_TRUE,
    x_max: float = 3.0 * math.pi,
) -> RawData:
    """Regression targets t = y(x; q_true) + N(0, sigma²).

    Train: n_train evenly spaced x on [0, x_max]; test: n_test fresh noisy points at
    x ~ U(0, x_max). One feature "x", target "t"; not standardised (the model is in raw x).
    """
    try:
        q = tuple(float(v) for v in q_true)
    except (TypeError, ValueError):
        raise DatasetError(f"q_true must be 5 numbers (q1..q5), got {q_true!r}") from None
    if len(q) != 5:
        raise DatasetError(f"q_true must have 5 values (q1..q5), got {len(q)}")
    if n_train < 1 or n_test < 0 or sigma < 0 or not x_max > 0:
        raise DatasetError("regression needs n_train >= 1, n_test >= 0, sigma >= 0 and x_max > 0")
    x_train = np.linspace(0.0, x_max, n_train)
    t_train = model(x_train, q) + rng.normal(0.0, sigma, n_train)
    x_test = rng.uniform(0.0, x_max, n_test)
    t_test = model(x_test, q) + rng.normal(0.0, sigma, n_test)
    return RawData(
        task="regression",
        X_train=x_train[:, None],
        y_train=t_train,
        X_test=x_test[:, None],
        y_test=t_test,
        feature_names=("x",),
        info={
            "model": "exp(-q1 x) sin(q2 x + q3) sin(q4 x + q5)",
            "q_true": list(q),
            "sigma": float(sigma),
            "split": "train on an even grid, test at uniform random x",
        },
    )

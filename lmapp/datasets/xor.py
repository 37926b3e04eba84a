"""XOR: the four corners of the unit square, label x1 XOR x2 (seed 004)."""

from __future__ import annotations

import numpy as np

from .build import RawData


def generate(rng: np.random.Generator) -> RawData:
    """The fixed XOR set; the test set is a copy of the 4 training points so metrics exist.

    No parameters; ``rng`` is unused (the data are not random).
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return RawData(
        task="classification",
        X_train=X,
        y_train=y,
        X_test=X.copy(),
        y_test=y.copy(),
        feature_names=("x1", "x2"),
        class_names=("0", "1"),
        info={"split": "test set = copy of the 4 training points"},
    )

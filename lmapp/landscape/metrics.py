"""Classifier metrics per minimum (SPEC §3.4): accuracy, AUC for a chosen positive class and
cross-entropy, on train or test data."""

from __future__ import annotations

import numpy as np

from ..engines.classifier_metrics import auc_of, classifier_metrics
from .model import Model


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties ½
    (the Mann–Whitney form; equal to the ROC integral). NaN without both classes."""
    return float(
        auc_of(
            np.ascontiguousarray(scores, float).ravel(),
            np.ascontiguousarray(positive, bool).ravel(),
        )
    )


#: rows of W per jitted call (between chunks a caller's cancel flag could be checked)
METRICS_CHUNK = 4096


def minima_metrics(
    model: Model, W: np.ndarray, X: np.ndarray, y: np.ndarray, positive_class: int = 1
) -> dict[str, np.ndarray]:
    """Accuracy, AUC (class ``positive_class`` against the rest) and mean cross-entropy of each
    row of ``W`` on data (X, y)."""
    n = W.shape[0]
    out = {"accuracy": np.full(n, np.nan), "auc": np.full(n, np.nan), "loss": np.full(n, np.nan)}
    if not model.is_network or len(y) == 0 or n == 0:
        return out
    W = np.ascontiguousarray(W, float)
    X = np.ascontiguousarray(X, float)
    y = np.ascontiguousarray(y, np.int64)
    table = np.empty((n, 3))
    for start in range(0, n, METRICS_CHUNK):
        classifier_metrics(
            W,
            X,
            y,
            int(positive_class),
            model.sizes,
            model.free,
            model.n_full,
            start,
            min(n, start + METRICS_CHUNK),
            table,
        )
    out["accuracy"], out["auc"], out["loss"] = (
        table[:, 0].copy(),
        table[:, 1].copy(),
        table[:, 2].copy(),
    )
    return out

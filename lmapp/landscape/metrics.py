"""Classifier metrics per minimum (SPEC §3.4): accuracy, AUC for a chosen positive class and
cross-entropy, on train or test data."""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from .model import Model


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties ½
    (the Mann–Whitney form; equal to the ROC integral). NaN without both classes."""
    positive = np.asarray(positive, bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def minima_metrics(model: Model, W: np.ndarray, X: np.ndarray, y: np.ndarray,
                   positive_class: int = 1) -> dict[str, np.ndarray]:
    """Accuracy, AUC (class ``positive_class`` against the rest) and mean cross-entropy of each
    row of ``W`` on data (X, y)."""
    n = W.shape[0]
    out = {"accuracy": np.full(n, np.nan), "auc": np.full(n, np.nan), "loss": np.full(n, np.nan)}
    if not model.is_network or len(y) == 0:
        return out
    y = np.asarray(y, np.int64)
    pos = y == positive_class
    for i, w in enumerate(W):
        P = model.predict_proba(w, X)
        out["accuracy"][i] = np.mean(P.argmax(axis=1) == y)
        out["auc"][i] = auc(P[:, positive_class], pos)
        out["loss"][i] = -np.mean(np.log(np.maximum(P[np.arange(len(y)), y], 1e-300)))
    return out

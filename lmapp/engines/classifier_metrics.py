"""Accuracy, AUC and cross-entropy of many weight vectors on one dataset, in one jitted pass
(SPEC §3.4): the per-minimum metrics of a landscape of 10⁵ minima in about a second."""

from __future__ import annotations

import numpy as np
from numba import njit

from .mlp import predict_proba


@njit(cache=True, nogil=True)
def auc_of(scores, positive):
    """P(score of a positive > score of a negative), ties counted ½ (Mann–Whitney, with
    average ranks over ties); NaN unless both classes occur."""
    n = scores.shape[0]
    n_pos = 0
    for i in range(n):
        if positive[i]:
            n_pos += 1
    n_neg = n - n_pos
    if n_pos == 0 or n_neg == 0:
        return np.nan
    order = np.argsort(scores, kind="mergesort")
    rank_sum = 0.0
    i = 0
    while i < n:  # a run of equal scores shares the average of its ranks
        j = i
        while j + 1 < n and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        rank = 0.5 * (i + j) + 1.0
        for k in range(i, j + 1):
            if positive[order[k]]:
                rank_sum += rank
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


@njit(cache=True, nogil=True)
def classifier_metrics(W, X, y, positive_class, sizes, free, n_full, start, stop, out):
    """Rows ``start:stop`` of ``out`` (n, 3) = accuracy, AUC (class ``positive_class`` against
    the rest) and mean cross-entropy of each row of ``W`` on (X, y); a range, so callers can
    check a cancel flag between chunks."""
    n_items = y.shape[0]
    positive = y == positive_class
    for r in range(start, stop):
        P = predict_proba(W[r], X, sizes, free, n_full)
        hits = 0
        ce = 0.0
        for i in range(n_items):
            best = 0
            for c in range(1, P.shape[1]):
                if P[i, c] > P[i, best]:
                    best = c
            if best == y[i]:
                hits += 1
            ce -= np.log(max(P[i, y[i]], 1e-300))
        out[r, 0] = hits / n_items
        out[r, 1] = auc_of(np.ascontiguousarray(P[:, positive_class]), positive)
        out[r, 2] = ce / n_items

"""The cache of per-minimum classifier metrics (computed by
:mod:`lmapp.landscape.minimum_metrics`) in the project's derived data: this module only
stores, checks and extends cached rows; every number comes from the landscape layer.

Evaluating every minimum on the train and test sets is the slow part of tables, colourings
and distances, so the results are stored under ``metrics:v1:…`` keys with a fingerprint of
the model and data; later calls compute only minima added since, and everything again when
the fingerprint changes. A read-only project cannot store them: a ``memo`` dict (kept by the
caller, e.g. the app's snapshot reader) then plays the cache's part in memory.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import numpy as np

from ..datasets import Dataset
from ..landscape.minimum_metrics import (
    COLUMNS,
    default_positive_class,
    inputs_fingerprint,
    metrics_columns,
    metrics_table,
    test_predictions,
)
from ..landscape.model import Model
from .project_file import ProjectFile

VERSION = "v1"


def _ids_digest(ids: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(ids, np.int64).tobytes()).hexdigest()


def cached_rows(
    pf: ProjectFile,
    key: str,
    fp: str,
    ids: np.ndarray,
    compute: Callable[[np.ndarray], np.ndarray],
    meta: dict,
    memo: dict | None = None,
) -> np.ndarray:
    """Rows for minima ``ids`` (ascending) under derived ``key``: the cached rows when they
    cover a prefix of ``ids`` with the same fingerprint, plus ``compute(positions)`` for the
    rest; the result is stored back (with ``meta`` added), or into ``memo`` when the project
    is read-only."""
    old, k = None, 0
    hit = memo.get(key) if pf.readonly and memo is not None and key in memo else pf.get_derived(key)
    if hit is not None:
        arr, stored = hit
        n_old = int(stored.get("n_minima", -1))
        if (
            stored.get("fingerprint") == fp
            and 0 <= n_old <= ids.size
            and len(arr) == n_old
            and stored.get("ids_sha1") == _ids_digest(ids[:n_old])
        ):
            old, k = arr, n_old
    if old is not None and k == ids.size:
        return old
    new = compute(np.arange(k, ids.size))
    rows = new if old is None else np.concatenate((old, new))
    stored = {
        **meta,
        "fingerprint": fp,
        "n_minima": int(ids.size),
        "max_id": int(ids[-1]) if ids.size else None,
        "ids_sha1": _ids_digest(ids),
    }
    if not pf.readonly:
        pf.put_derived(key, rows, stored)
    elif memo is not None:
        memo[key] = (rows, stored)
    return rows


def minimum_metrics(
    pf: ProjectFile,
    model: Model,
    dataset: Dataset,
    positive_class: int | None = None,
    memo: dict | None = None,
) -> dict[str, np.ndarray]:
    """Metrics of every stored minimum, in id order: ``id``, ``loss`` (the landscape loss),
    the COLUMNS (train/test cross-entropy, accuracy and AUC of ``positive_class`` — default
    :func:`default_positive_class` —, sparsity, disconnected units), ``lpphe``,
    ``n_zero_modes``, ``hessian_index`` and ``predictions`` (predicted test classes,
    (n_min, n_test) int8).
    """
    c = default_positive_class(dataset) if positive_class is None else int(positive_class)
    if model.is_network and not 0 <= c < model.n_classes:
        raise ValueError(f"positive class must be 0…{model.n_classes - 1}, got {c}")
    m = pf.minima(with_weights=False, order="id")
    ids = m["id"]
    fp = inputs_fingerprint(model, dataset)

    @functools.cache
    def stored() -> dict[str, np.ndarray]:  # weights are read once, and only when needed
        return pf.minima(with_weights=True, order="id")

    def W(pos: np.ndarray) -> np.ndarray:
        rows = np.searchsorted(stored()["id"], ids[pos])  # minima added since are ignored
        return stored()["weights"][rows].reshape(len(pos), model.n_params)

    table = cached_rows(
        pf,
        f"metrics:{VERSION}:pos{c}",
        fp,
        ids,
        lambda pos: metrics_table(model, dataset, W(pos), ids[pos], c),
        {"columns": list(COLUMNS), "positive_class": c},
        memo,
    )
    pred = cached_rows(
        pf,
        f"metrics:{VERSION}:pred_test",
        fp,
        ids,
        lambda pos: test_predictions(model, dataset, W(pos)),
        {"items": "test set"},
        memo,
    )
    return metrics_columns(table, pred, m)

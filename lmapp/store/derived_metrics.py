"""Per-minimum classifier metrics (SPEC §3.4), cached in the project's derived data.

Evaluating every minimum on the train and test sets is the slow part of tables, colourings
and distances, so the results are stored under ``metrics:v1:…`` keys with a fingerprint of
the model and data; later calls compute only minima added since, and everything again when
the fingerprint changes. Read-only projects are computed without caching.
"""
from __future__ import annotations

import functools
import hashlib
from typing import Callable

import numpy as np

from ..datasets import Dataset
from ..engines.mlp import layer_offsets
from ..landscape.distances import predicted_classes
from ..landscape.metrics import minima_metrics
from ..landscape.model import Model
from .codec import to_json
from .project_file import ProjectFile

VERSION = "v1"
#: Columns of the cached table (one row per minimum, in id order); losses are mean
#: cross-entropy without the λ term.
COLUMNS = ("id", "train_loss", "test_loss", "train_acc", "test_acc", "train_auc", "test_auc",
           "sparsity", "disconnected_units")
#: Parameters with |w| below this count as zero (seed 004).
ZERO_WEIGHT = 1e-10
_FROM_MINIMA = ("loss", "lpphe", "n_zero_modes", "hessian_index")


def default_positive_class(dataset: Dataset) -> int:
    """Class AUC is referred to: the equilateral triangle (class 0) for LJAT3 data, else 1."""
    return 0 if dataset.name == "ljat3" else 1


def fingerprint(model: Model, dataset: Dataset) -> str:
    """SHA-1 of the model spec, the dataset spec and the data arrays: what the metrics depend on."""
    h = hashlib.sha1(to_json({"model": model.spec.to_dict(), "dataset": dataset.spec,
                              "name": dataset.name}).encode())
    for a in (dataset.X_train, dataset.y_train, dataset.X_test, dataset.y_test):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def weight_sparsity(model: Model, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``W``: the number of parameters with |w| < ZERO_WEIGHT, and the number of
    hidden units whose in-weights or out-weights are all zero (disconnected; biases aside).

    Frozen locality links are not parameters and are not counted as zeros, but they are zero
    links when judging whether a unit is disconnected.
    """
    W = np.atleast_2d(np.asarray(W, float))
    zeros = np.count_nonzero(np.abs(W) < ZERO_WEIGHT, axis=1)
    disconnected = np.zeros(len(W), np.int64)
    if not model.is_network:
        return zeros, disconnected
    small = np.ones((len(W), model.n_full), bool)
    small[:, model.free] = np.abs(W) < ZERO_WEIGHT
    sizes = model.sizes
    woff = layer_offsets(sizes)[0]
    for l in range(1, len(sizes) - 1):  # hidden layer l: fed by layer l−1, feeding layer l+1
        w_in = small[:, woff[l - 1]:woff[l - 1] + sizes[l] * sizes[l - 1]].reshape(-1, sizes[l], sizes[l - 1])
        w_out = small[:, woff[l]:woff[l] + sizes[l + 1] * sizes[l]].reshape(-1, sizes[l + 1], sizes[l])
        disconnected += np.count_nonzero(w_in.all(axis=2) | w_out.all(axis=1), axis=1)
    return zeros, disconnected


def _compute_metrics(model: Model, dataset: Dataset, W: np.ndarray, ids: np.ndarray,
                     positive_class: int) -> np.ndarray:
    """The COLUMNS table for minima ``ids`` with weights ``W``."""
    tr = minima_metrics(model, W, dataset.X_train, dataset.y_train, positive_class)
    te = minima_metrics(model, W, dataset.X_test, dataset.y_test, positive_class)
    zeros, disconnected = weight_sparsity(model, W)
    return np.column_stack((ids, tr["loss"], te["loss"], tr["accuracy"], te["accuracy"],
                            tr["auc"], te["auc"], zeros, disconnected)).astype(float)


def _test_predictions(model: Model, dataset: Dataset, W: np.ndarray) -> np.ndarray:
    """Predicted test classes (n_min, n_test); (n_min, 0) for a non-classifier."""
    if not model.is_network:
        return np.zeros((len(W), 0), np.int8)
    return predicted_classes(model, W, dataset.X_test)


def _ids_digest(ids: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(ids, np.int64).tobytes()).hexdigest()


def _incremental(pf: ProjectFile, key: str, fp: str, ids: np.ndarray,
                 compute: Callable[[np.ndarray], np.ndarray], meta: dict) -> np.ndarray:
    """Rows for minima ``ids`` (ascending) under derived ``key``: the cached rows when they
    cover a prefix of ``ids`` with the same fingerprint, plus ``compute(positions)`` for the
    rest; the result is stored back (with ``meta`` added) unless the project is read-only."""
    old, k = None, 0
    hit = pf.get_derived(key)
    if hit is not None:
        arr, stored = hit
        n_old = int(stored.get("n_minima", -1))
        if (stored.get("fingerprint") == fp and 0 <= n_old <= ids.size and len(arr) == n_old
                and stored.get("ids_sha1") == _ids_digest(ids[:n_old])):
            old, k = arr, n_old
    if old is not None and k == ids.size:
        return old
    new = compute(np.arange(k, ids.size))
    rows = new if old is None else np.concatenate((old, new))
    if not pf.readonly:
        pf.put_derived(key, rows, {**meta, "fingerprint": fp, "n_minima": int(ids.size),
                                   "max_id": int(ids[-1]) if ids.size else None,
                                   "ids_sha1": _ids_digest(ids)})
    return rows


def minimum_metrics(pf: ProjectFile, model: Model, dataset: Dataset,
                    positive_class: int | None = None) -> dict[str, np.ndarray]:
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
    fp = fingerprint(model, dataset)

    @functools.cache
    def stored() -> dict[str, np.ndarray]:  # weights are read once, and only when needed
        return pf.minima(with_weights=True, order="id")

    def W(pos: np.ndarray) -> np.ndarray:
        rows = np.searchsorted(stored()["id"], ids[pos])  # minima added since are ignored
        return stored()["weights"][rows].reshape(len(pos), model.n_params)

    table = _incremental(pf, f"metrics:{VERSION}:pos{c}", fp, ids,
                         lambda pos: _compute_metrics(model, dataset, W(pos), ids[pos], c),
                         {"columns": list(COLUMNS), "positive_class": c})
    pred = _incremental(pf, f"metrics:{VERSION}:pred_test", fp, ids,
                        lambda pos: _test_predictions(model, dataset, W(pos)),
                        {"items": "test set"})
    out = {name: table[:, i] for i, name in enumerate(COLUMNS)}
    out["id"] = ids
    for name in ("sparsity", "disconnected_units"):
        out[name] = out[name].astype(np.int64)
    out.update({name: m[name] for name in _FROM_MINIMA}, predictions=pred)
    return out

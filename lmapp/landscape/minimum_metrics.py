"""Per-minimum classifier metrics (SPEC §3.4): train/test loss, accuracy and AUC, sparsity,
disconnected units and test predictions, as pure functions of a model, data and weights. The
project file caches them (:mod:`lmapp.store.metrics_cache`); the app, the CLI and the API
all read them from there, so every view shows the same numbers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from ..datasets import Dataset
from ..engines.mlp import layer_offsets
from .distances import predicted_classes
from .metrics import minima_metrics
from .model import Model

#: Columns of the metrics table (one row per minimum, in id order); losses are mean
#: cross-entropy without the λ term.
COLUMNS = (
    "id",
    "train_loss",
    "test_loss",
    "train_acc",
    "test_acc",
    "train_auc",
    "test_auc",
    "sparsity",
    "disconnected_units",
)
#: Parameters with |w| below this count as zero (seed 004).
ZERO_WEIGHT = 1e-10


def _plain(value: Any) -> Any:
    """numpy values as JSON ones (for the fingerprint)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not part of a model or dataset spec")


def inputs_fingerprint(model: Model, dataset: Dataset) -> str:
    """SHA-1 of the model spec, the dataset spec and the data arrays: everything the metrics
    of a minimum depend on besides its weights (a cache of them is valid while it holds)."""
    text = json.dumps(
        {"model": model.spec.to_dict(), "dataset": dataset.spec, "name": dataset.name},
        sort_keys=True,
        default=_plain,
        allow_nan=False,
    )
    h = hashlib.sha1(text.encode())
    for a in (dataset.X_train, dataset.y_train, dataset.X_test, dataset.y_test):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def metrics_columns(
    table: np.ndarray, predictions: np.ndarray, stored: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The metrics of minima as named columns: the COLUMNS of ``table`` (counts as integers),
    the stored minimum fields (loss, lpphe, n_zero_modes, hessian_index) and ``predictions``."""
    out = {name: table[:, i] for i, name in enumerate(COLUMNS)}
    out["id"] = stored["id"]
    for name in ("sparsity", "disconnected_units"):
        out[name] = out[name].astype(np.int64)
    out.update({name: stored[name] for name in FROM_MINIMA}, predictions=predictions)
    return out


#: Fields of the metrics that are stored with each minimum rather than computed.
FROM_MINIMA = ("loss", "lpphe", "n_zero_modes", "hessian_index")


def default_positive_class(dataset: Dataset) -> int:
    """Class AUC is referred to: the equilateral triangle (class 0) for LJAT3 data, else 1."""
    return 0 if dataset.name == "ljat3" else 1


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
        w_in = small[:, woff[l - 1] : woff[l - 1] + sizes[l] * sizes[l - 1]].reshape(
            -1, sizes[l], sizes[l - 1]
        )
        w_out = small[:, woff[l] : woff[l] + sizes[l + 1] * sizes[l]].reshape(
            -1, sizes[l + 1], sizes[l]
        )
        disconnected += np.count_nonzero(w_in.all(axis=2) | w_out.all(axis=1), axis=1)
    return zeros, disconnected


def metrics_table(
    model: Model, dataset: Dataset, W: np.ndarray, ids: np.ndarray, positive_class: int
) -> np.ndarray:
    """The COLUMNS table for minima ``ids`` with weights ``W``."""
    tr = minima_metrics(model, W, dataset.X_train, dataset.y_train, positive_class)
    te = minima_metrics(model, W, dataset.X_test, dataset.y_test, positive_class)
    zeros, disconnected = weight_sparsity(model, W)
    return np.column_stack(
        (
            ids,
            tr["loss"],
            te["loss"],
            tr["accuracy"],
            te["accuracy"],
            tr["auc"],
            te["auc"],
            zeros,
            disconnected,
        )
    ).astype(float)


def test_predictions(model: Model, dataset: Dataset, W: np.ndarray) -> np.ndarray:
    """Predicted test classes (n_min, n_test); (n_min, 0) for a non-classifier."""
    if not model.is_network:
        return np.zeros((len(W), 0), np.int8)
    return predicted_classes(model, W, dataset.X_test)

"""Validation and conversion of caller-supplied values into SQLite parameters.

Everything is checked before a transaction starts, so a bad value rejects the whole batch
with a ProjectError naming the row and field, and numpy scalars become plain Python numbers.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Literal, overload

import numpy as np

from .codec import array_to_blob
from .errors import ProjectError


@overload
def as_real(value: Any, what: str, *, finite: Literal[True]) -> float: ...
@overload
def as_real(value: Any, what: str, *, finite: bool = False) -> float | None: ...
def as_real(value: Any, what: str, *, finite: bool = False) -> float | None:
    """A float from any real number (None passes through unless `finite` is asked)."""
    if value is None and not finite:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ProjectError(f"{what} must be a real number, got {value!r}")
    result = float(value)
    if finite and not math.isfinite(result):
        raise ProjectError(f"{what} must be finite, got {result}")
    return result


@overload
def as_int(value: Any, what: str, *, required: Literal[True]) -> int: ...
@overload
def as_int(value: Any, what: str, *, required: bool = False) -> int | None: ...
def as_int(value: Any, what: str, *, required: bool = False) -> int | None:
    """An int from any integer (None passes through unless `required`)."""
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ProjectError(f"{what} must be an integer, got {value!r}")
    return int(value)


def as_weights(value: Any, what: str) -> np.ndarray:
    """A non-empty, finite, 1-D float64 weight vector."""
    try:
        weights = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"{what} is not a numeric vector: {exc}") from exc
    if weights.ndim != 1 or weights.size == 0:
        raise ProjectError(f"{what} must be a non-empty 1-D vector, got shape {weights.shape}")
    if not np.all(np.isfinite(weights)):
        raise ProjectError(f"{what} contains NaN or infinite values")
    return weights


# Field name -> kind of value, in the column order of the INSERT statements.
_REAL, _FINITE, _INT, _WEIGHTS = "real", "finite", "int", "weights"
MINIMUM_FIELDS = {
    "loss": _FINITE,
    "rms_grad": _REAL,
    "hessian_index": _INT,
    "min_eig": _REAL,
    "lpphe": _REAL,
    "n_zero_modes": _INT,
    "walker": _INT,
    "step": _INT,
    "found_at": _REAL,
    "weights": _WEIGHTS,
}
TRANSITION_STATE_FIELDS = {
    "loss": _FINITE,
    "rms_grad": _REAL,
    "eigenvalue": _REAL,
    "lpphe": _REAL,
    "min1": _INT,
    "min2": _INT,
    "found_at": _REAL,
    "weights": _WEIGHTS,
}
_REQUIRED = {"loss", "weights", "min1", "min2"}


def prepare_rows(
    rows: list[dict], fields: dict[str, str], what: str, now: float
) -> tuple[list[tuple], int | None]:
    """Convert row dicts to INSERT parameter tuples (weights as .npy blobs, found_at defaulting
    to `now`); return them with the common weight-vector length (None for no rows)."""
    prepared: list[tuple] = []
    n_params: int | None = None
    for i, row in enumerate(rows):
        label = f"{what} row {i}"
        if not isinstance(row, dict):
            raise ProjectError(f"{label} must be a dict, got {type(row).__name__}")
        unknown = set(row) - set(fields)
        if unknown:
            raise ProjectError(
                f"{label}: unknown field(s) {sorted(unknown)}; allowed: {list(fields)}"
            )
        missing = [name for name in fields if name in _REQUIRED and row.get(name) is None]
        if missing:
            raise ProjectError(f"{label}: missing required field(s) {missing}")
        values: list[object] = []
        for name, kind in fields.items():
            value, where = row.get(name), f"{label}: {name}"
            if kind == _WEIGHTS:
                weights = as_weights(value, where)
                if n_params is not None and weights.size != n_params:
                    raise ProjectError(
                        f"{where} has length {weights.size}, other rows have {n_params}"
                    )
                n_params = weights.size
                values.append(array_to_blob(weights))
            elif kind == _INT:
                values.append(as_int(value, where))
            elif name == "found_at" and value is None:
                values.append(now)
            else:
                values.append(as_real(value, where, finite=kind == _FINITE))
        prepared.append(tuple(values))
    return prepared, n_params

"""Turning a raw label column (integers or strings) into class indices 0..C-1 plus class names."""

from __future__ import annotations

import re

import numpy as np

from .errors import DatasetError


def encode_labels(values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map labels to 0..C-1 in sorted order; integers (also as text) sort numerically, others
    as strings.

    Needs at least two classes. Returns the int64 codes and the class names (original values).
    """
    values = np.asarray(values)
    if values.dtype.kind in "iu" or (values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0)):
        values = values.astype(np.int64)
    elif values.dtype.kind == "f":
        raise DatasetError("labels must be integers or strings, found non-integer numbers")
    else:
        values = np.array([str(v).strip() for v in values.ravel()])
        if all(_is_int(v) for v in values):
            values = values.astype(np.int64)
    classes, codes = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        found = f"only class {classes[0]!s}" if len(classes) else "no labels"
        raise DatasetError(
            f"classification needs at least two classes; the label column has {found}"
        )
    return codes.reshape(-1).astype(np.int64), tuple(str(c) for c in classes)


def _is_int(text: str) -> bool:
    """True when a label string is a plain integer such as "2" or "-1"."""
    return re.fullmatch(r"[+-]?[0-9]{1,18}", text) is not None

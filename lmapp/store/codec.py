"""Encoding of arrays (as .npy bytes) and dicts (as JSON text) for storage in SQLite.

Only plain numeric/string arrays and JSON values are stored, so a project file never
carries executable Python objects.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ProjectError


def array_to_blob(array: np.ndarray) -> bytes:
    """Serialise an array (any shape, dtype and byte order kept) to .npy bytes."""
    array = np.asarray(array)
    if array.dtype.hasobject:
        raise ProjectError(f"cannot store an array of Python objects (dtype {array.dtype})")
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


def blob_to_array(blob: bytes) -> np.ndarray:
    """Read .npy bytes written by array_to_blob; object arrays are refused by numpy."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise ProjectError(f"stored array is not binary data ({type(blob).__name__})")
    try:
        return np.lib.format.read_array(io.BytesIO(blob))  # object arrays are refused
    except (ValueError, OSError, EOFError) as exc:
        raise ProjectError("stored array is unreadable (not a plain .npy array)") from exc


def blobs_to_matrix(blobs: Sequence[bytes]) -> np.ndarray:
    """Stack .npy blobs of equal-length 1-D vectors into an (n, P) array.

    Blobs written alike share one header, so it is parsed once and the data joined directly
    (about 10x faster than decoding each blob); otherwise each blob is decoded on its own.
    """
    first = blob_to_array(blobs[0])
    header = blobs[0][: len(blobs[0]) - first.nbytes]
    if first.ndim == 1 and all(len(b) == len(blobs[0]) and b.startswith(header) for b in blobs):
        data = bytearray().join(b[len(header) :] for b in blobs)
        return np.frombuffer(data, dtype=first.dtype).reshape(len(blobs), first.size)
    try:
        return np.stack([blob_to_array(b) for b in blobs])
    except ValueError as exc:
        raise ProjectError(f"stored vectors differ in shape: {exc}") from exc


def _json_default(value: Any) -> Any:
    """Make numpy scalars and arrays JSON-able (as Python numbers and nested lists)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def strict(value: Any) -> Any:
    """``value`` with NaN and ±inf replaced by None (JSON has no such numbers) and numpy
    values as plain Python ones, so any JSON written is standard JSON."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if isinstance(value, (np.generic, np.ndarray)):
        return strict(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(value: Any) -> str:
    """Deterministic, standard JSON text (sorted keys; NaN/inf stored as null); tuples come
    back as lists."""
    try:
        return json.dumps(strict(value), sort_keys=True, default=_json_default, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"value cannot be stored as JSON: {exc}") from exc


def from_json(text: str) -> Any:
    """Inverse of to_json."""
    return json.loads(text)


def json_text(value: Any, indent: int | None = 1) -> str:
    """Standard JSON for files and the terminal (NaN/inf written as null, numpy values as
    plain numbers), in the order given."""
    return json.dumps(strict(value), indent=indent, allow_nan=False, default=_json_default)

"""Import a user NumPy ``.npz`` archive: keys X, y (split here) or X_train, y_train, X_test, y_test.

An optional ``feature_names`` key (strings) names the columns; otherwise they are x0, x1, ...
Problems raise DatasetError naming the array, row and column (0-based array indices).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .build import RawData, check_seed, finish, from_table, rng_streams
from .dataset import Dataset
from .errors import DatasetError
from .labels import encode_labels
from .mislabel import check_fraction
from .split import check_test_fraction

SPLIT_KEYS = ("X_train", "y_train", "X_test", "y_test")


def load_npz(
    path: str | os.PathLike,
    *,
    seed: int = 0,
    mislabel: float = 0.0,
    standardize: bool = True,
    test_fraction: float = 0.2,
) -> Dataset:
    """Read an .npz archive into a classification Dataset.

    With X, y the rows are split (stratified, seeded, ``test_fraction``); with the four split
    keys the given split is kept and ``test_fraction`` is not used. Labels may be integers or
    strings; they are mapped to 0..C-1 over train and test together.
    """
    check_seed(seed)
    check_fraction(mislabel)
    test_fraction = check_test_fraction(test_fraction)
    path = Path(path)
    arrays = _read_arrays(path)
    if "X" in arrays and "y" in arrays:
        X = _features(arrays, "X")
        y, class_names = encode_labels(_labels(arrays, "y", X.shape[0]))
        names = _feature_names(arrays, X.shape[1])
        raw = from_table(X, y, names, class_names, test_fraction, rng_streams(seed)["split"])
        source = {"source": "npz", "path": str(path), "keys": ["X", "y"]}
    elif all(key in arrays for key in SPLIT_KEYS):
        raw = _presplit(arrays)
        source = {"source": "npz", "path": str(path), "keys": list(SPLIT_KEYS)}
    else:
        found = ", ".join(sorted(arrays)) or "none"
        raise DatasetError(
            f"{path.name} needs arrays X and y, or X_train, y_train, X_test, "
            f"y_test (found: {found})"
        )
    return finish(
        path.stem, raw, seed=seed, mislabel=mislabel, standardize=standardize, spec=source
    )


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """All arrays of the archive (no pickled objects)."""
    if not path.exists():
        raise DatasetError(f"file not found: {path}")
    if not path.is_file():
        raise DatasetError(f"not a file: {path}")
    if path.stat().st_size == 0:
        raise DatasetError(f"{path.name} is empty")
    try:
        archive = np.load(path, allow_pickle=False)
        if isinstance(archive, np.lib.npyio.NpzFile):
            with archive:
                return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DatasetError(
            f"{path.name} is not a readable .npz archive of numeric arrays ({_why(error)})"
        ) from None
    raise DatasetError(f"{path.name} holds a single array, not an .npz archive with named arrays")


def _features(arrays: dict[str, np.ndarray], key: str) -> np.ndarray:
    """A finite 2-D float feature array, or an error naming the first bad cell."""
    X = arrays[key]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DatasetError(
            f"{key} must be a 2-D array with at least one row and column, got shape {X.shape}"
        )
    if X.dtype.kind not in "biuf":
        raise DatasetError(f"{key} must hold numbers, got dtype {X.dtype}")
    X = X.astype(np.float64)
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        row, col = bad[0]
        raise DatasetError(
            f"{key} row {row}, column {col}: value {X[row, col]} is not finite (NaN or infinity)"
        )
    return X


def _labels(arrays: dict[str, np.ndarray], key: str, n_rows: int) -> np.ndarray:
    """A 1-D label array with one entry per feature row."""
    y = arrays[key]
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise DatasetError(
            f"{key} must be 1-D with {n_rows} entries (one per row of X), got shape {y.shape}"
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        row = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DatasetError(f"{key} row {row}: label {y[row]} is not finite")
    return y


def _feature_names(arrays: dict[str, np.ndarray], n_features: int) -> tuple[str, ...]:
    """Names from the optional ``feature_names`` array, else x0, x1, ..."""
    if "feature_names" not in arrays:
        return tuple(f"x{j}" for j in range(n_features))
    names = arrays["feature_names"]
    if names.ndim != 1 or names.shape[0] != n_features:
        raise DatasetError(f"feature_names must list {n_features} names, got shape {names.shape}")
    return tuple(str(n) for n in names)


def _presplit(arrays: dict[str, np.ndarray]) -> RawData:
    """RawData from an archive that already holds the train/test split."""
    X_train = _features(arrays, "X_train")
    X_test = _features(arrays, "X_test")
    if X_test.shape[1] != X_train.shape[1]:
        raise DatasetError(
            f"X_test has {X_test.shape[1]} columns but X_train has {X_train.shape[1]}"
        )
    y_train = _labels(arrays, "y_train", X_train.shape[0])
    y_test = _labels(arrays, "y_test", X_test.shape[0])
    pair = [y_train, y_test]
    if any(part.dtype.kind in "US" for part in pair):  # text in either: compare all labels as text
        pair = [part.astype(str) for part in pair]
    y, class_names = encode_labels(np.concatenate(pair))
    if len(np.unique(y[: len(y_train)])) < 2:
        raise DatasetError("y_train has only one class; classification needs at least two")
    return RawData(
        task="classification",
        X_train=X_train,
        y_train=y[: len(y_train)],
        X_test=X_test,
        y_test=y[len(y_train) :],
        feature_names=_feature_names(arrays, X_train.shape[1]),
        class_names=class_names,
        info={"split": "given in the file"},
    )


def _why(error: Exception) -> str:
    """numpy's reason, without its advice to load untrusted data unsafely."""
    text = str(error)
    if "pickle" in text.lower() or "object arrays" in text.lower():
        return "it is not a zip of .npy arrays, or it holds Python objects, which are never loaded"
    return text

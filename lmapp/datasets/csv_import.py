"""Import a user CSV table (header row, numeric features, integer or string label column).

Every problem raises DatasetError naming the 1-based file line and the column, before any
Dataset exists, so a failed import changes nothing.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np

from .build import check_seed, finish, from_table, rng_streams
from .dataset import Dataset
from .errors import DatasetError
from .labels import encode_labels
from .mislabel import check_fraction
from .split import check_test_fraction


def load_csv(
    path: str | os.PathLike,
    label: str | int,
    *,
    features: list[str] | None = None,
    seed: int = 0,
    mislabel: float = 0.0,
    standardize: bool = True,
    test_fraction: float = 0.2,
) -> Dataset:
    """Read a comma-separated file with a header row into a classification Dataset.

    label: the label column's name or 0-based index; features: feature column names (default:
    every other column). Blank lines are skipped. The rows are split (stratified, seeded),
    optionally standardised with training statistics, and training labels mislabelled.
    """
    check_seed(seed)
    check_fraction(mislabel)
    test_fraction = check_test_fraction(test_fraction)
    path = Path(path)
    header, rows = _read_rows(path)
    label_col = _label_column(header, label)
    feature_cols = _feature_columns(header, label_col, features)
    X = np.empty((len(rows), len(feature_cols)))
    labels = []
    for i, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise DatasetError(
                f"line {line}: expected {len(header)} columns as in the header, found {len(row)}"
            )
        for j, col in enumerate(feature_cols):
            X[i, j] = _number(row[col], line, header[col])
        text = row[label_col].strip()
        if not text:
            raise DatasetError(f"line {line}, column '{header[label_col]}': missing label")
        labels.append(text)
    y, class_names = encode_labels(np.array(labels))
    names = tuple(header[c] for c in feature_cols)
    raw = from_table(X, y, names, class_names, test_fraction, rng_streams(seed)["split"])
    source = {"source": "csv", "path": str(path), "label": header[label_col]}
    return finish(
        path.stem, raw, seed=seed, mislabel=mislabel, standardize=standardize, spec=source
    )


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and the non-blank data rows with their 1-based line numbers."""
    if not path.exists():
        raise DatasetError(f"file not found: {path}")
    if not path.is_file():
        raise DatasetError(f"not a file: {path}")
    rows = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            for row in reader:
                if any(cell.strip() for cell in row):
                    rows.append((reader.line_num, row))
    except UnicodeDecodeError:
        raise DatasetError(f"{path.name} is not UTF-8 text") from None
    except csv.Error as error:
        raise DatasetError(f"{path.name}: cannot parse CSV ({error})") from None
    if not rows:
        raise DatasetError(f"{path.name} is empty")
    line, header = rows[0]
    header = [cell.strip() for cell in header]
    for j, name in enumerate(header):
        if not name:
            raise DatasetError(
                f"line {line}: header column {j + 1} has no name (a header row is required)"
            )
        if name in header[:j]:
            raise DatasetError(f"line {line}: header column name '{name}' appears twice")
    if len(rows) == 1:
        raise DatasetError(f"{path.name} has a header but no data rows")
    return header, rows[1:]


def _label_column(header: list[str], label: str | int) -> int:
    """Index of the label column given by name or 0-based index."""
    available = ", ".join(header)
    if isinstance(label, str):
        if label not in header:
            raise DatasetError(f"label column '{label}' not found; available columns: {available}")
        return header.index(label)
    if (
        isinstance(label, bool)
        or not isinstance(label, int)
        or not -len(header) <= label < len(header)
    ):
        raise DatasetError(
            f"label column index {label!r} out of range for {len(header)} columns: {available}"
        )
    return label % len(header)


def _feature_columns(header: list[str], label_col: int, features: list[str] | None) -> list[int]:
    """Indices of the feature columns (default: all but the label)."""
    if features is None:
        columns = [j for j in range(len(header)) if j != label_col]
    else:
        missing = [name for name in features if name not in header]
        if missing:
            raise DatasetError(
                f"feature column(s) not found: {', '.join(missing)}; "
                f"available columns: {', '.join(header)}"
            )
        columns = [header.index(name) for name in features]
        if label_col in columns:
            raise DatasetError(
                f"column '{header[label_col]}' cannot be both the label and a feature"
            )
    if not columns:
        raise DatasetError(
            "no feature columns: the table needs at least one column besides the label"
        )
    return columns


def _number(cell: str, line: int, column: str) -> float:
    """A finite float from a feature cell, or a DatasetError naming line and column."""
    text = cell.strip()
    if not text:
        raise DatasetError(f"line {line}, column '{column}': empty cell, a number is required")
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(f"line {line}, column '{column}': '{text}' is not a number") from None
    if not math.isfinite(value):
        raise DatasetError(
            f"line {line}, column '{column}': value '{text}' is not finite (NaN or infinity)"
        )
    return value

"""PATHSAMPLE files (SPEC §4): ``min.data``, ``ts.data``, ``points.min``, ``points.ts``.

min.data rows: E, ln Π ω² (LPPHE), point-group order, three inertia columns.
ts.data rows: E, ln Π ω² (positive modes), order, min1, min2 (1-based lines of min.data),
three inertia columns. points.* are Fortran direct-access records of 3·NATOMS float64 values
(native little-endian, no record markers): the P weights, zero-padded to a multiple of three
(NATOMS = ⌈P/3⌉). A network has no rotations, so order = 1 and the inertia columns are 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


class PathsampleError(ValueError):
    """A PATHSAMPLE folder that cannot be read (message names file and line)."""


@dataclass(frozen=True)
class PathsampleData:
    """The contents of a PATHSAMPLE folder as arrays (minima indices 0-based)."""

    min_energy: np.ndarray
    min_lpphe: np.ndarray
    min_coords: np.ndarray  # (n_min, P)
    ts_energy: np.ndarray
    ts_lpphe: np.ndarray
    ts_min1: np.ndarray
    ts_min2: np.ndarray
    ts_coords: np.ndarray  # (n_ts, P)


def _pad(coords: np.ndarray) -> np.ndarray:
    n, P = coords.shape
    out = np.zeros((n, 3 * ((P + 2) // 3)))
    out[:, :P] = coords
    return out


def write_pathsample(folder: str | Path, data: PathsampleData) -> None:
    """Write the four files into ``folder`` (created if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "min.data", "w") as fh:
        for e, l in zip(data.min_energy, data.min_lpphe):
            fh.write(f"{e:25.17e} {l:25.17e} {1:6d} {1.0:12.6f} {1.0:12.6f} {1.0:12.6f}\n")
    with open(folder / "ts.data", "w") as fh:
        for e, l, a, b in zip(data.ts_energy, data.ts_lpphe, data.ts_min1, data.ts_min2):
            fh.write(
                f"{e:25.17e} {l:25.17e} {1:6d} {a + 1:8d} {b + 1:8d} "
                f"{1.0:12.6f} {1.0:12.6f} {1.0:12.6f}\n"
            )
    _pad(data.min_coords).astype("<f8").tofile(folder / "points.min")
    _pad(data.ts_coords).astype("<f8").tofile(folder / "points.ts")


def _lines(path: Path) -> list[str]:
    """The text lines of a PATHSAMPLE data file (ASCII numbers); bytes that are not text name
    the line they are on."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PathsampleError(
            f"{path.name} line {line}: byte {raw[exc.start]:#04x} is not text "
            "(expected numbers in ASCII)"
        ) from None


def _table(path: Path, n_cols: int) -> np.ndarray:
    rows = []
    for i, line in enumerate(_lines(path), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < n_cols:
            raise PathsampleError(
                f"{path.name} line {i}: expected {n_cols} columns, got {len(parts)}"
            )
        try:
            rows.append([float(v.replace("D", "E").replace("d", "e")) for v in parts[:n_cols]])
        except ValueError:
            raise PathsampleError(
                f"{path.name} line {i}: non-numeric value in {line.strip()!r}"
            ) from None
    table = np.array(rows, float).reshape(-1, n_cols)
    if not np.all(np.isfinite(table)):
        bad = int(np.argwhere(~np.isfinite(table))[0, 0]) + 1
        raise PathsampleError(f"{path.name} record {bad}: NaN or infinite value")
    return table


def _points(path: Path, n: int, P: int) -> np.ndarray:
    width = 3 * ((P + 2) // 3)
    raw = np.fromfile(path, dtype="<f8") if path.exists() else np.zeros(0)
    if raw.size != n * width:
        raise PathsampleError(
            f"{path.name}: {raw.size} values, expected {n} records of "
            f"{width} (P = {P} weights padded to 3·NATOMS)"
        )
    return raw.reshape(n, width)[:, :P].copy()


def read_pathsample(folder: str | Path, n_params: int) -> PathsampleData:
    """Read a PATHSAMPLE folder for a model with ``n_params`` weights."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PathsampleError(f"{folder} is not a folder")
    if not (folder / "min.data").exists():
        raise PathsampleError(f"{folder} has no min.data")
    mins = _table(folder / "min.data", 2)
    ts = _table(folder / "ts.data", 5) if (folder / "ts.data").exists() else np.zeros((0, 5))
    n_min = mins.shape[0]
    ends = ts[:, 3:5]
    if ends.size and (np.any(ends != np.round(ends)) or ends.min() < 1 or ends.max() > n_min):
        bad = int(np.argwhere((ends < 1) | (ends > n_min) | (ends != np.round(ends)))[0, 0]) + 1
        raise PathsampleError(f"ts.data line {bad}: minimum index outside 1..{n_min}")
    return PathsampleData(
        mins[:, 0],
        mins[:, 1],
        _points(folder / "points.min", n_min, n_params),
        ts[:, 0],
        ts[:, 1],
        ends[:, 0].astype(np.int64) - 1,
        ends[:, 1].astype(np.int64) - 1,
        _points(folder / "points.ts", ts.shape[0], n_params),
    )

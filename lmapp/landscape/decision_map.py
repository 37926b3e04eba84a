"""Decision maps (SPEC §3.8, seed 004 §IV.D, seed 000 Fig. 4): a model's output over a grid of
an input plane, for drawing, and the XOR robustness score.

Two-feature data are mapped directly. For more features a :class:`Plane` maps plane
coordinates (u, v) back to input space: a slice through two chosen features (the others fixed
at their training mean or median) or the plane of the first two principal components of the
standardised training data. Grids are indexed ``values[i, j]`` at (``xs[j]``, ``ys[i]``), rows
along the second coordinate, as images are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mlsup import Ensemble, member_probabilities
from .model import Model

XOR_BOUNDS = (-0.5, 1.5, -0.5, 1.5)
XOR_STEP = 0.015


@dataclass(frozen=True)
class Plane:
    """An affine plane in input space: x = origin + scale · (u·axes[0] + v·axes[1])."""

    origin: np.ndarray  #: (d,) input point at (0, 0)
    axes: np.ndarray  #: (2, d) orthonormal directions (in standardised units for PCA)
    scale: np.ndarray  #: (d,) per-feature scale (ones, or the feature std for PCA)

    def to_input(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Input points (n, d) of plane coordinates u, v (n each)."""
        uv = np.column_stack([np.ravel(u), np.ravel(v)])
        return self.origin + self.scale * (uv @ self.axes)

    def project(self, X: np.ndarray) -> np.ndarray:
        """Plane coordinates (n, 2) of input points: orthogonal projection in the plane's
        (standardised) units; exact inverse of :meth:`to_input` for points in the plane."""
        return ((np.asarray(X, float) - self.origin) / self.scale) @ self.axes.T


def feature_plane(X_train: np.ndarray, i: int, j: int, fill: str = "mean") -> Plane:
    """The slice through features i and j; the others stay at their training ``fill``
    (``mean`` or ``median``)."""
    X_train = np.asarray(X_train, float)
    d = X_train.shape[1]
    if not (0 <= i < d and 0 <= j < d and i != j):
        raise ValueError(f"need two different features in 0…{d - 1}, got {i} and {j}")
    if fill not in ("mean", "median"):
        raise ValueError(f"fill must be 'mean' or 'median', got {fill!r}")
    origin = np.mean(X_train, axis=0) if fill == "mean" else np.median(X_train, axis=0)
    origin[[i, j]] = 0.0
    axes = np.zeros((2, d))
    axes[0, i] = axes[1, j] = 1.0
    return Plane(origin, axes, np.ones(d))


def pca_plane(X_train: np.ndarray) -> Plane:
    """The plane of the first two principal components of the standardised training data
    (SVD); plane coordinates are the component scores, origin the training mean."""
    X_train = np.asarray(X_train, float)
    if X_train.ndim != 2 or X_train.shape[1] < 2 or X_train.shape[0] < 2:
        raise ValueError(f"PCA plane needs ≥ 2 rows and ≥ 2 features, got shape {X_train.shape}")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    _, _, vt = np.linalg.svd((X_train - mean) / std, full_matrices=False)
    return Plane(mean, vt[:2].copy(), std)


def grid_axes(
    bounds: tuple[float, float, float, float], step: float | None = None, n: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Grid coordinates over (xmin, xmax, ymin, ymax): every ``step`` from the lower bound
    (not beyond the upper), or ``n`` evenly spaced points per axis including both bounds."""
    x0, x1, y0, y1 = (float(b) for b in bounds)
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"bounds must be (xmin, xmax, ymin, ymax) with min < max, got {bounds}")
    if (step is None) == (n is None):
        raise ValueError("give exactly one of step and n")
    if step is not None:
        if not step > 0:
            raise ValueError(f"step must be > 0, got {step}")
        return (
            x0 + step * np.arange(int(np.floor((x1 - x0) / step + 1e-9)) + 1),
            y0 + step * np.arange(int(np.floor((y1 - y0) / step + 1e-9)) + 1),
        )
    if n is None or n < 2:  # (None only to tell the type checker: one of step and n is given)
        raise ValueError(f"n must be ≥ 2, got {n}")
    return np.linspace(x0, x1, n), np.linspace(y0, y1, n)


def _grid_inputs(xs: np.ndarray, ys: np.ndarray, plane: Plane | None) -> np.ndarray:
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()]) if plane is None else plane.to_input(gx, gy)


def _values(P: np.ndarray, output: str, positive_class: int) -> np.ndarray:
    if output == "proba":
        return P[:, positive_class]
    if output == "class":
        return P.argmax(axis=1)
    raise ValueError(f"output must be 'proba' or 'class', got {output!r}")


def decision_map(
    model: Model,
    w: np.ndarray,
    bounds: tuple[float, float, float, float],
    step: float | None = None,
    n: int | None = None,
    plane: Plane | None = None,
    output: str = "proba",
    positive_class: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``xs``, ``ys`` and the map (len(ys), len(xs)) of weights ``w``: the probability of
    ``positive_class`` (``output="proba"``) or the predicted class (``"class"``). Without a
    plane the model must take exactly two inputs."""
    xs, ys = grid_axes(bounds, step, n)
    X = _grid_inputs(xs, ys, plane)
    if X.shape[1] != model.sizes[0]:
        raise ValueError(f"the model takes {model.sizes[0]} inputs; give a plane for the grid")
    P = model.predict_proba(w, X)
    return xs, ys, _values(P, output, positive_class).reshape(ys.size, xs.size)


def ensemble_map(
    ens: Ensemble,
    model: Model,
    bounds: tuple[float, float, float, float],
    step: float | None = None,
    n: int | None = None,
    plane: Plane | None = None,
    positive_class: int = 1,
) -> dict[str, np.ndarray]:
    """An MLSUP over the grid: ``xs``, ``ys``, ``member`` (index into ``ens.members`` the gate
    picks per cell), ``proba`` (the ensemble's probability of ``positive_class``) and
    ``member_proba`` (m, ny, nx) of every member."""
    xs, ys = grid_axes(bounds, step, n)
    X = _grid_inputs(xs, ys, plane)
    P = member_probabilities(model, ens.member_weights, X)
    choice = ens.choose(X)
    shape = (ys.size, xs.size)
    return {
        "xs": xs,
        "ys": ys,
        "member": choice.reshape(shape),
        "proba": P[choice, np.arange(X.shape[0]), positive_class].reshape(shape),
        "member_proba": P[:, :, positive_class].reshape(-1, *shape),
    }


def xor_ideal(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The ideal XOR map of seed 004: class 0 where |x − y| ≤ 0.5, class 1 elsewhere."""
    gx, gy = np.meshgrid(xs, ys)
    return (np.abs(gx - gy) > 0.5).astype(np.int64)


def xor_robustness(model: Model, w: np.ndarray) -> float:
    """Fraction of cells of the [−0.5, 1.5]² grid (step 0.015) where the predicted class of
    ``w`` agrees with the ideal XOR map."""
    xs, ys, cls = decision_map(model, w, XOR_BOUNDS, step=XOR_STEP, output="class")
    return float(np.mean(cls == xor_ideal(xs, ys)))

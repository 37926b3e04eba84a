"""The symmetry group of a model's parameters (SPEC §2.3): a canonical representative to store,
and the alignment that identity, distances and DNEB bands use.

``canonical`` maps a parameter vector to one fixed member of its symmetry orbit (a sort, fine as
the stored representative and as a fast pre-filter); ``align(a, b)`` returns the copy of ``b``
nearest to ``a`` over the whole group and that distance, which is what decides identity.
The group acts by isometries, so ``‖canonical(a) − canonical(b)‖ ≥ align(a, b)[1]``: two
canonical forms closer than a tolerance always mean an aligned distance below it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numba import njit

from ..engines.alignment import align_network_free, aligned_distances_free
from ..engines.canonical import canonicalize_free_rows
from ..engines.regression_symmetry import align_regression, canonical_regression


class Symmetry(Protocol):
    """A model's parameter symmetries."""

    @property
    def description(self) -> str:
        """What the group is, for the docs and ``lmapp info``."""
        ...

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        """Canonical representatives of the rows of ``W``."""
        ...

    def align(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
        """(the symmetry copy of ``b`` nearest to ``a``, its Euclidean distance to ``a``)."""
        ...

    def distances(self, a: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Aligned distance from ``a`` to every row of ``B``."""
        ...


def distances_by_rows(symmetry: Symmetry, a: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Aligned distances one row at a time (for symmetries without a batch kernel)."""
    return np.array([symmetry.align(a, b)[1] for b in B], float).reshape(len(B))


def canonical(symmetry: Symmetry, w: np.ndarray) -> np.ndarray:
    """Canonical representative of one vector."""
    return symmetry.canonical_rows(np.ascontiguousarray(w, float)[None, :])[0]


@dataclass(frozen=True)
class NoSymmetry:
    """Parameters without symmetries: the vector is its own representative."""

    description: str = "none (plain Euclidean distance)"

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        return np.array(W, float)

    def align(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
        b = np.array(b, float)
        return b, float(np.linalg.norm(np.asarray(a, float) - b))

    def distances(self, a: np.ndarray, B: np.ndarray) -> np.ndarray:
        return np.linalg.norm(np.asarray(B, float) - np.asarray(a, float), axis=1)


@dataclass(frozen=True)
class NetworkSymmetry:
    """Hidden-unit permutations (unless node locality fixes the units) and tanh sign flips, per
    hidden layer; with unregularised biases also the shift of all output biases (a zero mode)."""

    sizes: np.ndarray
    free: np.ndarray
    n_full: int
    permute: bool
    center_outputs: bool

    @property
    def description(self) -> str:
        hidden = [int(h) for h in self.sizes[1:-1]]
        group = "unit permutations and sign flips" if self.permute else "sign flips"
        shift = "; shift of the output biases" if self.center_outputs else ""
        return f"{group} of the hidden layers {hidden}{shift}"

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        return canonicalize_free_rows(
            np.ascontiguousarray(W, float),
            self.free,
            self.n_full,
            self.sizes,
            self.permute,
            1e-7,
            self.center_outputs,
        )

    def align(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
        w, d = align_network_free(
            np.ascontiguousarray(a, float),
            np.ascontiguousarray(b, float),
            self.free,
            self.n_full,
            self.sizes,
            self.permute,
            self.center_outputs,
        )
        return w, float(d)

    def distances(self, a: np.ndarray, B: np.ndarray) -> np.ndarray:
        return aligned_distances_free(
            np.ascontiguousarray(a, float),
            np.ascontiguousarray(B, float),
            self.free,
            self.n_full,
            self.sizes,
            self.permute,
            self.center_outputs,
        )


@njit(cache=True, nogil=True)
def _canonical_regression_rows(W):
    out = np.empty_like(W)
    for i in range(W.shape[0]):
        out[i] = canonical_regression(W[i])
    return out


@dataclass(frozen=True)
class RegressionSymmetry:
    """Phase periodicity, the joint π shift, per-factor mirrors and the factor swap of the
    seed-001 regression model (:mod:`lmapp.engines.regression_symmetry`)."""

    description: str = (
        "phases mod 2π, (q3, q5) + π, (q2, q3) → (−q2, π − q3) per factor, "
        "factor swap; canonical: q2 ≤ q4, q2, q4 ≥ 0, q3 ∈ [0, π), q5 ∈ [0, 2π)"
    )

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        return _canonical_regression_rows(np.ascontiguousarray(W, float))

    def align(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
        w, d = align_regression(np.ascontiguousarray(a, float), np.ascontiguousarray(b, float))
        return w, float(d)

    def distances(self, a: np.ndarray, B: np.ndarray) -> np.ndarray:
        return distances_by_rows(self, a, B)


@dataclass(frozen=True)
class HookSymmetry:
    """A user model's own symmetry hooks: ``canonical(w) -> w`` and/or ``align(a, b) -> b'``
    (the copy of b nearest to a). A missing hook means the identity map / no alignment."""

    canonical_hook: Callable[[np.ndarray], np.ndarray] | None = None
    align_hook: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    description: str = "user hooks"

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        W = np.array(W, float)
        if self.canonical_hook is None:
            return W
        return np.array([np.asarray(self.canonical_hook(w.copy()), float) for w in W])

    def align(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
        a = np.asarray(a, float)
        if self.align_hook is None:
            b = np.array(b, float)
        else:
            b = np.array(self.align_hook(a.copy(), np.array(b, float)), float)
        return b, float(np.linalg.norm(a - b))

    def distances(self, a: np.ndarray, B: np.ndarray) -> np.ndarray:
        return distances_by_rows(self, a, B)

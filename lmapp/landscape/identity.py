"""Identity of stationary points (SPEC §2.3): when two minima (or two transition states) are the
same point of the landscape.

Two points are the same when |ΔL| < EDIFF and either
1. their distance minimised over the model's symmetry group is < GEOMDIFF
   (:meth:`Symmetry.align`; the stored canonical forms are only a fast pre-filter: closer than
   GEOMDIFF already implies it), or
2. (the model-agnostic safety net) what they compute agrees: the model's outputs at its probe
   inputs (:meth:`Model.fingerprint`: class probabilities of a network at training inputs and
   points around them, the regression curve on a grid, or a user model's ``predict``) differ
   by less than OUTPUT_TOL × max(1, largest |output|) everywhere. This catches whatever
   symmetry relates them, including ones nobody declared.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .symmetry import Symmetry

#: Default identity thresholds (OPTIM/GMIN names) and the output-agreement tolerance.
EDIFF = 1e-7
GEOMDIFF = 1e-2
OUTPUT_TOL = 1e-4


@dataclass(frozen=True)
class IdentityRule:
    """Thresholds of the identity test."""

    ediff: float = EDIFF
    geomdiff: float = GEOMDIFF
    output_tol: float = OUTPUT_TOL


def outputs_agree(oa: np.ndarray, ob: np.ndarray, tol: float) -> bool:
    """Outputs equal within ``tol`` × max(1, largest magnitude) at every probe."""
    scale = max(1.0, float(np.max(np.abs(oa))) if oa.size else 1.0)
    return bool(oa.shape == ob.shape and np.max(np.abs(oa - ob), initial=0.0) < tol * scale)


class PointRegistry:
    """Known stationary points sorted by loss, answering "is this one new?" by the identity rule.

    ``fingerprint(w)`` gives the outputs for the safety net (None: no safety net). Coordinates
    are stored as copies of the canonical vectors given to :meth:`add`.
    """

    def __init__(
        self,
        symmetry: Symmetry,
        fingerprint: Callable[[np.ndarray], np.ndarray] | None,
        rule: IdentityRule = IdentityRule(),
    ) -> None:
        self.symmetry = symmetry
        self.fingerprint = fingerprint
        self.rule = rule
        self._loss: list[float] = []
        self._ids: list[int] = []
        self._coords: list[np.ndarray] = []
        self._fingerprints: list[np.ndarray | None] = []  # computed when first needed

    def __len__(self) -> int:
        return len(self._ids)

    def match(self, loss: float, w: np.ndarray) -> int | None:
        """Id of a known point identical to (``loss``, canonical weights ``w``), else None."""
        r = self.rule
        lo = bisect.bisect_left(self._loss, loss - r.ediff)
        hi = bisect.bisect_right(self._loss, loss + r.ediff)
        if lo == hi:
            return None
        for i in range(lo, hi):  # canonical forms: cheap and sufficient
            if float(np.linalg.norm(self._coords[i] - w)) < r.geomdiff:
                return self._ids[i]
        for i in range(lo, hi):  # optimal alignment over the symmetry group: decides
            if self.symmetry.align(self._coords[i], w)[1] < r.geomdiff:
                return self._ids[i]
        if self.fingerprint is None:
            return None
        mine = self.fingerprint(w)
        for i in range(lo, hi):  # the model-agnostic safety net
            if outputs_agree(self._fingerprint_of(i), mine, r.output_tol):
                return self._ids[i]
        return None

    def _fingerprint_of(self, i: int) -> np.ndarray:
        fp = self._fingerprints[i]
        if fp is None:
            assert self.fingerprint is not None
            fp = self._fingerprints[i] = self.fingerprint(self._coords[i])
        return fp

    def add(self, point_id: int, loss: float, w: np.ndarray) -> None:
        """Register a point under ``point_id`` (its canonical weights are copied)."""
        i = bisect.bisect_right(self._loss, loss)
        self._loss.insert(i, float(loss))
        self._ids.insert(i, int(point_id))
        self._coords.insert(i, np.array(w, float))
        self._fingerprints.insert(i, None)

    def add_many(self, point_ids: np.ndarray, losses: np.ndarray, W: np.ndarray) -> None:
        """Register many points at once (one sort, O(n log n), where n calls of :meth:`add`
        take O(n²)); their canonical weights are copied as one block."""
        ids = np.asarray(point_ids, np.int64).ravel()
        losses = np.asarray(losses, float).ravel()
        if ids.size != losses.size or len(W) != ids.size:
            raise ValueError(f"{ids.size} ids, {losses.size} losses and {len(W)} weight rows")
        if ids.size == 0:
            return
        block = np.array(W, float).reshape(ids.size, -1)  # a copy: no caller's array kept alive
        loss = np.r_[np.asarray(self._loss, float), losses]
        order = np.argsort(loss, kind="stable")  # earlier points first among equal losses
        old = len(self._ids)

        def merged(kept: list, new: list) -> list:
            return [kept[k] if k < old else new[k - old] for k in order.tolist()]

        self._loss = loss[order].tolist()
        self._ids = merged(self._ids, ids.tolist())
        self._coords = merged(self._coords, list(block))
        self._fingerprints = merged(self._fingerprints, [None] * ids.size)

    def lowest(self) -> tuple[int, float] | None:
        """(id, loss) of the lowest known point."""
        return (self._ids[0], self._loss[0]) if self._ids else None

"""Identity of minima (SPEC §2.3): same if |ΔL| < EDIFF and the canonical weight vectors are
closer than GEOMDIFF (Euclidean)."""
from __future__ import annotations

import bisect

import numpy as np

#: Default identity thresholds (OPTIM/GMIN names).
EDIFF = 1e-7
GEOMDIFF = 1e-2


class MinimaRegistry:
    """Known minima, sorted by loss, answering "is this one new?" in O(log n + matches)."""

    def __init__(self, ediff: float = EDIFF, geomdiff: float = GEOMDIFF) -> None:
        self.ediff = ediff
        self.geomdiff = geomdiff
        self._loss: list[float] = []
        self._ids: list[int] = []
        self._coords: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._ids)

    def match(self, loss: float, wc: np.ndarray) -> int | None:
        """Id of a known minimum identical to (loss, canonical weights ``wc``), else None."""
        lo = bisect.bisect_left(self._loss, loss - self.ediff)
        hi = bisect.bisect_right(self._loss, loss + self.ediff)
        for i in range(lo, hi):
            if np.linalg.norm(self._coords[i] - wc) < self.geomdiff:
                return self._ids[i]
        return None

    def add(self, min_id: int, loss: float, wc: np.ndarray) -> None:
        """Register a minimum under ``min_id``."""
        i = bisect.bisect_right(self._loss, loss)
        self._loss.insert(i, float(loss))
        self._ids.insert(i, int(min_id))
        self._coords.insert(i, np.asarray(wc, float))

    def lowest(self) -> tuple[int, float] | None:
        """(id, loss) of the lowest known minimum."""
        return (self._ids[0], self._loss[0]) if self._ids else None

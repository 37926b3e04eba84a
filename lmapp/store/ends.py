"""Where each transition state's two minima are among the stored minima: the one mapping
from stored ids to positions, which refuses a transition state that names a missing minimum."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ProjectError


def end_positions(
    path: Path, min_ids: np.ndarray, ts: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """0-based positions in ``min_ids`` (ascending, as ``minima(order="id")`` gives them) of
    each transition state's ``min1`` and ``min2``; ProjectError naming the row otherwise."""
    min_ids = np.asarray(min_ids, np.int64)
    ends = []
    for column in ("min1", "min2"):
        want = np.asarray(ts[column], np.int64)
        pos = np.searchsorted(min_ids, want)
        ok = pos < min_ids.size
        ok[ok] = min_ids[pos[ok]] == want[ok]
        if not ok.all():
            k = int(np.flatnonzero(~ok)[0])
            raise ProjectError(
                f"{path}: table transition_states, row id {int(ts['id'][k])}, "
                f"column {column}: minimum {int(want[k])} is not stored"
            )
        ends.append(pos.astype(np.int64))
    return ends[0], ends[1]

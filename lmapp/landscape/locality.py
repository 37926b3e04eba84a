"""Node-locality masks (seed 003 §5): which link weights a k-nearest-neighbour network keeps."""

from __future__ import annotations

import numpy as np


def node_positions(n: int) -> np.ndarray:
    """Positions (β−1)/(N−1) of a layer's N nodes on [0, 1] (a single node sits at 0)."""
    return np.zeros(1) if n == 1 else np.arange(n) / (n - 1)


def _nearest(pos_from: float, pos_to: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k nodes of ``pos_to`` nearest to ``pos_from`` (ties: lower index)."""
    order = np.lexsort((np.arange(pos_to.size), np.abs(pos_to - pos_from)))
    return order[:k]


def locality_mask(sizes: list[int], k: int) -> list[np.ndarray]:
    """Boolean keep-masks (out × in) per layer for locality k.

    Each hidden node keeps its k nearest nodes in the previous and in the next layer; a link
    between two hidden layers is kept if either of its end nodes keeps it (lmapp's choice).
    """
    if k < 1:
        raise ValueError(f"locality k must be ≥ 1, got {k}")
    masks = [np.zeros((sizes[l + 1], sizes[l]), bool) for l in range(len(sizes) - 1)]
    pos = [node_positions(n) for n in sizes]
    for l in range(1, len(sizes) - 1):  # hidden layers
        for j in range(sizes[l]):
            masks[l - 1][j, _nearest(pos[l][j], pos[l - 1], k)] = True
            masks[l][_nearest(pos[l][j], pos[l + 1], k), j] = True
    return masks

"""Duplicates among stored stationary points under the current identity rule (SPEC §2.3), for
projects whose points were identified by an older rule (``lmapp dedupe``)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from .identity import IdentityRule
from .model import Model


def duplicates(
    model: Model,
    ids: np.ndarray,
    losses: np.ndarray,
    weights: np.ndarray,
    rule: IdentityRule = IdentityRule(),
    groups: Sequence[Hashable] | None = None,
) -> dict[int, int]:
    """{duplicate id: the lowest id of the same point} over points given in any order.

    ``weights`` are canonical; ``groups`` (optional, one key per point) restricts merging to
    points with equal keys (transition states: the same pair of end minima). Points are
    registered in loss order (each registry then grows at its end: O(n log n) for 10⁵
    points); each set of points that match one registered point is then named by its lowest id.
    """
    registries: dict = {}
    members: dict[int, list[int]] = {}  # registered id → the ids that matched it
    for k in np.argsort(losses, kind="stable"):
        key = None if groups is None else groups[k]
        reg = registries.setdefault(key, model.registry(rule))
        hit = reg.match(float(losses[k]), weights[k])
        if hit is None:
            reg.add(int(ids[k]), float(losses[k]), weights[k])
            members[int(ids[k])] = [int(ids[k])]
        else:
            members[hit].append(int(ids[k]))
    return {
        i: min(same) for same in members.values() if len(same) > 1 for i in same if i != min(same)
    }

"""Duplicates among stored stationary points under the current identity rule (SPEC §2.3), for
projects whose points were identified by an older rule (``lmapp dedupe``)."""
from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from .identity import IdentityRule
from .model import Model


def duplicates(model: Model, ids: np.ndarray, losses: np.ndarray, weights: np.ndarray,
               rule: IdentityRule = IdentityRule(), groups: Sequence[Hashable] | None = None
               ) -> dict[int, int]:
    """{duplicate id: the lowest id of the same point} over points given in any order.

    ``weights`` are canonical; ``groups`` (optional, one key per point) restricts merging to
    points with equal keys (transition states: the same pair of end minima).
    """
    found: dict[int, int] = {}
    registries: dict = {}
    for k in np.argsort(ids, kind="stable"):
        key = None if groups is None else groups[k]
        reg = registries.setdefault(key, model.registry(rule))
        hit = reg.match(float(losses[k]), weights[k])
        if hit is None:
            reg.add(int(ids[k]), float(losses[k]), weights[k])
        else:
            found[int(ids[k])] = int(hit)
    return found

"""What a re-identification changes in a project (``lmapp dedupe``): typed input of
:meth:`ProjectFile.apply_merge`, computed by :mod:`lmapp.jobs.dedupe`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Merge:
    """Duplicates to fold into the points they repeat, and canonical forms to rewrite.

    ``minima`` / ``transition_states``: duplicate id → id it is merged into (always lower);
    ``weights`` / ``ts_weights``: id → new canonical weights (only rows that change).
    """

    minima: dict[int, int] = field(default_factory=dict)
    transition_states: dict[int, int] = field(default_factory=dict)
    weights: dict[int, np.ndarray] = field(default_factory=dict)
    ts_weights: dict[int, np.ndarray] = field(default_factory=dict)

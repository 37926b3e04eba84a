"""Stored rows from verified points: the one mapping from a verification to a minimum's row,
the same for every job that finds minima."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..landscape.verify import Verification


def minimum_row(loss: float, w: np.ndarray, check: Verification, **where: Any) -> dict[str, Any]:
    """The minimum row of ``ProjectFile`` batches for canonical weights ``w`` verified by
    ``check``; ``where`` adds provenance (walker, step)."""
    return {
        "loss": loss,
        "rms_grad": check.rms_grad,
        "hessian_index": check.hessian_index,
        "min_eig": check.min_eig,
        "lpphe": check.lpphe,
        "n_zero_modes": check.n_zero_modes,
        "weights": w,
        **where,
    }

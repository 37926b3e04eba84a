"""Verification of stationary points by their exact Hessian (SPEC §2.1): nothing is stored as a
minimum on the minimiser's word alone."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.lbfgs import rms
from ..engines.spectrum import classify_spectrum
from .model import Model

#: Eigenvalues with |h| ≤ ZERO_TOL are treated as zero modes (reported, excluded from LPPHE).
ZERO_TOL = 1e-9


@dataclass(frozen=True)
class Verification:
    """Outcome of checking one stationary point."""

    is_minimum: bool
    rms_grad: float
    hessian_index: int
    min_eig: float
    lpphe: float
    n_zero_modes: int
    reason: str  # "" when is_minimum, else why it was rejected


def check_stationary(model: Model, x: np.ndarray, tol: float, index_wanted: int,
                     zero_tol: float = ZERO_TOL) -> tuple[bool, float, int, float, float, int, str]:
    """(ok, rms_grad, index, smallest eigenvalue, lpphe, zero modes, reason): RMS gradient
    < ``tol`` and exactly ``index_wanted`` negative exact-Hessian eigenvalues at ``x``."""
    x = np.ascontiguousarray(x, float)
    r = float(rms(model.grad(x)))
    eigs = model.kit.hessian_eigenvalues(x, model.args)
    index, nzero, lpphe = classify_spectrum(eigs, zero_tol)
    reason = ""
    if not np.all(np.isfinite(eigs)):
        reason = "non-finite Hessian"
    elif r >= tol:
        reason = f"RMS gradient {r:.2e} ≥ {tol:.0e}"
    elif index != index_wanted:
        reason = f"Hessian index {index} (smallest eigenvalue {eigs[0]:.3e})"
    return reason == "", r, int(index), float(eigs[0]), float(lpphe), int(nzero), reason


def verify_minimum(model: Model, w: np.ndarray, gtol: float, zero_tol: float = ZERO_TOL) -> Verification:
    """Check RMS gradient < ``gtol`` and no negative exact-Hessian eigenvalue at ``w``."""
    return Verification(*check_stationary(model, w, gtol, 0, zero_tol))

"""Verification of stationary points by their exact Hessian (SPEC §2.1): nothing is stored as a
minimum on the minimiser's word alone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.lbfgs import rms
from ..engines.spectrum import classify_spectrum
from .cholesky_check import Spectrum, cholesky_spectrum
from .model import Model

#: Eigenvalues with |h| ≤ ZERO_TOL are treated as zero modes (reported, excluded from LPPHE).
ZERO_TOL = 1e-9
#: from this many parameters minima are checked by factorisations (:mod:`.cholesky_check`), a
#: fraction of the cost of all eigenvalues; below, the exact eigenvalues cost next to nothing
CHOLESKY_MIN_PARAMS = 200


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


def check_stationary(
    model: Model,
    x: np.ndarray,
    tol: float,
    index_wanted: int,
    zero_tol: float = ZERO_TOL,
    cholesky_from: int = CHOLESKY_MIN_PARAMS,
) -> tuple[bool, float, int, float, float, int, str]:
    """(ok, rms_grad, index, smallest eigenvalue, lpphe, zero modes, reason): RMS gradient
    < ``tol`` and exactly ``index_wanted`` negative exact-Hessian eigenvalues at ``x``. Minima
    of ``cholesky_from`` parameters or more are checked by factorisations."""
    x = np.ascontiguousarray(x, float)
    r = float(rms(model.grad(x)))
    spec, finite, H = None, True, None
    if index_wanted == 0 and x.shape[0] >= cholesky_from:
        H = model.hessian(x)
        finite = bool(np.all(np.isfinite(H)))
        if finite:  # factorised in place: H is gone after this
            spec = cholesky_spectrum(H, zero_tol, remake=lambda: model.hessian(x))
            H = None
        else:
            spec = Spectrum(0, 0, np.nan, np.nan)
    if spec is None:  # the exact eigenvalues decide (of the Hessian made above, if any)
        kernel = model.kit.hessian_eigenvalues  # None only in kits built without a Hessian
        if H is None and kernel is not None:
            eigs = kernel(x, model.args)
        else:
            eigs = np.linalg.eigvalsh(model.hessian(x) if H is None else H)
        finite = bool(np.all(np.isfinite(eigs)))
        index, nzero, lpphe = classify_spectrum(eigs, zero_tol)
        spec = Spectrum(int(index), int(nzero), float(lpphe), float(eigs[0]))
    reason = ""
    if not finite:
        reason = "non-finite Hessian"
    elif r >= tol:
        reason = f"RMS gradient {r:.2e} ≥ {tol:.0e}"
    elif spec.index != index_wanted:
        reason = f"Hessian index {spec.index} (smallest eigenvalue {spec.min_eig:.3e})"
    return (reason == "", r, spec.index, spec.min_eig, spec.lpphe, spec.n_zero_modes, reason)


def verify_minimum(
    model: Model,
    w: np.ndarray,
    gtol: float,
    zero_tol: float = ZERO_TOL,
    cholesky_from: int = CHOLESKY_MIN_PARAMS,
) -> Verification:
    """Check RMS gradient < ``gtol`` and no negative exact-Hessian eigenvalue at ``w``."""
    return Verification(*check_stationary(model, w, gtol, 0, zero_tol, cholesky_from))

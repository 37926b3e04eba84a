"""Hessian spectrum of a stationary point: the basis of index, zero-mode and LPPHE checks."""

from __future__ import annotations

import numpy as np
from numba import njit


def HESS(w, args):  # placeholder: rebound per objective by lmapp.engines.kit
    raise NotImplementedError


def eigenvalues_template(w, args):
    """Ascending eigenvalues of the exact Hessian ``HESS(w, args)`` (compiled by the kit)."""
    return np.linalg.eigvalsh(HESS(w, args))


@njit(cache=True, nogil=True)
def classify_spectrum(eigs, zero_tol):
    """(index, n_zero_modes, lpphe) of an eigenvalue list: negative count beyond ``zero_tol``,
    near-zero count, and Σ ln h over the positive modes (the basin-width measure of SPEC §3.3)."""
    index = 0
    nzero = 0
    lpphe = 0.0
    for h in eigs:
        if h < -zero_tol:
            index += 1
        elif h <= zero_tol:
            nzero += 1
        else:
            lpphe += np.log(h)
    return index, nzero, lpphe

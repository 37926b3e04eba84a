"""Minimum checks that scale: a Cholesky factorisation of the exact Hessian instead of its full
eigendecomposition (SPEC §2.1, §3.3). For P ≈ 8000 a factorisation costs an eighth of
``eigvalsh`` and says all a minimum needs:

- H = UᵀU exists ⇔ every eigenvalue is positive (index 0), and ln det H = 2 Σ ln U_ii is the
  LPPHE (Σ ln h over the modes);
- the smallest eigenvalue comes from block inverse iteration with U (triangular solves), an
  estimate for the table (an upper bound); where it comes within ZERO_MARGIN of the zero-mode
  tolerance the caller takes the exact eigenvalues instead, so the zero-mode count is never a
  guess;
- where the factorisation fails, the exact index is the inertia of an LDLᵀ factorisation
  (Sylvester), and the smallest eigenvalue a Lanczos estimate on H.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

#: smallest eigenvalues below ZERO_MARGIN × the zero-mode tolerance are counted exactly
ZERO_MARGIN = 1e3
#: relative accuracy of the estimates of the smallest eigenvalue (the table shows 3 digits)
ESTIMATE_TOL = 1e-6
#: vectors per step of the inverse iteration, and most steps
BLOCK, MAX_ITERATIONS = 4, 50


@dataclass(frozen=True)
class Spectrum:
    """What a stationary point's check needs of its Hessian's eigenvalues."""

    index: int  #: eigenvalues below −zero_tol
    n_zero_modes: int  #: eigenvalues in [−zero_tol, zero_tol]
    lpphe: float  #: Σ ln h over the eigenvalues above zero_tol
    min_eig: float  #: the smallest eigenvalue (exact, or a Lanczos estimate)


def cholesky_spectrum(
    H: np.ndarray, zero_tol: float, remake: Callable[[], np.ndarray] | None = None
) -> Spectrum | None:
    """The spectrum summary of symmetric ``H`` from factorisations; None where only the exact
    eigenvalues can tell (an eigenvalue of positive definite H within ZERO_MARGIN·zero_tol of
    zero: zero modes or not). Given ``remake`` (a function that makes H anew), H is factorised
    in place, its contents lost, and remade only where the factorisation fails: for P ≈ 8000
    a copy is half a gigabyte of fresh memory, a fifth of the factorisation's time."""
    # H is symmetric: its transpose, a view in Fortran order, is factorised without a copy
    try:
        U = sla.cholesky(H.T, lower=False, overwrite_a=remake is not None, check_finite=False)
    except sla.LinAlgError:
        return _indefinite(H if remake is None else remake(), zero_tol)
    diag = np.diagonal(U)
    if not np.all(np.isfinite(diag)) or np.any(diag <= 0.0):
        return None
    lowest = _lowest_of_positive_definite(U)
    if not lowest > ZERO_MARGIN * zero_tol:
        return None
    return Spectrum(0, 0, float(2.0 * np.sum(np.log(diag))), lowest)


def _lowest_of_positive_definite(U: np.ndarray) -> float:
    """The smallest eigenvalue of UᵀU, by block inverse iteration: the Ritz values of (UᵀU)⁻¹
    on a few vectors converge to its largest, at the price of one blocked triangular solve
    per step (a block costs hardly more than one vector: the solve is memory-bound)."""
    n = U.shape[0]
    if n <= BLOCK:
        return float(np.linalg.eigvalsh(U.T @ U)[0])
    V = np.linalg.qr(np.random.default_rng(0).standard_normal((n, BLOCK)))[0]
    theta = 0.0
    for _ in range(MAX_ITERATIONS):
        W = sla.cho_solve((U, False), V, check_finite=False)
        ritz = np.linalg.eigvalsh(V.T @ W)[-1]  # ≤ the largest eigenvalue of (LLᵀ)⁻¹
        V = np.linalg.qr(W)[0]
        if abs(ritz - theta) <= ESTIMATE_TOL * ritz:
            theta = ritz
            break
        theta = ritz
    return float(1.0 / theta) if theta > 0 else float("nan")


def _indefinite(H: np.ndarray, zero_tol: float) -> Spectrum | None:
    """Index and zero modes from the inertia of H ± zero_tol·I, the smallest eigenvalue by
    Lanczos (no LPPHE: not a minimum); None if a symmetric factorisation breaks down, or if
    there is no eigenvalue below −zero_tol (zero modes: counted exactly by the caller)."""
    n = H.shape[0]
    below = []  # eigenvalues below −zero_tol, below +zero_tol
    for shift in (zero_tol, -zero_tol):
        try:
            _, d, _ = sla.ldl(H + shift * np.eye(n), lower=True, check_finite=False)
        except (sla.LinAlgError, ValueError):
            return None
        below.append(_negative_inertia(d))
    if below[0] == 0:
        return None
    if n <= 2:
        lowest = float(np.linalg.eigvalsh(H)[0])
    else:
        try:
            lowest = float(
                eigsh(
                    H, k=1, which="SA", tol=ESTIMATE_TOL, v0=_start(n), return_eigenvectors=False
                )[0]
            )
        except ArpackNoConvergence as exc:
            lowest = float(exc.eigenvalues[0]) if len(exc.eigenvalues) else float("nan")
    return Spectrum(below[0], below[1] - below[0], float("nan"), lowest)


def _start(n: int) -> np.ndarray:
    """A fixed generic start vector (reproducible, never orthogonal to a symmetric mode)."""
    return np.random.default_rng(0).standard_normal(n)


def _negative_inertia(d: np.ndarray) -> int:
    """Negative eigenvalues of the block-diagonal D of an LDLᵀ factorisation (1×1 and 2×2
    blocks)."""
    n = d.shape[0]
    count, i = 0, 0
    while i < n:
        if i + 1 < n and d[i + 1, i] != 0.0:
            a, b, c = d[i, i], d[i + 1, i], d[i + 1, i + 1]
            det = a * c - b * b
            count += 1 if det < 0 else (2 if a + c < 0 else 0)
            i += 2
        else:
            count += int(d[i, i] < 0)
            i += 1
    return count

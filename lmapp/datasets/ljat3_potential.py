"""LJAT3 potential: Lennard-Jones plus Axilrod-Teller three-body term for three atoms (SPEC §1.2).

V = 4 Σ_{i<j} (r_ij^-12 - r_ij^-6) + Z (1 + 3 cosθ1 cosθ2 cosθ3) / (r12 r13 r23)^3, reduced units.
With Z = 2 it has four minima: an equilateral triangle and three linear isomers (one per central
atom), whose reference values are given below and used to label minimisation outcomes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

Z_DEFAULT = 2.0

#: Equilateral-triangle minimum for Z = 2: bond length and energy (1-D minimisation, 1e-14 tol).
TRIANGLE_BOND = 1.1687523157
TRIANGLE_ENERGY = -2.1850988403
#: Linear minima for Z = 2: centre-neighbour distance and energy.
LINEAR_BOND = 1.1087628942
LINEAR_ENERGY = -2.2190981696


@njit(cache=True, nogil=True)
def distances(x: np.ndarray) -> tuple[float, float, float]:
    """(r12, r13, r23) for Cartesian coordinates x = (x1, y1, z1, x2, ..., z3)."""
    r12 = np.sqrt((x[0] - x[3]) ** 2 + (x[1] - x[4]) ** 2 + (x[2] - x[5]) ** 2)
    r13 = np.sqrt((x[0] - x[6]) ** 2 + (x[1] - x[7]) ** 2 + (x[2] - x[8]) ** 2)
    r23 = np.sqrt((x[3] - x[6]) ** 2 + (x[4] - x[7]) ** 2 + (x[5] - x[8]) ** 2)
    return r12, r13, r23


@njit(cache=True, nogil=True)
def _lj(r: float) -> tuple[float, float]:
    """Lennard-Jones pair energy 4(r^-12 - r^-6) and its derivative d/dr."""
    s6 = r**-6
    return 4.0 * (s6 * s6 - s6), (-48.0 * s6 * s6 + 24.0 * s6) / r


@njit(cache=True, nogil=True)
def _axilrod_teller(a: float, b: float, c: float, z: float) -> tuple[float, float, float, float]:
    """Three-body term for sides a=r12, b=r13, c=r23 and its derivatives w.r.t. a, b, c.

    By the cosine rule 8 a²b²c² cosθ1 cosθ2 cosθ3 = P = (a²+b²-c²)(a²-b²+c²)(-a²+b²+c²), so the
    term is Z (S^-3 + 3/8 P S^-5) with S = abc.
    """
    u, v, w = a * a, b * b, c * c
    p1, p2, p3 = u + v - w, u - v + w, -u + v + w
    P = p1 * p2 * p3
    S = a * b * c
    s3 = S**-3
    s5 = S**-5
    e = z * (s3 + 0.375 * P * s5)
    dP_du = p2 * p3 + p1 * p3 - p1 * p2
    dP_dv = p2 * p3 - p1 * p3 + p1 * p2
    dP_dw = -p2 * p3 + p1 * p3 + p1 * p2
    da = z * (-3.0 * s3 / a + 0.375 * s5 * (2.0 * a * dP_du - 5.0 * P / a))
    db = z * (-3.0 * s3 / b + 0.375 * s5 * (2.0 * b * dP_dv - 5.0 * P / b))
    dc = z * (-3.0 * s3 / c + 0.375 * s5 * (2.0 * c * dP_dw - 5.0 * P / c))
    return e, da, db, dc


@njit(cache=True, nogil=True)
def fg(x: np.ndarray, args: tuple) -> tuple[float, np.ndarray]:
    """Energy and analytic Cartesian gradient for 9 coordinates; ``args = (Z,)``.

    Signature ``fg(x, args) -> (f, g)`` as required by ``lmapp.engines.lbfgs (GMIN-style L-BFGS)``.
    """
    r12, r13, r23 = distances(x)
    e12, d12 = _lj(r12)
    e13, d13 = _lj(r13)
    e23, d23 = _lj(r23)
    e3, da, db, dc = _axilrod_teller(r12, r13, r23, args[0])
    d12 = (d12 + da) / r12  # dV/dr12 / r12 multiplies (x1 - x2) for atom 1
    d13 = (d13 + db) / r13
    d23 = (d23 + dc) / r23
    g = np.empty(9)
    for k in range(3):
        u12 = d12 * (x[k] - x[3 + k])
        u13 = d13 * (x[k] - x[6 + k])
        u23 = d23 * (x[3 + k] - x[6 + k])
        g[k] = u12 + u13
        g[3 + k] = -u12 + u23
        g[6 + k] = -u13 - u23
    return e12 + e13 + e23 + e3, g


@njit(cache=True, nogil=True)
def classify_minimum(r12: float, r13: float, r23: float, energy: float, tol: float) -> int:
    """Label a converged geometry: 0 triangle, 1/2/3 linear with that central atom, -1 no match.

    A match needs every distance within ``tol`` of the reference geometry and the energy
    within ``tol`` of the reference energy.
    """
    if abs(energy - TRIANGLE_ENERGY) < tol:
        if (
            abs(r12 - TRIANGLE_BOND) < tol
            and abs(r13 - TRIANGLE_BOND) < tol
            and abs(r23 - TRIANGLE_BOND) < tol
        ):
            return 0
        return -1
    if abs(energy - LINEAR_ENERGY) >= tol:
        return -1
    short, long_ = LINEAR_BOND, 2.0 * LINEAR_BOND
    if abs(r12 - short) < tol and abs(r13 - short) < tol and abs(r23 - long_) < tol:
        return 1
    if abs(r12 - short) < tol and abs(r23 - short) < tol and abs(r13 - long_) < tol:
        return 2
    if abs(r13 - short) < tol and abs(r23 - short) < tol and abs(r12 - long_) < tol:
        return 3
    return -1

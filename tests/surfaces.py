"""Analytic test surfaces as a user-model module (Müller–Brown, a coupled double well): the
DNEB/HEF tests use the kernels, the user-model tests import it through a project's reference
``tests.surfaces:MULLER_BROWN_MODEL``."""

import numpy as np
from numba import njit

from lmapp.landscape.user_model import UserModel

# Müller–Brown: E = Σ_k A_k exp(a_k dx² + b_k dx dy + c_k dy²), dx = x − x0_k, dy = y − y0_k.
MB_A = np.array([-200.0, -100.0, -170.0, 15.0])
MB_a = np.array([-1.0, -1.0, -6.5, 0.7])
MB_b = np.array([0.0, 0.0, 11.0, 0.6])
MB_c = np.array([-10.0, -10.0, -6.5, 0.7])
MB_X0 = np.array([1.0, 0.0, -0.5, -1.0])
MB_Y0 = np.array([0.0, 0.5, 1.5, 1.0])
MULLER_BROWN = (0,)
# Double well with coupling: E = (x² − 1)² + 2(y − 0.3x)², saddle at the origin.
DOUBLE_WELL = (1,)


@njit(cache=True)
def surface_fg(w, args):
    """Energy and gradient of the surface selected by ``args[0]``."""
    g = np.zeros(2)
    if args[0] == 1:
        x, y = w[0], w[1]
        u = y - 0.3 * x
        g[0] = 4.0 * x * (x * x - 1.0) - 1.2 * u
        g[1] = 4.0 * u
        return (x * x - 1.0) ** 2 + 2.0 * u * u, g
    f = 0.0
    for k in range(4):
        dx = w[0] - MB_X0[k]
        dy = w[1] - MB_Y0[k]
        e = MB_A[k] * np.exp(MB_a[k] * dx * dx + MB_b[k] * dx * dy + MB_c[k] * dy * dy)
        f += e
        g[0] += e * (2.0 * MB_a[k] * dx + MB_b[k] * dy)
        g[1] += e * (MB_b[k] * dx + 2.0 * MB_c[k] * dy)
    return f, g


@njit(cache=True)
def surface_hessian(w, args):
    """Exact Hessian of the surface selected by ``args[0]``."""
    H = np.zeros((2, 2))
    if args[0] == 1:
        H[0, 0] = 12.0 * w[0] * w[0] - 4.0 + 0.36
        H[0, 1] = -1.2
        H[1, 0] = -1.2
        H[1, 1] = 4.0
        return H
    for k in range(4):
        dx = w[0] - MB_X0[k]
        dy = w[1] - MB_Y0[k]
        e = MB_A[k] * np.exp(MB_a[k] * dx * dx + MB_b[k] * dx * dy + MB_c[k] * dy * dy)
        px = 2.0 * MB_a[k] * dx + MB_b[k] * dy
        py = MB_b[k] * dx + 2.0 * MB_c[k] * dy
        H[0, 0] += e * (px * px + 2.0 * MB_a[k])
        H[1, 1] += e * (py * py + 2.0 * MB_c[k])
        H[0, 1] += e * (px * py + MB_b[k])
    H[1, 0] = H[0, 1]
    return H


@njit(cache=True)
def surface_hvp(w, v, args):
    return surface_hessian(w, args) @ v


MULLER_BROWN_MODEL = UserModel(
    surface_fg,
    2,
    hessian=surface_hessian,
    args=MULLER_BROWN,
    description="Müller–Brown surface (no symmetries)",
)


def double_well(coupling: float = 0.3) -> UserModel:
    """A factory a project can name with JSON parameters (only the coupling 0.3 is built in)."""
    if coupling != 0.3:
        raise ValueError("only coupling 0.3 is implemented")
    return UserModel(surface_fg, 2, hessian=surface_hessian, args=DOUBLE_WELL)

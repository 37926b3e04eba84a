"""The built-in models behind one kernel signature, so their engine kit is cached on disk.

``args = (kind, X, y, t, sizes, free, reg, lam, loss_kind, beta)``: kind selects the
classifier network (:mod:`.mlp`, using X, y and the layout fields) or the regression model
(:mod:`.regression`, using X[:, 0] and the targets t).
"""
from __future__ import annotations

from numba import njit

from . import mlp, mlp_hessian, regression
from .kit import make_kit

MLP = 0
REGRESSION = 1


@njit(cache=True, nogil=True)
def fg(w, args):
    """Loss and gradient of a built-in model."""
    kind, X, y, t, sizes, free, reg, lam, loss_kind, beta = args
    if kind == REGRESSION:
        return regression.fg(w, (X[:, 0], t))
    return mlp.fg(w, (X, y, sizes, free, reg, lam, loss_kind, beta))


@njit(cache=True, nogil=True)
def hvp(w, v, args):
    """Exact Hessian-vector product of a built-in model."""
    kind, X, y, t, sizes, free, reg, lam, loss_kind, beta = args
    if kind == REGRESSION:
        return regression.hvp(w, v, (X[:, 0], t))
    return mlp.hvp(w, v, (X, y, sizes, free, reg, lam, loss_kind, beta))


@njit(cache=True, nogil=True)
def hessian(w, args):
    """Exact Hessian of a built-in model."""
    kind, X, y, t, sizes, free, reg, lam, loss_kind, beta = args
    if kind == REGRESSION:
        return regression.hessian(w, (X[:, 0], t))
    return mlp_hessian.hessian(w, (X, y, sizes, free, reg, lam, loss_kind, beta))


KIT = make_kit(fg, hessian, "builtin", cache=True, hvp=hvp)

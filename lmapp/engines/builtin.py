"""The built-in models behind one kernel signature, so their engine kit is cached on disk.

``args`` is a :class:`BuiltinArgs`: ``kind`` selects the classifier network (:mod:`.mlp`, using
XT, y and the layout fields) or the regression model (:mod:`.regression`, using XT[0] and the
targets t).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from . import mlp, mlp_fused, mlp_hessian, regression
from .kit import make_kit

MLP = 0
REGRESSION = 1


class BuiltinArgs(NamedTuple):
    """The data and layout every built-in kernel receives (contiguous arrays)."""

    kind: int  #: MLP or REGRESSION
    XT: np.ndarray  #: inputs, one row per input unit (K, N): data points contiguous
    y: np.ndarray  #: class labels (int64; networks)
    t: np.ndarray  #: targets (regression)
    sizes: np.ndarray  #: layer widths, inputs first (int64)
    free: np.ndarray  #: indices of the free weights in the full vector (int64)
    reg: np.ndarray  #: L2 weight per full-vector entry (0 for unregularised biases)
    lam: float  #: L2 coefficient λ
    loss_kind: int  #: mlp.CROSS_ENTROPY or mlp.APPAUC
    beta: float  #: appAUC sharpness


@njit(cache=True, nogil=True)
def _mlp_args(args):
    """The argument tuple of :mod:`.mlp` kernels."""
    return (args.XT, args.y, args.sizes, args.free, args.reg, args.lam, args.loss_kind, args.beta)


@njit(cache=True, nogil=True)
def fg(w, args):
    """Loss and gradient of a built-in model."""
    if args.kind == REGRESSION:
        return regression.fg(w, (args.XT[0], args.t))
    return mlp_fused.fg(w, _mlp_args(args))


@njit(cache=True, nogil=True)
def hvp(w, v, args):
    """Exact Hessian-vector product of a built-in model."""
    if args.kind == REGRESSION:
        return regression.hvp(w, v, (args.XT[0], args.t))
    return mlp.hvp(w, v, _mlp_args(args))


@njit(cache=True, nogil=True)
def hessian(w, args):
    """Exact Hessian of a built-in model."""
    if args.kind == REGRESSION:
        return regression.hessian(w, (args.XT[0], args.t))
    return mlp_hessian.hessian(w, _mlp_args(args))


KIT = make_kit(fg, hessian, "builtin", cache=True, hvp=hvp)

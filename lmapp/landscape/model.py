"""Models as landscapes: a model spec plus data becomes kernels + arguments over free parameters.

Every model exposes the same jitted triple ``fg(w, args)``, ``hvp(w, v, args)``,
``hessian(w, args)`` so that the minimiser, basin-hopping and verification engines run on
any of them without the GIL.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import numba

from ..engines import builtin, mlp, regression
from ..engines.canonical import canonicalize, canonicalize_free_rows
from ..engines.kit import EngineKit, make_kit
from ..engines.lbfgs import LBFGS_DEFAULTS, NO_ABORT
from .locality import locality_mask

LOSSES = ("ce", "appauc")
_USER_IDS = itertools.count()


class ModelError(ValueError):
    """A model specification that cannot be built (message is user-facing)."""


@dataclass(frozen=True)
class ModelSpec:
    """What to explore: network architecture and loss (SPEC §1.1), or the regression model."""

    kind: str = "mlp"  # "mlp", "regression" or "user" (a user-supplied loss, API only)
    hidden: tuple[int, ...] = (3,)
    lam: float | None = None  # default: 1e-2 for networks, 0 for the regression model
    loss: str = "ce"  # "ce" (cross-entropy) or "appauc"
    beta: float = 50.0  # appAUC sigmoid steepness
    reg_bias: bool = True  # λ‖V‖² over all weights (True) or non-bias weights only (False)
    locality: int | None = None  # keep the k nearest neighbour links (None = fully connected)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.lam is None:
            object.__setattr__(self, "lam", 0.0 if self.kind == "regression" else 1e-2)
        if self.kind not in ("mlp", "regression", "user"):
            raise ModelError(f"unknown model kind {self.kind!r} (use 'mlp' or 'regression')")
        if self.kind == "mlp":
            if not 1 <= len(self.hidden) <= 3 or min(self.hidden) < 1:
                raise ModelError(f"hidden layers must be 1 to 3 sizes ≥ 1, got {list(self.hidden)}")
            if self.loss not in LOSSES:
                raise ModelError(f"unknown loss {self.loss!r} (use one of {', '.join(LOSSES)})")
            if self.locality is not None and self.locality < 1:
                raise ModelError(f"locality must be ≥ 1, got {self.locality}")
        if not (math.isfinite(self.lam) and self.lam >= 0):
            raise ModelError(f"λ must be a finite number ≥ 0, got {self.lam}")
        if self.kind == "regression" and self.lam != 0:
            raise ModelError("the regression model is plain least squares: λ must be 0")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelSpec":
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ModelError(f"unknown model option(s): {', '.join(unknown)} "
                             f"(known: {', '.join(cls.__dataclass_fields__)})")
        return cls(**d)


@dataclass
class Model:
    """A landscape: jitted kernels, their data arguments and the parameter layout."""

    spec: ModelSpec
    fg_kernel: Callable
    hvp_kernel: Callable
    hessian_kernel: Callable
    kit: EngineKit
    args: tuple
    n_params: int
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    free: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    n_full: int = 0
    n_classes: int = 0

    # -- energies -------------------------------------------------------------------------
    def loss(self, w: np.ndarray) -> float:
        return float(self.fg_kernel(np.ascontiguousarray(w, float), self.args)[0])

    def grad(self, w: np.ndarray) -> np.ndarray:
        return self.fg_kernel(np.ascontiguousarray(w, float), self.args)[1]

    def fg(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = self.fg_kernel(np.ascontiguousarray(w, float), self.args)
        return float(f), g

    def hvp(self, w: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.hvp_kernel(np.ascontiguousarray(w, float), np.ascontiguousarray(v, float),
                               self.args)

    def hessian(self, w: np.ndarray) -> np.ndarray:
        return self.hessian_kernel(np.ascontiguousarray(w, float), self.args)

    def minimize(self, w0: np.ndarray, abort: np.ndarray = NO_ABORT,
                 **settings: float) -> tuple[np.ndarray, float, float, int, bool]:
        """Quench ``w0`` with the project's L-BFGS; ``settings`` override LBFGS_DEFAULTS
        (gtol, max_iter, m, max_step, max_rise); raising ``abort`` (uint8[1]) from another
        thread stops it within one iteration, unconverged.
        Returns (w, loss, rms_grad, n_iter, converged)."""
        unknown = set(settings) - set(LBFGS_DEFAULTS)
        if unknown:
            raise ModelError(f"unknown L-BFGS settings: {', '.join(sorted(unknown))}")
        s = {**LBFGS_DEFAULTS, **settings}
        x, f, r, it, ok = self.kit.lbfgs(np.ascontiguousarray(w0, float), self.args, float(s["gtol"]),
                                         int(s["max_iter"]), int(s["m"]), float(s["max_step"]),
                                         float(s["max_rise"]), abort)
        return x, float(f), float(r), int(it), bool(ok)

    # -- structure ------------------------------------------------------------------------
    @property
    def is_network(self) -> bool:
        return self.n_full > 0

    @property
    def n_symmetry_zero_modes(self) -> int:
        """Exact zero Hessian modes every stationary point has (softmax output-bias shift when
        the biases are not regularised)."""
        return 1 if self.is_network and not self.spec.reg_bias else 0

    def full(self, w: np.ndarray) -> np.ndarray:
        """Full parameter vector (frozen locality weights as zeros)."""
        return mlp.expand(np.ascontiguousarray(w, float), self.free, self.n_full)

    def canonical(self, w: np.ndarray) -> np.ndarray:
        """Symmetry-canonical representative of ``w`` (identity for non-network models)."""
        if not self.is_network:
            return np.array(w, float)
        wf = canonicalize(self.full(w), self.sizes, self.spec.locality is None)
        return wf[self.free]

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        """Canonical representatives of the rows of ``W`` (one jitted call for a batch)."""
        if not self.is_network:
            return np.array(W, float)
        return canonicalize_free_rows(np.ascontiguousarray(W, float), self.free, self.n_full,
                                      self.sizes, self.spec.locality is None)

    def layers(self, w: np.ndarray) -> list[dict[str, np.ndarray]]:
        """Per-layer weights ``[{"W": (out, in), "b": (out,)}, ...]`` from the input side."""
        if not self.is_network:
            return [{"q": np.array(w, float)}]
        wf = self.full(w)
        woff, boff, _, _, _ = mlp.layer_offsets(self.sizes)
        out = []
        for l in range(len(self.sizes) - 1):
            n_in, n_out = int(self.sizes[l]), int(self.sizes[l + 1])
            out.append({"W": wf[woff[l]:woff[l] + n_in * n_out].reshape(n_out, n_in).copy(),
                        "b": wf[boff[l]:boff[l] + n_out].copy()})
        return out

    def random_start(self, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """A random starting point, uniform in [−scale, scale] per free parameter."""
        return rng.uniform(-scale, scale, self.n_params)

    # -- predictions ----------------------------------------------------------------------
    def predict_proba(self, w: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Class probabilities (N, C) on inputs X (networks only)."""
        if not self.is_network:
            raise ModelError("predict_proba needs a classifier network")
        return mlp.predict_proba(np.ascontiguousarray(w, float),
                                 np.ascontiguousarray(X, float), self.sizes, self.free,
                                 self.n_full)

    def predict(self, w: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Predicted class per row for a network, or the model value for regression."""
        if not self.is_network:
            return regression.model(np.ascontiguousarray(w, float),
                                    np.ascontiguousarray(X, float).reshape(-1))
        return np.argmax(self.predict_proba(w, X), axis=1)


def build_model(spec: ModelSpec, X: np.ndarray, y: np.ndarray, n_classes: int) -> Model:
    """Bind a model spec to training data (X, y) and return the landscape ``Model``."""
    X = np.ascontiguousarray(X, float)
    if spec.kind == "regression":
        if X.ndim != 2 or X.shape[1] != 1:
            raise ModelError("the regression model needs one input column")
        args = _builtin_args(builtin.REGRESSION, X, np.zeros(len(y), np.int64), np.asarray(y, float),
                             np.zeros(2, np.int64), np.zeros(0, np.int64), np.zeros(0), 0.0, 0, 0.0)
        return _builtin_model(spec, args, regression.N_PARAMS)
    if n_classes < 2:
        raise ModelError("a classifier needs at least two classes")
    if spec.loss == "appauc" and n_classes != 2:
        raise ModelError(f"the appAUC loss is for binary problems; this dataset has {n_classes} classes")
    sizes = np.array([X.shape[1], *spec.hidden, n_classes], np.int64)
    woff, boff, _, n_full, _ = mlp.layer_offsets(sizes)
    keep = np.ones(n_full, bool)
    reg = np.ones(n_full)
    if spec.locality is not None:
        for l, mask in enumerate(locality_mask(list(sizes), spec.locality)):
            keep[woff[l]:woff[l] + mask.size] = mask.ravel()
    if not spec.reg_bias:
        for l in range(len(sizes) - 1):
            reg[boff[l]:boff[l] + sizes[l + 1]] = 0.0
    free = np.flatnonzero(keep).astype(np.int64)
    loss_kind = mlp.APPAUC if spec.loss == "appauc" else mlp.CROSS_ENTROPY
    args = _builtin_args(builtin.MLP, X, np.asarray(y, np.int64), np.zeros(len(y)), sizes, free,
                         reg, spec.lam, loss_kind, spec.beta)
    return _builtin_model(spec, args, int(free.size), sizes, free, int(n_full), n_classes)


def _builtin_args(kind: int, X: np.ndarray, y: np.ndarray, t: np.ndarray, sizes: np.ndarray,
                  free: np.ndarray, reg: np.ndarray, lam: float, loss_kind: int, beta: float) -> tuple:
    """The one argument tuple type of :mod:`lmapp.engines.builtin` (contiguous arrays)."""
    c = np.ascontiguousarray
    return (int(kind), c(X, np.float64), c(y, np.int64), c(t, np.float64), c(sizes, np.int64),
            c(free, np.int64), c(reg, np.float64), float(lam), int(loss_kind), float(beta))


def _builtin_model(spec: ModelSpec, args: tuple, n_params: int, *layout: Any) -> Model:
    return Model(spec, builtin.fg, builtin.hvp, builtin.hessian, builtin.KIT, args, n_params,
                 *layout)


def user_model(fg: Callable, n_params: int, *, hessian: Callable | None = None,
               args: tuple = ()) -> Model:
    """Explore a user-supplied loss ``fg(w, args) -> (loss, grad)``.

    A numba ``@njit`` function (or one numba can compile) runs without the GIL; any other
    Python function is called through numba's object mode (slower, but the same engines
    apply). Without ``hessian(w, args)`` the Hessian is the central finite difference of the
    gradient.
    """
    probe = np.zeros(int(n_params))
    fg_j = _compiled(fg, probe, args)
    if fg_j is None:
        fg_j = _objmode_fg(fg)
    if hessian is None:
        hess_j = _fd_hessian(fg_j)
    else:
        hess_j = _compiled(hessian, probe, args) or _objmode_hessian(hessian)
    kit = make_kit(fg_j, hess_j, f"user{next(_USER_IDS)}", cache=False)
    return Model(ModelSpec(kind="user"), fg_j, _hvp_from_hessian(hess_j), hess_j, kit, args,
                 int(n_params))


def _compiled(func: Callable, probe: np.ndarray, args: tuple) -> Callable | None:
    """``func`` as a jitted function, or None when numba cannot compile it."""
    if isinstance(func, numba.core.registry.CPUDispatcher):
        return func
    jitted = numba.njit(func)
    try:
        jitted(probe, args)
    except (numba.core.errors.TypingError, numba.core.errors.UnsupportedError,
            numba.core.errors.LoweringError):
        return None
    return jitted


def _objmode_fg(func: Callable) -> Callable:
    @numba.njit
    def fg(w, args):
        with numba.objmode(f="float64", g="float64[:]"):
            f0, g0 = func(w, args)
            f = float(f0)
            g = np.ascontiguousarray(g0, dtype=np.float64)
        return f, g
    return fg


def _objmode_hessian(func: Callable) -> Callable:
    @numba.njit
    def hessian(w, args):
        with numba.objmode(H="float64[:,:]"):
            H = np.ascontiguousarray(func(w, args), dtype=np.float64)
        return H
    return hessian


def _fd_hessian(fg_j: Callable) -> Callable:
    @numba.njit
    def hessian(w, args):
        P = w.shape[0]
        H = np.empty((P, P))
        for i in range(P):
            h = 1e-5 * max(1.0, abs(w[i]))
            wp = w.copy()
            wp[i] += h
            wm = w.copy()
            wm[i] -= h
            H[:, i] = (fg_j(wp, args)[1] - fg_j(wm, args)[1]) / (2.0 * h)
        return 0.5 * (H + H.T)
    return hessian


def _hvp_from_hessian(hess_j: Callable) -> Callable:
    @numba.njit
    def hvp(w, v, args):
        return hess_j(w, args) @ v
    return hvp

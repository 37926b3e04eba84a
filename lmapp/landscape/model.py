"""Models as landscapes: a model spec plus data becomes kernels + arguments over free parameters.

Every model exposes the same jitted triple ``fg(w, args)``, ``hvp(w, v, args)``,
``hessian(w, args)`` so that the minimiser, basin-hopping and verification engines run on
any of them without the GIL.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..engines import builtin, mlp, regression
from ..engines.kit import EngineKit
from ..engines.lbfgs import LBFGS_DEFAULTS, NO_ABORT
from ..words import memory_size
from .identity import IdentityRule, PointRegistry
from .locality import locality_mask
from .symmetry import NetworkSymmetry, NoSymmetry, RegressionSymmetry, Symmetry, canonical

LOSSES = ("ce", "appauc")
#: ``package.module:attribute`` naming a user model
REFERENCE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
#: probe inputs of a network's fingerprint: training inputs (evenly spaced subset) and points
#: drawn uniformly from their bounding box widened by a quarter on each side (fixed seed)
N_PROBE_DATA = 256
N_PROBE_BOX = 64
#: grid of a regression model's fingerprint
N_PROBE_GRID = 200
#: share of the machine's memory a model may need
MEMORY_SHARE = 0.75


class ModelError(ValueError):
    """A model specification that cannot be built (message is user-facing)."""


def _integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


#: what each stored model option may hold (JSON types), checked on read
_SPEC_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "kind": (lambda v: isinstance(v, str), "a string"),
    "hidden": (
        lambda v: isinstance(v, (list, tuple)) and all(_integer(h) for h in v),
        "a list of integers",
    ),
    "lam": (lambda v: v is None or _number(v), "a number"),
    "loss": (lambda v: isinstance(v, str), "a string"),
    "beta": (_number, "a number"),
    "reg_bias": (lambda v: isinstance(v, bool), "true or false"),
    "locality": (lambda v: v is None or _integer(v), "an integer or null"),
    "reference": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "n_params": (lambda v: v is None or _integer(v), "an integer or null"),
    "params": (lambda v: isinstance(v, dict), "a JSON object"),
}


@dataclass(frozen=True)
class ModelSpec:
    """What to explore: network architecture and loss (SPEC §1.1), or the regression model."""

    kind: str = "mlp"  # "mlp", "regression" or "user" (a user-supplied loss)
    hidden: tuple[int, ...] = (3,)
    lam: float | None = None  # default: 1e-2 for networks, 0 for the regression model
    loss: str = "ce"  # "ce" (cross-entropy) or "appauc"
    beta: float = 50.0  # appAUC sigmoid steepness
    reg_bias: bool = True  # λ‖V‖² over all weights (True) or non-bias weights only (False)
    locality: int | None = None  # keep the k nearest neighbour links (None = fully connected)
    # a user model (kind "user"): where its code is and the JSON parameters it takes
    reference: str | None = None  # "package.module:attribute", imported only when trusted
    n_params: int | None = None  # given: the attribute is fg(w, args); else a UserModel (factory)
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        lam = self.lam
        if lam is None:
            lam = 0.0 if self.kind in ("regression", "user") else 1e-2
            object.__setattr__(self, "lam", lam)
        if self.kind not in ("mlp", "regression", "user"):
            raise ModelError(
                f"unknown model kind {self.kind!r} (use 'mlp', 'regression' or 'user')"
            )
        if self.kind == "user":
            self._check_user()
        if self.kind == "mlp":
            if not 1 <= len(self.hidden) <= 3 or min(self.hidden) < 1:
                raise ModelError(f"hidden layers must be 1 to 3 sizes ≥ 1, got {list(self.hidden)}")
            if self.loss not in LOSSES:
                raise ModelError(f"unknown loss {self.loss!r} (use one of {', '.join(LOSSES)})")
            if not (math.isfinite(self.beta) and self.beta > 0):
                raise ModelError(f"β must be a finite number > 0, got {self.beta}")
            if self.locality is not None and self.locality < 1:
                raise ModelError(f"locality must be ≥ 1, got {self.locality}")
        if not (math.isfinite(lam) and lam >= 0):
            raise ModelError(f"λ must be a finite number ≥ 0, got {lam}")
        if self.kind == "regression" and self.lam != 0:
            raise ModelError("the regression model is plain least squares: λ must be 0")

    def _check_user(self) -> None:
        if self.reference is not None and not REFERENCE.match(self.reference):
            raise ModelError(
                f"a user model reference must look like package.module:function, "
                f"got {self.reference!r}"
            )
        if self.n_params is not None and (
            isinstance(self.n_params, bool)
            or not isinstance(self.n_params, int)
            or self.n_params < 1
        ):
            raise ModelError(f"n_params must be an integer ≥ 1, got {self.n_params!r}")
        if not isinstance(self.params, dict):
            raise ModelError(f"user model params must be a JSON object, got {self.params!r}")
        try:
            json.dumps(self.params, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"user model params must be plain JSON: {exc}") from exc

    @property
    def module(self) -> str | None:
        """The module a user model's reference imports (None for built-in models)."""
        return self.reference.split(":")[0] if self.reference else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelSpec:
        """A spec from its stored JSON object; a wrong type names the option and what it needs."""
        if not isinstance(d, dict):
            raise ModelError(f"a model spec must be a JSON object, got {type(d).__name__}")
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ModelError(
                f"unknown model option(s): {', '.join(unknown)} "
                f"(known: {', '.join(cls.__dataclass_fields__)})"
            )
        for name, value in d.items():
            check, expected = _SPEC_TYPES[name]
            if not check(value):
                raise ModelError(f"model option {name!r} must be {expected}, got {value!r}")
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
    symmetry: Symmetry = field(default_factory=NoSymmetry)
    #: what the model computes at fixed probe inputs (identity's safety net); None: no net
    fingerprint: Callable[[np.ndarray], np.ndarray] | None = None

    # -- energies -------------------------------------------------------------------------
    def loss(self, w: np.ndarray) -> float:
        return float(self.fg_kernel(np.ascontiguousarray(w, float), self.args)[0])

    def grad(self, w: np.ndarray) -> np.ndarray:
        return self.fg_kernel(np.ascontiguousarray(w, float), self.args)[1]

    def fg(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = self.fg_kernel(np.ascontiguousarray(w, float), self.args)
        return float(f), g

    def hvp(self, w: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self.hvp_kernel(
            np.ascontiguousarray(w, float), np.ascontiguousarray(v, float), self.args
        )

    def hessian(self, w: np.ndarray) -> np.ndarray:
        return self.hessian_kernel(np.ascontiguousarray(w, float), self.args)

    def minimize(
        self, w0: np.ndarray, abort: np.ndarray = NO_ABORT, **settings: float
    ) -> tuple[np.ndarray, float, float, int, bool]:
        """Quench ``w0`` with the project's L-BFGS; ``settings`` override LBFGS_DEFAULTS
        (gtol, max_iter, m, max_step, max_rise); raising ``abort`` (uint8[1]) from another
        thread stops it within one iteration, unconverged.
        Returns (w, loss, rms_grad, n_iter, converged)."""
        unknown = set(settings) - set(LBFGS_DEFAULTS)
        if unknown:
            raise ModelError(f"unknown L-BFGS settings: {', '.join(sorted(unknown))}")
        s = {**LBFGS_DEFAULTS, **settings}
        x, f, r, it, ok = self.kit.quench(
            np.ascontiguousarray(w0, float),
            self.args,
            float(s["gtol"]),
            int(s["max_iter"]),
            int(s["m"]),
            float(s["max_step"]),
            float(s["max_rise"]),
            abort,
        )
        return x, float(f), float(r), int(it), bool(ok)

    # -- structure ------------------------------------------------------------------------
    @property
    def is_network(self) -> bool:
        return self.n_full > 0

    def full(self, w: np.ndarray) -> np.ndarray:
        """Full parameter vector (frozen locality weights as zeros)."""
        return mlp.expand(np.ascontiguousarray(w, float), self.free, self.n_full)

    def canonical(self, w: np.ndarray) -> np.ndarray:
        """Symmetry-canonical representative of ``w`` (the stored form; see :mod:`.symmetry`)."""
        return canonical(self.symmetry, w)

    def canonical_rows(self, W: np.ndarray) -> np.ndarray:
        """Canonical representatives of the rows of ``W`` (one jitted call for a batch)."""
        return self.symmetry.canonical_rows(W)

    def align(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The symmetry copy of ``b`` nearest to ``a`` (before a band is interpolated)."""
        return self.symmetry.align(a, b)[0]

    def registry(self, rule: IdentityRule = IdentityRule()) -> PointRegistry:
        """An empty registry of stationary points that applies this model's identity rule."""
        return PointRegistry(self.symmetry, self.fingerprint, rule)

    def same_point(
        self,
        loss_a: float,
        wa: np.ndarray,
        loss_b: float,
        wb: np.ndarray,
        rule: IdentityRule = IdentityRule(),
    ) -> bool:
        """Whether two stationary points (losses, canonical weights) are the same (SPEC §2.3)."""
        known = self.registry(rule)
        known.add(0, loss_a, wa)
        return known.match(loss_b, wb) is not None

    def layers(self, w: np.ndarray) -> list[dict[str, np.ndarray]]:
        """Per-layer weights ``[{"W": (out, in), "b": (out,)}, ...]`` from the input side."""
        if not self.is_network:
            return [{"q": np.array(w, float)}]
        wf = self.full(w)
        woff, boff, _, _, _ = mlp.layer_offsets(self.sizes)
        out = []
        for l in range(len(self.sizes) - 1):
            n_in, n_out = int(self.sizes[l]), int(self.sizes[l + 1])
            out.append(
                {
                    "W": wf[woff[l] : woff[l] + n_in * n_out].reshape(n_out, n_in).copy(),
                    "b": wf[boff[l] : boff[l] + n_out].copy(),
                }
            )
        return out

    def random_start(self, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """A random starting point, uniform in [−scale, scale] per free parameter."""
        return rng.uniform(-scale, scale, self.n_params)

    # -- predictions ----------------------------------------------------------------------
    def predict_proba(self, w: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Class probabilities (N, C) on inputs X (networks only)."""
        if not self.is_network:
            raise ModelError("predict_proba needs a classifier network")
        return mlp.predict_proba(
            np.ascontiguousarray(w, float),
            np.ascontiguousarray(X, float),
            self.sizes,
            self.free,
            self.n_full,
        )

    def predict(self, w: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Predicted class per row for a network, or the model value for regression."""
        if not self.is_network:
            return regression.model(
                np.ascontiguousarray(w, float), np.ascontiguousarray(X, float).reshape(-1)
            )
        return np.argmax(self.predict_proba(w, X), axis=1)


def build_model(spec: ModelSpec, X: np.ndarray, y: np.ndarray, n_classes: int) -> Model:
    """Bind a model spec to training data (X, y) and return the landscape ``Model``."""
    X = np.ascontiguousarray(X, float)
    if spec.kind == "user":
        from .user_model import model_from_reference

        return model_from_reference(spec)
    if spec.kind == "regression":
        if X.ndim != 2 or X.shape[1] != 1:
            raise ModelError("the regression model needs one input column")
        args = _builtin_args(
            builtin.REGRESSION,
            X,
            np.zeros(len(y), np.int64),
            np.asarray(y, float),
            np.zeros(2, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0),
            0.0,
            0,
            0.0,
        )
        grid = np.linspace(X[:, 0].min(), X[:, 0].max(), N_PROBE_GRID)
        return _builtin_model(
            spec,
            args,
            regression.N_PARAMS,
            symmetry=RegressionSymmetry(),
            fingerprint=lambda q: regression.model(np.ascontiguousarray(q, float), grid),
        )
    if n_classes < 2:
        raise ModelError("a classifier needs at least two classes")
    if spec.loss == "appauc" and n_classes != 2:
        raise ModelError(
            f"the appAUC loss is for binary problems; this dataset has {n_classes} classes"
        )
    sizes = np.array([X.shape[1], *spec.hidden, n_classes], np.int64)
    check_memory(sizes, X.shape[0])
    woff, boff, _, n_full, _ = mlp.layer_offsets(sizes)
    keep = np.ones(n_full, bool)
    reg = np.ones(n_full)
    if spec.locality is not None:
        for l, mask in enumerate(locality_mask(list(sizes), spec.locality)):
            keep[woff[l] : woff[l] + mask.size] = mask.ravel()
    if not spec.reg_bias:
        for l in range(len(sizes) - 1):
            reg[boff[l] : boff[l] + sizes[l + 1]] = 0.0
    free = np.flatnonzero(keep).astype(np.int64)
    loss_kind = mlp.APPAUC if spec.loss == "appauc" else mlp.CROSS_ENTROPY
    assert spec.lam is not None  # ModelSpec.__post_init__ sets the default
    args = _builtin_args(
        builtin.MLP,
        X,
        np.asarray(y, np.int64),
        np.zeros(len(y)),
        sizes,
        free,
        reg,
        spec.lam,
        loss_kind,
        spec.beta,
    )
    symmetry = NetworkSymmetry(sizes, free, int(n_full), spec.locality is None, not spec.reg_bias)
    probe = probe_inputs(X)

    def fingerprint(w: np.ndarray) -> np.ndarray:
        return mlp.predict_proba(np.ascontiguousarray(w, float), probe, sizes, free, n_full)

    return _builtin_model(
        spec,
        args,
        int(free.size),
        sizes,
        free,
        int(n_full),
        n_classes,
        symmetry=symmetry,
        fingerprint=fingerprint,
    )


def memory_needed(sizes: np.ndarray | list[int], n_data: int) -> tuple[int, float]:
    """(parameters, bytes) a network of layer ``sizes`` on ``n_data`` points needs at least:
    its exact Hessian (P² doubles, verification computes it), activations and their
    derivatives for every data point, and the minimiser's vectors."""
    sizes = [int(s) for s in sizes]
    P = sum(a * b + b for a, b in itertools.pairwise(sizes))
    units = sum(sizes)
    return P, 8.0 * (P * P + 6.0 * n_data * units + 40.0 * P)


def physical_memory() -> float | None:
    """Bytes of RAM of this machine (None where unknown)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(sizes: np.ndarray | list[int], n_data: int) -> None:
    """Refuse a model that cannot fit in this machine's memory, before anything is created."""
    P, need = memory_needed(sizes, n_data)
    have = physical_memory()
    if have is not None and need > MEMORY_SHARE * have:
        raise ModelError(
            f"the network {[int(s) for s in sizes]} has {P:,} parameters; exploring "
            f"it needs about {memory_size(need)} (its exact Hessian alone is "
            f"{memory_size(8.0 * P * P)}), more than the "
            f"{memory_size(MEMORY_SHARE * have)} this machine allows "
            f"({MEMORY_SHARE:.0%} of {memory_size(have)})"
        )


def probe_inputs(X: np.ndarray) -> np.ndarray:
    """The inputs at which a network's fingerprint is taken (see N_PROBE_DATA, N_PROBE_BOX)."""
    idx = np.unique(
        np.linspace(0, X.shape[0] - 1, min(X.shape[0], N_PROBE_DATA)).round().astype(int)
    )
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.25 * (hi - lo) + 0.1
    box = np.random.default_rng(20261201).uniform(lo - pad, hi + pad, (N_PROBE_BOX, X.shape[1]))
    return np.ascontiguousarray(np.vstack([X[idx], box]))


def _builtin_args(
    kind: int,
    X: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    sizes: np.ndarray,
    free: np.ndarray,
    reg: np.ndarray,
    lam: float,
    loss_kind: int,
    beta: float,
) -> builtin.BuiltinArgs:
    """The one argument type of :mod:`lmapp.engines.builtin` (contiguous arrays; the inputs
    ``X`` (N, K) are stored transposed, as the kernels read them)."""
    c = np.ascontiguousarray
    return builtin.BuiltinArgs(
        int(kind),
        c(np.asarray(X, np.float64).T),
        c(y, np.int64),
        c(t, np.float64),
        c(sizes, np.int64),
        c(free, np.int64),
        c(reg, np.float64),
        float(lam),
        int(loss_kind),
        float(beta),
    )


def _builtin_model(
    spec: ModelSpec, args: builtin.BuiltinArgs, n_params: int, *layout: Any, **identity: Any
) -> Model:
    return Model(
        spec,
        builtin.fg,
        builtin.hvp,
        builtin.hessian,
        builtin.KIT,
        args,
        n_params,
        *layout,
        **identity,
    )

"""User models: any loss ``fg(w, args) -> (loss, grad)`` explored with lmapp's engines, from the
API directly or as a project that records an importable reference (``package.module:name`` plus
JSON parameters; never pickled code).

A project file is untrusted input, so the module a project names is imported only after the
user trusted it in this process (:func:`trust_module`: the CLI's ``--trust-user-model``, the
API's ``trust_user_model=True``, or the app's question, remembered per module).
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from ..engines.hef import hvp_from_hessian_template
from ..engines.kit import make_kit, rebind
from .model import Model, ModelError, ModelSpec
from .symmetry import HookSymmetry

_TRUSTED: set[str] = set()
_USER_IDS = itertools.count()


@dataclass(frozen=True)
class UserModel:
    """What a user module provides (a module attribute of this type, or a function returning
    one from the project's JSON parameters).

    ``fg(w, args) -> (loss, grad)``; optional ``hessian(w, args) -> (P, P)`` (else central
    differences of the gradient); ``predict(w, args) -> array``, what the model computes, for
    the identity safety net (equal outputs within a tolerance = the same minimum); symmetry
    hooks ``canonical(w) -> w`` (the stored representative) and ``align(a, b) -> b'`` (the copy
    of b nearest to a under the model's symmetries; identity and DNEB use it). Without hooks,
    minima are compared by plain Euclidean distance (plus ``predict`` when given).
    """

    fg: Callable
    n_params: int
    hessian: Callable | None = None
    args: tuple = ()
    predict: Callable | None = None
    canonical: Callable | None = None
    align: Callable | None = None
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class UntrustedModelError(ModelError):
    """The project's model is user code that has not been trusted in this process."""

    def __init__(self, module: str, reference: str) -> None:
        self.module = module
        super().__init__(
            f"this project's model is user code ({reference}); lmapp imports module "
            f"{module!r} only when you trust it: pass --trust-user-model (CLI), "
            f"trust_user_model=True (API) or confirm in the app"
        )


def trust_module(module: str) -> None:
    """Allow this process to import ``module`` for user-model projects."""
    _TRUSTED.add(module)


def is_trusted(module: str) -> bool:
    return module in _TRUSTED


def user_model(
    fg: Callable,
    n_params: int,
    *,
    hessian: Callable | None = None,
    args: tuple = (),
    predict: Callable | None = None,
    canonical: Callable | None = None,
    align: Callable | None = None,
) -> Model:
    """A landscape from a user-supplied loss ``fg(w, args) -> (loss, grad)`` (API use; for a
    project, give a :class:`UserModel` reference in ``ModelSpec(kind="user", ...)``).

    A numba ``@njit`` function (or one numba can compile) runs without the GIL; any other
    Python function is called through numba's object mode (slower, but the same engines
    apply). Without ``hessian(w, args)`` the Hessian is the central finite difference of the
    gradient.
    """
    definition = UserModel(fg, int(n_params), hessian, args, predict, canonical, align)
    return build_user_model(definition, ModelSpec(kind="user", n_params=int(n_params)), None)


def model_from_reference(spec: ModelSpec) -> Model:
    """Import (when trusted) and build the user model a project's spec names."""
    if not spec.reference:
        raise ModelError("a user model project needs a reference 'package.module:name'")
    module_name, attr = spec.reference.split(":")
    if not is_trusted(module_name):
        raise UntrustedModelError(module_name, spec.reference)
    module = _import(module_name)
    try:
        obj = getattr(module, attr)
    except AttributeError as exc:
        raise ModelError(f"user model module {module_name!r} has no attribute {attr!r}") from exc
    if spec.n_params is not None:
        if isinstance(obj, UserModel) or not callable(obj):
            raise ModelError(f"{spec.reference}: with n_params it must be a function fg(w, args)")
        definition = UserModel(obj, spec.n_params, args=args_from_params(spec.params))
    elif isinstance(obj, UserModel):
        if spec.params:
            raise ModelError(f"{spec.reference} is a UserModel object; it takes no parameters")
        definition = obj
    elif callable(obj):
        try:
            definition = obj(**spec.params)
        except TypeError as exc:
            raise ModelError(f"{spec.reference}({', '.join(spec.params)}) failed: {exc}") from exc
        if not isinstance(definition, UserModel):
            raise ModelError(
                f"{spec.reference} must return a lmapp UserModel, got "
                f"{type(definition).__name__} (or give n_params for a plain fg)"
            )
    else:
        raise ModelError(f"{spec.reference} is neither a UserModel nor a function")
    return build_user_model(definition, spec, _source_tag(module, attr))


def args_from_params(params: dict[str, Any]) -> tuple:
    """``fg``'s ``args`` from JSON parameters, in their order: numbers as floats, lists as
    float arrays."""
    out: list[Any] = []
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, list)):
            raise ModelError(f"user model parameter {key!r} must be a number or a list of numbers")
        try:
            out.append(np.asarray(value, float) if isinstance(value, list) else float(value))
        except (TypeError, ValueError) as exc:
            raise ModelError(f"user model parameter {key!r}: {exc}") from exc
    return tuple(out)


def _import(module_name: str) -> Any:
    """Import a trusted module; the current folder is searched too (as ``python -m`` does)."""
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module_name)
    except Exception as exc:
        raise ModelError(
            f"cannot import user model module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        if added:
            sys.path.remove(cwd)


def _source_tag(module: Any, attr: str) -> str | None:
    """A tag naming the compiled kernels of this module's source, so they can be cached on disk
    and are recompiled when the source changes; None for modules without a source file."""
    path = getattr(module, "__file__", None)
    if not path or not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        digest = hashlib.sha1(fh.read() + attr.encode()).hexdigest()[:16]
    return f"user_{digest}"


def build_user_model(d: UserModel, spec: ModelSpec, cache_tag: str | None) -> Model:
    """Compile the engines for a user model definition (cached on disk when ``cache_tag`` is
    given and the functions compile in nopython mode)."""
    if isinstance(d.n_params, bool) or not isinstance(d.n_params, int) or d.n_params < 1:
        raise ModelError(f"n_params must be an integer ≥ 1, got {d.n_params!r}")
    probe = np.zeros(d.n_params)
    fg_j = _compiled(d.fg, probe, d.args)
    nopython = fg_j is not None
    if fg_j is None:
        fg_j = _objmode_fg(d.fg)
    if d.hessian is None:
        hess_j = None
    else:
        hess_j = _compiled(d.hessian, probe, d.args)
        if hess_j is None:
            nopython = False
            hess_j = _objmode_hessian(d.hessian)
    if cache_tag is not None and nopython:
        cache, tag = True, cache_tag
    else:
        cache, tag = False, f"user{next(_USER_IDS)}"
    if hess_j is None:
        hess_j = rebind(_fd_hessian_template, tag, cache, FG=fg_j)
    hvp_j = rebind(hvp_from_hessian_template, tag, cache, HESS=hess_j)
    kit = make_kit(fg_j, hess_j, tag, cache=cache, hvp=hvp_j)
    symmetry = HookSymmetry(d.canonical, d.align, d.description or "user hooks")
    args = d.args
    fingerprint = None
    if d.predict is not None:
        predict = d.predict

        def fingerprint(w: np.ndarray) -> np.ndarray:
            return np.asarray(predict(np.asarray(w, float), args), float).ravel()

    return Model(
        spec, fg_j, hvp_j, hess_j, kit, args, d.n_params, symmetry=symmetry, fingerprint=fingerprint
    )


def _compiled(func: Callable, probe: np.ndarray, args: tuple) -> Callable | None:
    """``func`` as a jitted function, or None when numba cannot compile it."""
    if isinstance(func, numba.core.registry.CPUDispatcher):
        return func
    jitted = numba.njit(func)
    try:
        jitted(probe, args)
    except (
        numba.core.errors.TypingError,
        numba.core.errors.UnsupportedError,
        numba.core.errors.LoweringError,
    ):
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


def FG(w, args):  # placeholder: rebound per model by lmapp.engines.kit.rebind
    raise NotImplementedError


def _fd_hessian_template(w, args):
    """Central finite differences of the gradient, symmetrised (``FG`` rebound per model)."""
    P = w.shape[0]
    H = np.empty((P, P))
    for i in range(P):
        h = 1e-5 * max(1.0, abs(w[i]))
        wp = w.copy()
        wp[i] += h
        wm = w.copy()
        wm[i] -= h
        H[:, i] = (FG(wp, args)[1] - FG(wm, args)[1]) / (2.0 * h)
    return 0.5 * (H + H.T)

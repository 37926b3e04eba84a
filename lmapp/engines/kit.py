"""Engine kits: the minimiser, basin-hopping, spectrum and transition-state kernels compiled
for one objective.

Numba cannot cache a function that receives another jitted function as an argument, so each
engine is written once against module-level names (``FG``, ``HESS``, ``LBFGS``) and compiled
per objective by rebinding those names. Kits made at import time (the built-in models, LJAT3)
are cached on disk; kits for user functions are compiled on first use.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

from numba import njit


def rebind(func: Callable, tag: str, cache: bool, **names: object) -> Callable:
    """Jit a copy of plain function ``func`` whose globals ``names`` point elsewhere.

    ``tag`` makes the copy's qualified name (and so its cache file) unique.
    """
    glb = dict(func.__globals__)
    glb.update(names)
    copy = types.FunctionType(
        func.__code__, glb, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__qualname__ = f"{func.__qualname__}__{tag}"
    copy.__module__ = func.__module__
    return njit(cache=cache, nogil=True)(copy)


@dataclass(frozen=True)
class EngineKit:
    """Jitted engines bound to one objective ``fg(w, args)`` (and its Hessian).

    ``dneb`` relaxes a band (:mod:`.dneb`); ``lowest_mode`` and ``hef`` need the Hessian
    (:mod:`.hef`) and are None without one.
    """

    lbfgs: Callable
    quench: Callable  #: L-BFGS with a Newton finish where the Hessian is known (:mod:`.newton`)
    bh_chunk: Callable
    hessian_eigenvalues: Callable | None
    dneb: Callable | None = None
    lowest_mode: Callable | None = None
    hef: Callable | None = None


def make_kit(
    fg: Callable, hessian: Callable | None, tag: str, cache: bool, hvp: Callable | None = None
) -> EngineKit:
    """Compile (lazily) the engines for objective ``fg``, Hessian ``hessian`` and
    Hessian-vector product ``hvp(w, v, args)`` (None: the Hessian times v)."""
    from . import basinhopping, dneb, hef, lbfgs, newton, spectrum

    lb = rebind(lbfgs.lbfgs_template, tag, cache, FG=fg)
    ev = rebind(dneb.evaluate_template, tag, cache, FG=fg)
    band = rebind(dneb.dneb_template, tag, cache, FG=fg, EVALUATE=ev)
    if hessian is None:
        return EngineKit(
            lb, lb, rebind(basinhopping.bh_chunk_template, tag, cache, QUENCH=lb), None, band
        )
    steps = rebind(newton.newton_steps_template, tag, cache, FG=fg, HESS=hessian)
    finish = rebind(newton.newton_finish_template, tag, cache, HESS=hessian, NEWTON=steps)
    trying = rebind(
        lbfgs.lbfgs_template,
        f"{tag}_trying",
        cache,
        FG=fg,
        FINISH=finish,
        FINISH_GTOL=newton.SWITCH_GTOL,
    )
    quench = rebind(newton.quench_template, tag, cache, LBFGS=lb, TRYING_LBFGS=trying)
    bh = rebind(basinhopping.bh_chunk_template, tag, cache, QUENCH=quench)
    eig = rebind(spectrum.eigenvalues_template, tag, cache, HESS=hessian)
    if hvp is None:
        hvp = rebind(hef.hvp_from_hessian_template, tag, cache, HESS=hessian)
    mode = rebind(hef.lowest_mode_template, tag, cache, HESS=hessian, HVP=hvp)
    tan = rebind(hef.tangent_min_template, tag, cache, FG=fg)
    ts_finish = rebind(hef.ef_finish_template, tag, cache, FG=fg, HESS=hessian)
    ef = rebind(hef.hef_template, tag, cache, FG=fg, MODE=mode, TANGENT=tan, EF_FINISH=ts_finish)
    return EngineKit(lb, quench, bh, eig, band, mode, ef)

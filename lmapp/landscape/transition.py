"""Transition states between two minima (SPEC §2.4): DNEB band → highest images → hybrid
eigenvector-following → exact-Hessian check (index 1) → push off ±δ along the unstable mode
and quench both sides to the minima the transition state connects.

The jitted kernels come from the model's engine kit (:mod:`lmapp.engines.dneb`,
:mod:`lmapp.engines.hef`); this module runs them in chunks (so a caller can show the band and
cancel) and verifies every result on the exact Hessian.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..engines import dneb
from ..engines.dneb import DNEB_DEFAULTS as _D
from ..engines.hef import HEF_DEFAULTS as _H
from ..engines.lbfgs import LBFGS_DEFAULTS, NO_ABORT
from .identity import EDIFF, GEOMDIFF, OUTPUT_TOL, IdentityRule, PointRegistry
from .model import Model, ModelError
from .verify import ZERO_TOL, Verification, check_stationary, verify_minimum

#: how far from the minimum a single-ended search starts along the mode it follows
SINGLE_ENDED_STEP = 0.05


@dataclass(frozen=True)
class TransitionParams:
    """Settings of a transition-state search (OPTIM-style names; SPEC §2.4 defaults)."""

    # doubly nudged elastic band
    dneb_k: float = _D["k"]  # spring constant
    images_per_unit: float = _D["images_per_unit"]  # per unit Euclidean distance of the ends
    min_images: int = int(_D["min_images"])
    max_images: int = int(_D["max_images"])
    band_tol: float = _D["band_tol"]  # band RMS force for convergence
    dneb_iter: int = int(_D["max_iter"])  # band iterations in all
    dneb_max_step: float = _D["max_step"]  # largest move of one image per iteration
    dneb_chunk: int = 50  # iterations between progress reports
    max_candidates: int = 5  # band maxima refined, highest first
    # hybrid eigenvector-following
    ts_tol: float = _H["ts_tol"]  # RMS gradient of a converged transition state
    max_hef_steps: int = int(_H["max_steps"])
    exact_limit: int = int(_H["exact_limit"])  # exact Hessian up to this many parameters
    max_uphill: float = _H["trust"]  # initial trust radius of the uphill step
    max_trust: float = _H["max_trust"]  # largest trust radius
    n_tangent: int = int(_H["n_tangent"])  # orthogonal L-BFGS steps per uphill step
    n_tangent_conv: int = int(
        _H["n_tangent_conv"]
    )  # ... once the gradient along the mode converged
    tangent_m: int = int(_H["m"])  # their L-BFGS memory (kept across uphill steps)
    max_tangent_step: float = _H["max_tangent_step"]
    max_rise: float = _H["max_rise"]
    eig_tol: float = _H["eig_tol"]  # Lanczos residual tolerance (relative to max(1, |λ|))
    lanczos_dim: int = int(_H["lanczos_dim"])
    # connected minima
    pushoff: float = 0.01  # Euclidean displacement from the transition state along ±v
    quench_gtol: float = 1e-8  # RMS gradient of the quenched (and verified) minima
    quench_max_iter: int = 20000
    quench_max_step: float = 0.1  # small steps keep the quench on the side it starts
    max_descents: int = 3  # push-offs from saddles a side's quench stops on
    keep_unconnected: bool = False  # also return TSs a side of which is not a verified minimum
    zero_tol: float = ZERO_TOL  # |h| below this is a zero mode
    ediff: float = EDIFF  # identity of stationary points, as for minima (SPEC §2.3)
    geomdiff: float = GEOMDIFF
    output_tol: float = OUTPUT_TOL

    @property
    def rule(self) -> IdentityRule:
        """When two stationary points are the same (SPEC §2.3)."""
        return IdentityRule(self.ediff, self.geomdiff, self.output_tol)


@dataclass(frozen=True)
class Band:
    """A (possibly partly) relaxed DNEB band."""

    images: np.ndarray  # (n + 2, P), end points included
    energies: np.ndarray
    candidates: np.ndarray  # interior local maxima, highest first
    rms_history: np.ndarray  # band RMS force after each iteration
    converged: bool


@dataclass(frozen=True)
class HEFResult:
    """Outcome of hybrid eigenvector-following from one candidate."""

    x: np.ndarray
    energy: float
    eigenvalue: float  # lowest Hessian eigenvalue at x
    eigenvector: np.ndarray  # its unit eigenvector
    rms_grad: float
    converged: bool  # RMS gradient < ts_tol (the index is checked separately)
    n_steps: int


@dataclass(frozen=True)
class TSVerification:
    """Exact-Hessian check of a transition state."""

    is_ts: bool
    rms_grad: float
    hessian_index: int
    eigenvalue: float  # lowest eigenvalue
    lpphe: float  # Σ ln h over the positive modes
    n_zero_modes: int
    reason: str  # "" when is_ts, else why it was rejected


@dataclass(frozen=True)
class ConnectedMinimum:
    """The minimum one side of a transition state quenches to (canonical coordinates)."""

    x: np.ndarray
    energy: float
    verification: Verification


@dataclass(frozen=True)
class TSResult:
    """A verified transition state and the two minima it connects."""

    x: np.ndarray  # as found (the eigenvector refers to these coordinates)
    canonical: np.ndarray
    energy: float
    eigenvalue: float
    eigenvector: np.ndarray
    rms_grad: float
    lpphe: float
    n_zero_modes: int
    minus: ConnectedMinimum  # quenched from x − pushoff·v
    plus: ConnectedMinimum  # quenched from x + pushoff·v
    n_hef_steps: int
    self_connected: bool  # both sides reach the same minimum (or symmetry copies of it)

    @property
    def connected(self) -> bool:
        """Both sides quenched to verified minima."""
        return self.minus.verification.is_minimum and self.plus.verification.is_minimum


class Outcome(enum.Enum):
    """How far a transition-state search (or one of its candidates) got, worst first."""

    NO_MAXIMUM = "band found no maximum"
    HEF_FAILED = "HEF did not converge"
    WRONG_INDEX = "index ≠ 1"
    NOT_MINIMUM = "push-off not a minimum"
    DUPLICATE = "transition state already found"
    FOUND = "transition state found"


@dataclass
class TSSearch:
    """A search's verified transition states and, per candidate, how far it got."""

    found: list[TSResult] = field(default_factory=list)
    candidates: list[Outcome] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        """The furthest stage any candidate reached (NO_MAXIMUM for a band without one)."""
        order = list(Outcome)
        return max(self.candidates, key=order.index, default=Outcome.NO_MAXIMUM)


def run_dneb(
    model: Model,
    x_a: np.ndarray,
    x_b: np.ndarray,
    params: TransitionParams = TransitionParams(),
    on_band: Callable[[Band], None] | None = None,
    abort: np.ndarray | None = None,
) -> Band:
    """Relax a DNEB band from ``x_a`` to ``x_b`` in chunks of ``params.dneb_chunk`` iterations,
    calling ``on_band`` with the current band after each chunk."""
    if model.kit.dneb is None:
        raise ModelError("this model's engine kit has no DNEB kernel")
    p = params
    abort = NO_ABORT if abort is None else abort
    xa = np.ascontiguousarray(x_a, float)
    xb = np.ascontiguousarray(x_b, float)
    n = dneb.n_images_for(
        float(np.linalg.norm(xb - xa)), p.images_per_unit, p.min_images, p.max_images
    )
    images = dneb.interpolate(xa, xb, n)
    vel = np.zeros((n, xa.size))
    state = dneb.fire_start()
    hist: list[np.ndarray] = []
    done = 0
    while True:
        chunk = min(max(p.dneb_chunk, 1), p.dneb_iter - done)
        images, vel, state, energies, h, it, ok = model.kit.dneb(
            images, vel, state, model.args, p.dneb_k, p.band_tol, chunk, p.dneb_max_step, abort
        )
        hist.append(h)
        done += it
        band = Band(images, energies, dneb.band_maxima(energies), np.concatenate(hist), bool(ok))
        if on_band is not None:
            on_band(band)
        if ok or it < chunk or done >= p.dneb_iter or abort[0]:
            return band


def refine_ts(
    model: Model,
    x0: np.ndarray,
    params: TransitionParams = TransitionParams(),
    v0: np.ndarray | None = None,
    abort: np.ndarray | None = None,
) -> HEFResult:
    """Converge candidate ``x0`` by hybrid eigenvector-following (``v0``: uphill guess)."""
    if model.kit.hef is None:
        raise ModelError("transition-state refinement needs a model with a Hessian")
    p = params
    x0 = np.ascontiguousarray(x0, float)
    v0 = np.zeros_like(x0) if v0 is None else np.ascontiguousarray(v0, float)
    x, f, lam, v, r, ok, it = model.kit.hef(
        x0,
        v0,
        model.args,
        p.exact_limit,
        p.ts_tol,
        p.max_hef_steps,
        p.max_uphill,
        p.max_trust,
        p.n_tangent,
        p.n_tangent_conv,
        p.tangent_m,
        p.max_tangent_step,
        p.max_rise,
        p.eig_tol,
        p.lanczos_dim,
        NO_ABORT if abort is None else abort,
    )
    return HEFResult(x, float(f), float(lam), v, float(r), bool(ok), int(it))


def verify_transition_state(
    model: Model, x: np.ndarray, tol: float, zero_tol: float = ZERO_TOL
) -> TSVerification:
    """Check RMS gradient < ``tol`` and exactly one negative exact-Hessian eigenvalue."""
    return TSVerification(*check_stationary(model, x, tol, 1, zero_tol))


def connected_minima(
    model: Model,
    x_ts: np.ndarray,
    v: np.ndarray,
    params: TransitionParams = TransitionParams(),
    abort: np.ndarray | None = None,
) -> tuple[ConnectedMinimum, ConnectedMinimum]:
    """Quench from ``x_ts`` ∓ pushoff·v with the project's L-BFGS and verify both minima.

    A quench that stops on a higher-index saddle (it descended inside an invariant subspace,
    e.g. with a hidden unit switched off) is pushed off that saddle along its lowest mode and
    quenched again, up to ``params.max_descents`` times: the saddle lies below the transition
    state, so the minimum reached is joined to it by a downhill path and the barrier stays the
    transition state's energy.
    """
    p = params
    abort = NO_ABORT if abort is None else abort
    v = v / np.linalg.norm(v)
    sides = []
    for sign in (-1.0, 1.0):
        x = np.ascontiguousarray(x_ts + sign * p.pushoff * v)
        for _ in range(p.max_descents + 1):
            x, f, _, _, _ = model.kit.quench(
                x,
                model.args,
                p.quench_gtol,
                p.quench_max_iter,
                LBFGS_DEFAULTS["m"],
                p.quench_max_step,
                LBFGS_DEFAULTS["max_rise"],
                abort,
            )
            ver = verify_minimum(model, x, p.quench_gtol, p.zero_tol)
            if (
                ver.is_minimum
                or ver.hessian_index < 1
                or ver.rms_grad >= p.quench_gtol
                or model.kit.lowest_mode is None
                or abort[0]
            ):
                break
            _, mode = model.kit.lowest_mode(
                x, np.zeros_like(x), model.args, p.exact_limit, p.eig_tol, p.lanczos_dim
            )
            x = np.ascontiguousarray(x + p.pushoff * mode)
        sides.append(ConnectedMinimum(model.canonical(x), float(f), ver))
    return sides[0], sides[1]


def search_from_minimum(
    model: Model,
    x_min: np.ndarray,
    params: TransitionParams = TransitionParams(),
    first_mode: int = 0,
    n_modes: int = 2,
    abort: np.ndarray | None = None,
) -> TSSearch:
    """Single-ended search: hybrid eigenvector-following uphill from minimum ``x_min`` along
    ± each of its softest Hessian modes ``first_mode … first_mode + n_modes − 1`` (exact
    Hessian up to ``params.exact_limit`` parameters, else seeded random directions), for a
    minimum no band reaches (e.g. XOR's W = 0, whose softest modes are degenerate)."""
    p = params
    abort = NO_ABORT if abort is None else abort
    x_min = np.ascontiguousarray(x_min, float)
    n = x_min.size
    modes = range(first_mode, first_mode + n_modes)
    if n <= p.exact_limit and first_mode + n_modes <= n:
        _, V = np.linalg.eigh(model.hessian(x_min))
        dirs = [V[:, k] for k in modes]
    else:  # beyond the exact Hessian, or every mode tried already: seeded random directions
        rng = np.random.default_rng(first_mode)
        dirs = [d / np.linalg.norm(d) for d in rng.normal(size=(n_modes, n))]
    result = TSSearch()
    seen = model.registry(p.rule)
    for d in dirs:
        for sign in (1.0, -1.0):
            if abort[0]:
                return result
            v = sign * d
            result.candidates.append(
                _refine_candidate(
                    model, x_min + SINGLE_ENDED_STEP * v, v, p, seen, result.found, abort
                )
            )
    return result


def find_transition_states(
    model: Model,
    x_a: np.ndarray,
    x_b: np.ndarray,
    params: TransitionParams = TransitionParams(),
    on_band: Callable[[Band], None] | None = None,
    abort: np.ndarray | None = None,
) -> list[TSResult]:
    """Transition states on the DNEB path from ``x_a`` to ``x_b`` (see :func:`search`)."""
    return search(model, x_a, x_b, params, on_band, abort).found


def search(
    model: Model,
    x_a: np.ndarray,
    x_b: np.ndarray,
    params: TransitionParams = TransitionParams(),
    on_band: Callable[[Band], None] | None = None,
    abort: np.ndarray | None = None,
) -> TSSearch:
    """Transition states on the DNEB path from ``x_a`` to ``x_b``, each verified (index 1) and
    with its two connected minima; duplicates (the same point by the identity rule) appear once.

    Candidates are the band's highest local maxima; those HEF cannot converge, or that are not
    of index 1, are dropped, and so (unless ``params.keep_unconnected``) are transition states
    a side of which does not quench to a verified minimum (e.g. it descends inside an invariant
    subspace to a saddle of an embedded smaller net). Results come highest candidate first.
    """
    p = params
    abort = NO_ABORT if abort is None else abort
    band = run_dneb(model, x_a, x_b, p, on_band, abort)
    result = TSSearch()
    seen = model.registry(p.rule)
    for i in band.candidates[: p.max_candidates]:
        if abort[0]:
            break
        tau = band.images[i + 1] - band.images[i - 1]
        result.candidates.append(
            _refine_candidate(model, band.images[i], tau, p, seen, result.found, abort)
        )
    return result


def _refine_candidate(
    model: Model,
    x0: np.ndarray,
    tau: np.ndarray,
    p: TransitionParams,
    seen: PointRegistry,
    found: list[TSResult],
    abort: np.ndarray,
) -> Outcome:
    """Refine one band maximum; append a new connected transition state to ``found``."""
    hef = refine_ts(model, x0, p, tau, abort)
    if not hef.converged:
        return Outcome.HEF_FAILED
    ver = verify_transition_state(model, hef.x, p.ts_tol, p.zero_tol)
    if not ver.is_ts:
        return Outcome.WRONG_INDEX if ver.rms_grad < p.ts_tol else Outcome.HEF_FAILED
    canon = model.canonical(hef.x)
    if seen.match(hef.energy, canon) is not None:
        return Outcome.DUPLICATE
    seen.add(len(found), hef.energy, canon)
    minus, plus = connected_minima(model, hef.x, hef.eigenvector, p, abort)
    connected = minus.verification.is_minimum and plus.verification.is_minimum
    if not (connected or p.keep_unconnected):
        return Outcome.NOT_MINIMUM
    loop = model.same_point(minus.energy, minus.x, plus.energy, plus.x, p.rule)
    found.append(
        TSResult(
            hef.x,
            canon,
            hef.energy,
            hef.eigenvalue,
            hef.eigenvector,
            ver.rms_grad,
            ver.lpphe,
            ver.n_zero_modes,
            minus,
            plus,
            hef.n_steps,
            loop,
        )
    )
    return Outcome.FOUND if connected else Outcome.NOT_MINIMUM

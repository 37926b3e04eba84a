"""LJAT3 data set: predict which of the four LJAT3 minima an L-BFGS quench reaches (SPEC §1.2).

Each item is a random start (three atoms uniform in a cube of side L); inputs are its initial
distances, the label is the minimum the project's GMIN-style L-BFGS converges to. Outcomes
depend on the minimiser, so its settings are parameters and are recorded in the spec.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from lmapp.engines.kit import make_kit
from lmapp.engines.lbfgs import NO_ABORT

from .build import RawData
from .errors import DatasetError
from .ljat3_potential import Z_DEFAULT, classify_minimum, distances, fg

#: Cube sides of the data sets D1-D3 (seed 003 §4).
CUBES = {"D1": 2.0 * math.sqrt(3.0), "D2": 1.385, "D3": 2.0 * math.sqrt(2.0)}
CLASS_NAMES = ("equilateral", "linear-1", "linear-2", "linear-3")
#: Distance and energy tolerance for matching a converged geometry to a reference minimum.
MATCH_TOL = 1e-3
UNMATCHED = -1  # outcome: converged, but to no reference minimum (as classify_minimum returns)
UNCONVERGED = -2  # outcome: the quench did not reach gtol within max_iter
#: The project's L-BFGS compiled for the LJAT3 potential (cached on disk).
_lbfgs = make_kit(fg, None, "ljat3", cache=True).lbfgs
#: Give up (DatasetError) after this many starts per wanted item, e.g. when max_iter is too small.
MAX_TRIES_PER_ITEM = 20


@njit(cache=True, nogil=True)
def quench_outcomes(
    starts: np.ndarray,
    z: float,
    gtol: float,
    max_iter: int,
    m: int,
    max_step: float,
    max_rise: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise every start (rows of 9 coordinates); return outcome labels and final energies.

    Label 0..3 as ``classify_minimum``, or UNMATCHED / UNCONVERGED.
    """
    n = starts.shape[0]
    labels = np.empty(n, dtype=np.int64)
    energies = np.empty(n)
    for i in range(n):
        x, f, _, _, converged = _lbfgs(
            starts[i].copy(), (z,), gtol, max_iter, m, max_step, max_rise, NO_ABORT
        )
        energies[i] = f
        if converged:
            r12, r13, r23 = distances(x)
            labels[i] = classify_minimum(r12, r13, r23, f, MATCH_TOL)
        else:
            labels[i] = UNCONVERGED
    return labels, energies


def cube_side(cube: str | float) -> float:
    """Side length for ``"D1"``/``"D2"``/``"D3"`` or a positive number (also as text, e.g. from
    a CLI)."""
    if isinstance(cube, str) and cube.strip().upper() in CUBES:
        return CUBES[cube.strip().upper()]
    try:
        side = float(cube)
    except (TypeError, ValueError):
        raise DatasetError(
            f"LJAT3 cube must be D1, D2, D3 or a positive number, got {cube!r}"
        ) from None
    if not (math.isfinite(side) and side > 0):
        raise DatasetError(f"LJAT3 cube side must be a positive number, got {cube!r}")
    return side


def generate(
    rng: np.random.Generator,
    *,
    n_train: int = 1000,
    n_test: int = 500,
    cube: str | float = "D2",
    inputs: int = 2,
    gtol: float = 1e-10,
    max_iter: int = 10000,
    m: int = 4,
    max_step: float = 0.1,
    max_rise: float = 1e-4,
) -> RawData:
    """Generate LJAT3 outcome data.

    n_train, n_test: accepted items (train first, then test, from one stream of starts).
    cube: "D1" (L = 2√3), "D2" (L = 1.385), "D3" (L = 2√2) or a side length.
    inputs: 2 for (r12, r13) of the start geometry (seed 003), 3 to add r23.
    gtol, max_iter, m, max_step, max_rise: settings of ``lmapp.engines.lbfgs (GMIN-style L-BFGS)``.
    Starts that do not converge, or converge to no reference minimum within MATCH_TOL, are
    discarded and counted in the spec (``discarded``); no start is discarded for closeness,
    because the capped step keeps even near-coincident atoms finite.
    """
    side = cube_side(cube)
    if inputs not in (2, 3):
        raise DatasetError(
            f"LJAT3 inputs must be 2 (r12, r13) or 3 (r12, r13, r23), got {inputs!r}"
        )
    if n_train < 1 or n_test < 0:
        raise DatasetError(f"LJAT3 needs n_train >= 1 and n_test >= 0, got {n_train} and {n_test}")
    if not (gtol > 0 and max_iter >= 1 and m >= 1 and max_step > 0 and max_rise >= 0):
        raise DatasetError(
            "LJAT3 minimiser settings must be positive (gtol, max_iter, m, max_step; max_rise >= 0)"
        )
    wanted = n_train + n_test
    batches, outcomes = [], []
    n_good = n_tried = 0
    while n_good < wanted:
        if n_tried > MAX_TRIES_PER_ITEM * wanted + 1000:
            raise DatasetError(
                f"only {n_good} of {n_tried} LJAT3 starts reached a known minimum; "
                f"loosen the minimiser settings (max_iter, gtol)"
            )
        starts = rng.uniform(0.0, side, size=(int((wanted - n_good) * 1.05) + 16, 9))
        labels, _ = quench_outcomes(starts, Z_DEFAULT, gtol, max_iter, m, max_step, max_rise)
        batches.append(starts)
        outcomes.append(labels)
        n_good += int(np.sum(labels >= 0))
        n_tried += len(labels)
    labels = np.concatenate(outcomes)
    n_used = int(np.flatnonzero(labels >= 0)[wanted - 1]) + 1  # starts up to the last item kept
    labels = labels[:n_used]
    good = labels >= 0
    X = _start_distances(np.concatenate(batches)[:n_used][good])[:, :inputs]
    y = labels[good]
    info = {
        "cube_side": side,
        "Z": Z_DEFAULT,
        "match_tol": MATCH_TOL,
        "minimiser": {
            "name": "lmapp.engines.lbfgs (GMIN-style L-BFGS)",
            "gtol": gtol,
            "max_iter": max_iter,
            "m": m,
            "max_step": max_step,
            "max_rise": max_rise,
        },
        "starts": n_used,
        "discarded": {
            "unconverged": int(np.sum(labels == UNCONVERGED)),
            "unmatched": int(np.sum(labels == UNMATCHED)),
        },
        "class_fractions": (np.bincount(y, minlength=len(CLASS_NAMES)) / wanted).tolist(),
    }
    return RawData(
        task="classification",
        X_train=X[:n_train],
        y_train=y[:n_train],
        X_test=X[n_train:],
        y_test=y[n_train:],
        feature_names=("r12", "r13", "r23")[:inputs],
        class_names=CLASS_NAMES,
        info={"ljat3": info},
    )


def _start_distances(starts: np.ndarray) -> np.ndarray:
    """(r12, r13, r23) of each start geometry."""
    a, b, c = starts[:, 0:3], starts[:, 3:6], starts[:, 6:9]
    return np.linalg.norm(np.stack([a - b, a - c, b - c], axis=1), axis=2)

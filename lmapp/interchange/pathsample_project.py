"""Move a project's minima and transition states to and from PATHSAMPLE files, so
disconnectionDPS/PATHSAMPLE users can work on lmapp landscapes and back."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..landscape.identity import IdentityRule
from ..landscape.model import Model
from ..landscape.transition import connected_minima, verify_transition_state
from ..landscape.verify import verify_minimum
from ..store import ProjectFile
from ..store.binding import stored_minima_registry
from ..store.ends import end_positions
from .pathsample import PathsampleData, PathsampleError, read_pathsample, write_pathsample

#: Loss agreement required between min.data/ts.data energies and the project's own loss.
ENERGY_TOL = 1e-8
#: Identity of a push-off's minimum and a min.data line (quenched to another precision than
#: the file's points, so the loss may differ a little more than between two stored minima).
IMPORT_RULE = IdentityRule(ediff=1e-6)


def export_pathsample(pf: ProjectFile, folder: str | Path) -> dict[str, int]:
    """Write every minimum (min.data line k = k-th minimum by id) and transition state."""
    m = pf.minima(with_weights=True, order="id")
    t = pf.transition_states(with_weights=True)
    a, b = end_positions(pf.path, m["id"], t)
    P = m["weights"].shape[1] if m["id"].size else (t["weights"].shape[1] if t["id"].size else 0)
    data = PathsampleData(
        m["loss"],
        m["lpphe"],
        m["weights"].reshape(-1, P),
        t["loss"],
        t["lpphe"],
        a,
        b,
        t["weights"].reshape(-1, P),
    )
    write_pathsample(folder, data)
    return {"minima": int(m["id"].size), "transition_states": int(t["id"].size)}


def import_pathsample(
    pf: ProjectFile, model: Model, folder: str | Path, gtol: float = 1e-6
) -> dict[str, int]:
    """Add the folder's minima and transition states to the project.

    Everything is checked before anything is written: each energy must equal the project's
    loss at the given coordinates, each minimum must verify (RMS gradient < ``gtol``, no
    negative Hessian eigenvalue), each transition state must have index 1 and its push-offs
    must quench to the two minima its ts.data line names. Energies and ln Π ω² are stored as
    given and coordinates in canonical form, so a round trip of lmapp's own files is
    lossless. Minima already in the project (the same by the identity rule) are reused, not
    duplicated. All of it is stored in one transaction with its run.
    """
    if not (isinstance(gtol, (int, float)) and math.isfinite(gtol) and gtol > 0):
        raise PathsampleError(f"gtol must be a finite number > 0, got {gtol!r}")
    data = read_pathsample(folder, model.n_params)
    registry = stored_minima_registry(pf, model)
    rows, target = [], []  # new minimum rows; per input line: existing id or -(row index + 1)
    points = []  # per input line: (energy, canonical coordinates)
    for k, (e, lp, x) in enumerate(zip(data.min_energy, data.min_lpphe, data.min_coords)):
        _check_energy(model, "min.data", k, e, x)
        v = verify_minimum(model, x, gtol)
        if not v.is_minimum:
            raise PathsampleError(
                f"min.data line {k + 1}: not a minimum of this model ({v.reason})"
            )
        wc = model.canonical(x)
        points.append((float(e), wc))
        mid = registry.match(float(e), wc)
        if mid is None:
            registry.add(-(len(rows) + 1), float(e), wc)
            rows.append(
                {
                    "loss": float(e),
                    "rms_grad": v.rms_grad,
                    "hessian_index": v.hessian_index,
                    "min_eig": v.min_eig,
                    "lpphe": float(lp),
                    "n_zero_modes": v.n_zero_modes,
                    "weights": wc,
                }
            )
            mid = -len(rows)
        target.append(mid)
    ts_known = model.registry()
    t = pf.transition_states(with_weights=True)
    for i, f, w in zip(t["id"], t["loss"], t["weights"]):
        ts_known.add(int(i), float(f), w)
    ts_rows = []
    for k, (e, lp, x) in enumerate(zip(data.ts_energy, data.ts_lpphe, data.ts_coords)):
        _check_energy(model, "ts.data", k, e, x)
        v = verify_transition_state(model, x, gtol)
        if not v.is_ts:
            raise PathsampleError(
                f"ts.data line {k + 1}: not a transition state of this model ({v.reason})"
            )
        a, b = int(data.ts_min1[k]), int(data.ts_min2[k])
        _check_ends(model, k, x, (a, b), points)
        if ts_known.match(float(e), model.canonical(x)) is not None:
            continue
        ts_known.add(-1, float(e), model.canonical(x))
        ts_rows.append(
            {
                "loss": float(e),
                "rms_grad": v.rms_grad,
                "eigenvalue": v.eigenvalue,
                "lpphe": float(lp),
                "weights": model.canonical(x),
                "min1": target[a],
                "min2": target[b],
            }
        )
    counts = {
        "minima": len(rows),
        "reused_minima": len(target) - len(rows),
        "transition_states": len(ts_rows),
        "reused_transition_states": int(data.ts_energy.size) - len(ts_rows),
    }
    pf.commit_import(
        kind="import-pathsample",
        params={"folder": str(folder), "gtol": gtol},
        minima=rows,
        transition_states=ts_rows,
        stats=counts,
    )
    return counts


def _check_ends(
    model: Model,
    k: int,
    x: np.ndarray,
    ends: tuple[int, int],
    points: list[tuple[float, np.ndarray]],
) -> None:
    """The push-offs of transition state ``x`` (ts.data line k + 1) reach the minima of the
    two min.data lines it names."""
    n = len(points)
    if not all(0 <= i < n for i in ends):
        raise PathsampleError(
            f"ts.data line {k + 1}: names minima {ends[0] + 1} and {ends[1] + 1}, "
            f"but min.data has {n} lines"
        )
    _, vecs = np.linalg.eigh(model.hessian(x))
    minus, plus = connected_minima(model, x, vecs[:, 0])
    reached = [(side.energy, side.x) for side in (minus, plus)]
    want = [points[i] for i in ends]

    def same(p: tuple[float, np.ndarray], q: tuple[float, np.ndarray]) -> bool:
        return model.same_point(p[0], p[1], q[0], q[1], IMPORT_RULE)

    if not (
        (same(reached[0], want[0]) and same(reached[1], want[1]))
        or (same(reached[0], want[1]) and same(reached[1], want[0]))
    ):
        raise PathsampleError(
            f"ts.data line {k + 1}: its push-offs reach minima of loss {reached[0][0]:.10g} and "
            f"{reached[1][0]:.10g}, not the min.data lines {ends[0] + 1} and {ends[1] + 1} it "
            f"names (loss {want[0][0]:.10g} and {want[1][0]:.10g})"
        )


def _check_energy(model: Model, name: str, k: int, e: float, x: np.ndarray) -> None:
    loss = model.loss(x)
    if abs(loss - e) > ENERGY_TOL * max(1.0, abs(loss)):
        raise PathsampleError(
            f"{name} line {k + 1}: energy {e:.12g} differs from this project's "
            f"loss {loss:.12g} at its coordinates (different data or model?)"
        )

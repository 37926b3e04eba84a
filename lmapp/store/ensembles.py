"""Named MLSUP ensembles kept in a project's derived data, so they can be reopened.

Each ensemble is one derived entry ``ensemble:NAME`` (written atomically): the member weights
and gate weights packed into one float array, everything else as JSON metadata (never
serialised Python objects). The entry ``ensembles`` lists the names.
"""

from __future__ import annotations

import numpy as np

from ..landscape.mlsup import Ensemble
from .errors import ProjectError
from .project_file import ProjectFile

INDEX_KEY = "ensembles"
FORMAT = 1


def _key(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ProjectError(f"an ensemble name must be a non-empty string, got {name!r}")
    return f"ensemble:{name}"


def save_ensemble(pf: ProjectFile, name: str, ens: Ensemble) -> None:
    """Store (or replace) ensemble ``name`` in the project."""
    key = _key(name)
    meta = {
        "format": FORMAT,
        "members": ens.members.tolist(),
        "n_params": int(ens.member_weights.shape[1]),
        "gate_hidden": list(ens.gate_hidden),
        "gate_lam": float(ens.gate_lam),
        "positive_class": int(ens.positive_class),
        "selection": ens.selection,
        "metrics": ens.metrics,
    }
    pf.put_derived(key, np.concatenate([ens.member_weights.ravel(), ens.gate_weights]), meta)
    names = list_ensembles(pf)
    if name not in names:
        pf.put_derived(INDEX_KEY, np.zeros(0), {"names": sorted([*names, name])})


def load_ensemble(pf: ProjectFile, name: str) -> Ensemble:
    """Ensemble ``name`` as saved; ProjectError if there is none of that name."""
    found = pf.get_derived(_key(name))
    if found is None:
        known = ", ".join(list_ensembles(pf)) or "none saved"
        raise ProjectError(f"no ensemble named {name!r} in {pf.path} ({known})")
    packed, meta = found
    if meta.get("format") != FORMAT:
        raise ProjectError(f"ensemble {name!r} has unknown format {meta.get('format')!r}")
    n_members, n_params = len(meta["members"]), int(meta["n_params"])
    split = n_members * n_params
    return Ensemble(
        members=np.array(meta["members"], np.int64),
        member_weights=packed[:split].reshape(n_members, n_params),
        gate_weights=packed[split:],
        gate_hidden=tuple(meta["gate_hidden"]),
        gate_lam=meta["gate_lam"],
        positive_class=meta["positive_class"],
        selection=meta["selection"],
        metrics=meta["metrics"],
    )


def list_ensembles(pf: ProjectFile) -> list[str]:
    """Names of the saved ensembles, sorted."""
    found = pf.get_derived(INDEX_KEY)
    return [] if found is None else list(found[1]["names"])

"""Transition-state benchmark: DNEB + hybrid eigenvector-following searches per second between
pairs of minima found by a short exploration."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..api import Project
from ..datasets import make_dataset
from ..landscape.model import ModelSpec
from ..landscape.transition import find_transition_states

CASES = (("xor-h3", "xor", {}, 3, 1e-2, 12), ("spiral3200-h10", "spiral", {}, 10, 1e-5, 2))


def run_case(name: str, dataset: str, data_params: dict, hidden: int, lam: float, searches: int,
             folder: Path) -> dict:
    data = make_dataset(dataset, **data_params)
    with Project.create(folder / f"ts-{name}.lmapp", data, ModelSpec(hidden=(hidden,), lam=lam)) as p:
        p.explore(steps=max(3, searches), walkers=2, seed=0)
        m = p.minima()
        model = p.model
        rng = np.random.default_rng(0)
        pairs = [rng.choice(m["id"].size, 2, replace=False) for _ in range(searches)]
        find_transition_states(model, m["weights"][0], m["weights"][0] + 1e-3)  # warm-up
        found = 0
        t = time.perf_counter()
        for i, j in pairs:
            a, b = m["weights"][i], m["weights"][j]
            found += len(find_transition_states(model, a, model.align(a, b)))
        dt = time.perf_counter() - t
    return {"case": name, "searches": searches, "seconds": dt, "rate": searches / dt,
            "transition_states": found}


def run(folder: Path, quick: bool) -> list[dict]:
    """Every case (quick: XOR only, fewer searches)."""
    cases = CASES[:1] if quick else CASES
    return [run_case(*c[:5], max(2, c[5] // (3 if quick else 1)), folder) for c in cases]


def report(r: dict) -> str:
    return (f"{r['case']:<16} DNEB+HEF {r['rate']:7.2f} searches/s ({r['searches']} searches, "
            f"{r['transition_states']} verified TS, {r['seconds']:.1f} s)")

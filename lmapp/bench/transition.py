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

CASES = (
    ("xor-h3", "xor", {}, 3, 1e-2, 12),
    ("spiral3200-h10", "spiral", {"n_train": 3200, "n_test": 800}, 10, 1e-5, 4),
)
#: the connect job on the seed-000 landscape (spiral, 3 hidden, λ = 1e-5): (training points,
#: exploration steps per walker, connect attempts)
CONNECT = {"full": (3200, 150, 40), "quick": (200, 20, 4)}


def run_case(
    name: str, dataset: str, data_params: dict, hidden: int, lam: float, searches: int, folder: Path
) -> dict:
    data = make_dataset(dataset, **data_params)
    with Project.create(
        folder / f"ts-{name}.lmapp", data, ModelSpec(hidden=(hidden,), lam=lam)
    ) as p:
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
    return {
        "case": name,
        "searches": searches,
        "seconds": dt,
        "rate": searches / dt,
        "transition_states": found,
    }


def connect_rate(folder: Path, quick: bool) -> dict:
    """Attempts and verified TS per second of ``connect --all`` with 2 workers on a fresh
    seed-000 landscape (hot walkers spread its minima out)."""
    n_train, steps, budget = CONNECT["quick" if quick else "full"]
    data = make_dataset("spiral", n_train=n_train, n_test=n_train // 4)
    with Project.create(
        folder / "connect-seed000.lmapp", data, ModelSpec(hidden=(3,), lam=1e-5)
    ) as p:
        p.explore(steps=steps, walkers=2, seed=0, temperature=1.0, step=2.0)
        minima = p.file.n_minima()
        s = p.connect(mode="all", budget=budget, workers=2)
    return {
        "case": f"connect seed000 {n_train} points",
        "minima": minima,
        "attempts": s.attempts,
        "seconds": s.elapsed,
        "rate": s.rate,
        "new_ts": s.new_ts,
        "ts_rate": s.new_ts / s.elapsed if s.elapsed > 0 else 0.0,
        "components": s.components,
    }


def run(folder: Path, quick: bool) -> list[dict]:
    """Every case (quick: XOR only, fewer searches), and the connect job."""
    cases = CASES[:1] if quick else CASES
    return [run_case(*c[:5], max(2, c[5] // (3 if quick else 1)), folder) for c in cases] + [
        connect_rate(folder, quick)
    ]


def report(r: dict) -> str:
    if r["case"].startswith("connect"):
        return (
            f"{r['case']:<16} {r['rate']:.2f} attempts/s, {r['ts_rate']:.2f} new verified TS/s "
            f"(2 workers, {r['attempts']} attempts on {r['minima']} minima, "
            f"{r['components']} components left)"
        )
    return (
        f"{r['case']:<16} DNEB+HEF {r['rate']:7.2f} searches/s ({r['searches']} searches, "
        f"{r['transition_states']} verified TS, {r['seconds']:.1f} s)"
    )

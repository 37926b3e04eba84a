"""Connect that connects (SPEC §2.4): ``connect --all`` joins every minimum to the global minimum
on the XOR landscapes (W = 0 included) and ≥ 95 % of a spiral landscape's, within the default
budget; reached by escalation (finer and stiffer bands, single-ended searches), not luck."""

from __future__ import annotations

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.landscape.connect_strategy import Components
from lmapp.landscape.model import ModelSpec


def connected_fraction(p: Project) -> float:
    """Fraction of minima connected to the global minimum, from the stored TS (union–find)."""
    a = p.landscape_arrays()
    n = a["ids"].size
    c = Components(n)
    for i, j in zip(a["ts_min1"], a["ts_min2"]):
        c.union(int(i), int(j))
    gm = int(np.argmin(a["energies"]))
    return sum(c.connected(gm, i) for i in range(n)) / n


@pytest.mark.parametrize("lam", [1e-2, 1e-3])
@pytest.mark.parametrize("hidden", [2, 3, 4, 5, 6])
def test_connect_all_connects_every_xor_minimum_including_w0(tmp_path, hidden, lam):
    with Project.create(tmp_path / "x.lmapp", "xor", ModelSpec(hidden=(hidden,), lam=lam)) as p:
        p.explore(steps=200, walkers=2, seed=1, temperature=1.0)
        w0 = p.add_minima(np.zeros((1, p.model.n_params)))[0]  # L = ln 2, always a minimum
        assert p.file.minimum(w0)["loss"] == pytest.approx(np.log(2), abs=1e-12)
        s = p.connect(mode="all")
        assert s.attempts <= s.budget and connected_fraction(p) == 1.0, s.outcomes


@pytest.mark.slow
def test_connect_all_connects_a_spiral_landscape(tmp_path):
    with Project.create(
        tmp_path / "s.lmapp", "spiral", ModelSpec(hidden=(3,), lam=1e-4), n_train=400, n_test=200
    ) as p:
        p.explore(steps=500, walkers=2, seed=0, temperature=1.0)
        assert p.file.n_minima() >= 40
        s = p.connect(mode="all")
        assert p.file.n_minima() >= 50
        assert connected_fraction(p) >= 0.95, s.outcomes
        assert s.attempts <= s.budget

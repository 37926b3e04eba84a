"""The bundled demo shows every view truthfully: distinct minima (brute-force symmetry check),
all connected to the global minimum, minima that disagree on test data, an MLSUP pair that beats
its best member and C_V peaks made of genuinely different minima."""

from __future__ import annotations

import itertools
import json

import numpy as np

from lmapp.api import Project
from lmapp.cli.main import main
from lmapp.gui.window.demo import BUNDLED
from lmapp.landscape.distances import misclassification_matrix, predicted_classes
from lmapp.landscape.thermo import find_peaks, heat_capacity, top_contributors
from tests.helpers import brute_force_distance
from tests.test_connect_targets import connected_fraction


def test_bundled_demo_is_a_truthful_landscape(capsys, tmp_path):
    assert BUNDLED.is_file() and BUNDLED.stat().st_size < 2_000_000
    with Project.open(BUNDLED, readonly=True) as p:
        assert not p.needs_reidentification
        m = p.minima(order="loss")
        n = len(m["id"])
        assert 40 <= n <= 150
        sizes = list(p.model.sizes)
        W = np.array([p.model.full(w) for w in m["weights"]])
        for i, j in itertools.combinations(range(n), 2):
            if abs(m["loss"][i] - m["loss"][j]) < 1e-7:
                assert brute_force_distance(sizes, W[i], W[j]) >= 1e-2
        assert connected_fraction(p) == 1.0
        pred = predicted_classes(p.model, m["weights"], p.dataset.X_test)
        D = misclassification_matrix(pred, p.dataset.y_test)
        assert np.median(D[np.triu_indices(n, 1)]) > 0.05
        T = np.geomspace(1e-4, 1.0, 300)
        th = heat_capacity(m["loss"], m["lpphe"], T, kappa=p.model.n_params)
        peaks = find_peaks(T, th.Cv)
        assert len(peaks) >= 1
        for k in peaks:
            gain, lose = top_contributors(m["loss"], m["lpphe"], T[k], 2)
            ends = [*gain, *lose]
            for a, b in itertools.combinations(ends, 2):  # distinct minima, not copies
                assert abs(m["loss"][a] - m["loss"][b]) > 1e-6
    assert main(["mlsup", str(BUNDLED), "--select", "mmdbm", "--members", "2", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["mlsup"] > r["best_individual"] + 0.02

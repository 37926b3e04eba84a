"""``lmapp thermo``, ``metrics`` and ``distances``: files and printed numbers equal the library
functions, and user mistakes raise UsageError before anything is written."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli.analysis_commands import COMMANDS, METRIC_COLUMNS, add_parsers
from lmapp.cli.errors import Parser, UsageError
from lmapp.landscape.distances import (
    euclidean_matrix,
    misclassification_matrix,
    pearson,
    predicted_classes,
)
from lmapp.landscape.model import ModelSpec
from lmapp.landscape.msb import minimax_barrier_to
from lmapp.landscape.thermo import heat_capacity
from lmapp.store.metrics_cache import minimum_metrics


def run(*argv) -> int:
    parser = Parser()
    add_parsers(parser.add_subparsers(dest="command"))
    a = parser.parse_args([str(v) for v in argv])
    return COMMANDS[a.command](a)


@pytest.fixture(scope="module")
def xor(tmp_path_factory):
    """XOR, 3 hidden units: explored and connected, plus three random weight vectors stored
    without a Hessian (so classifications differ and thermo has minima to leave out)."""
    path = tmp_path_factory.mktemp("analysis") / "xor.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-2)) as p:
        p.explore(steps=100, walkers=1, seed=1)
        p.connect(mode="all", budget=4, workers=1)
        assert p.file.n_transition_states() > 0
        rng = np.random.default_rng(0)
        rows = [{"loss": 1.0 + k, "weights": rng.normal(size=p.model.n_params)} for k in range(3)]
        p.file.add_minima(rows, None)
    return path


def _library_thermo(path, T):
    with Project.open(path, readonly=True) as p:
        m = p.minima(with_weights=False, order="id")
        a = p.landscape_arrays()
        n_params = p.model.n_params
    ok = np.isfinite(m["lpphe"])
    L = m["loss"][ok]
    gmin = int(np.flatnonzero(ok)[np.argmin(L)])
    barrier = minimax_barrier_to(gmin, a["energies"], a["ts_energy"], a["ts_min1"], a["ts_min2"])
    kappa = n_params - int(m["n_zero_modes"][gmin])
    return m["id"][ok], heat_capacity(L, m["lpphe"][ok], T, kappa, barrier[ok])


def test_thermo_csv_and_report_match_library(xor, tmp_path, capsys):
    out = tmp_path / "cv.csv"
    assert (
        run("thermo", xor, "--tmin", 1e-3, "--tmax", 10, "--n", 60, "--out", out, "--top", 2) == 0
    )
    text = capsys.readouterr().out
    assert out.read_text().splitlines()[0] == "T,Cv,Cplus,Cminus,S,F"
    data = np.loadtxt(out, delimiter=",", skiprows=1)
    T = np.logspace(-3, 1, 60)
    ids, th = _library_thermo(xor, T)
    assert np.allclose(
        data, np.column_stack((T, th.Cv, th.Cplus, th.Cminus, th.S, th.F)), rtol=1e-12, atol=1e-300
    )
    assert f"{ids.size} minima, κ = {th.kappa} positive modes" in text
    assert "note: 3 minima without LPPHE left out" in text
    peaks = re.findall(r"C_V peak at T = (\S+):", text)
    assert peaks and float(peaks[0]) == pytest.approx(T[np.argmax(th.Cv)], rel=1e-3)
    listed = [int(i) for i in re.findall(r"(?:gaining|losing)\s+id\s+(\d+)", text)]
    assert listed and set(listed) <= set(ids.tolist())


def test_thermo_png(xor, tmp_path, capsys):
    out = tmp_path / "cv.png"
    assert run("thermo", xor, "--n", 30, "--out", out) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 1000


def test_thermo_without_transition_states(tmp_path, capsys):
    path = tmp_path / "bare.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(2,), lam=1e-2)) as p:
        p.explore(steps=10, walkers=1, seed=0)
    out = tmp_path / "cv.csv"
    assert run("thermo", path, "--n", 20, "--out", out) == 0
    assert "no transition states, so frustration F is NaN" in capsys.readouterr().out
    assert np.all(np.isnan(np.loadtxt(out, delimiter=",", skiprows=1)[:, 5]))


@pytest.mark.parametrize(
    "args",
    [
        ["--tmin", -1],
        ["--tmin", 0],
        ["--tmin", 1, "--tmax", 1],
        ["--tmin", 2, "--tmax", 1],
        ["--tmax", "inf"],
        ["--n", 1],
        ["--top", -1],
        ["--out", "cv.txt"],
    ],
)
def test_thermo_usage_errors(xor, tmp_path, args):
    args = [tmp_path / v if v == "cv.txt" else v for v in args]
    with pytest.raises(UsageError):
        run("thermo", xor, *args)
    assert not list(tmp_path.iterdir())


def test_metrics_csv_and_table(xor, tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert run("metrics", xor, "--out", out) == 0
    with open(out) as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == METRIC_COLUMNS
    with Project.open(xor, readonly=True) as p:
        ref = minimum_metrics(p.file, p.model, p.dataset)
    got = np.array(rows[1:], float)
    for k, name in enumerate(METRIC_COLUMNS):
        assert np.allclose(got[:, k], ref[name].astype(float), rtol=1e-9, equal_nan=True)
    capsys.readouterr()
    assert run("metrics", xor, "--positive", 0) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == list(METRIC_COLUMNS) and len(lines) == ref["id"].size + 1
    with pytest.raises(UsageError):
        run("metrics", xor, "--positive", 2)
    with pytest.raises(UsageError):
        run("metrics", xor, "--out", tmp_path / "m.txt")


@pytest.mark.parametrize("data", ["test", "train"])
@pytest.mark.parametrize("definition", ["differ", "exactly_one"])
def test_distances_match_library(xor, tmp_path, capsys, data, definition):
    with Project.open(xor, readonly=True) as p:
        W = p.minima(order="id")["weights"]
        X, y = (
            (p.dataset.X_test, p.dataset.y_test)
            if data == "test"
            else (p.dataset.X_train, p.dataset.y_train)
        )
        M = misclassification_matrix(predicted_classes(p.model, W, X), y, definition)
    E = euclidean_matrix(W)
    for kind, ref in (("misclass", M), ("euclid", E)):
        out = tmp_path / f"{kind}.npy"
        assert (
            run(
                "distances",
                xor,
                "--kind",
                kind,
                "--definition",
                definition,
                "--data",
                data,
                "--out",
                out,
            )
            == 0
        )
        assert np.array_equal(np.load(out), ref)
        text = capsys.readouterr().out
        assert f"{len(W)} × {len(W)}" in text
        r = float(re.search(r"pairs\): (\S+)", text)[1])
        assert r == pytest.approx(pearson(E, M), abs=1e-5)


def test_distances_usage_errors(xor, tmp_path):
    with pytest.raises(UsageError):
        run("distances", xor, "--out", tmp_path / "d.csv")
    with pytest.raises(UsageError):
        run("distances", tmp_path / "missing.lmapp", "--out", tmp_path / "d.npy")
    reg = tmp_path / "reg.lmapp"
    Project.create(reg, "regression", {"kind": "regression", "lam": 0.0}).close()
    with pytest.raises(UsageError):
        run("distances", reg, "--out", tmp_path / "d.npy")
    assert not (tmp_path / "d.npy").exists()

"""``lmapp export --format json``: any tool can rebuild each network (or regression model) and
its loss from the file alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli import main


def explore(path: Path, *options: str) -> Path:
    assert main(["explore", str(path), *options, "--seed", "0"]) == 0
    return path


def export(project: Path, out: Path, *options: str) -> dict:
    assert main(["export", str(project), "--format", "json", "--out", str(out), *options]) == 0
    return json.loads(out.read_text())


def network_loss(
    layers: list[dict], X: np.ndarray, y: np.ndarray, lam: float, reg_bias: bool
) -> float:
    """Mean cross-entropy of a tanh/softmax net + λ Σ W² (+ λ Σ b² when biases are regularised),
    from the exported per-layer arrays only."""
    W = [np.array(layer["W"]) for layer in layers]
    b = [np.array(layer["b"]) for layer in layers]
    a = X
    for Wl, bl in zip(W[:-1], b[:-1]):
        a = np.tanh(a @ Wl.T + bl)
    z = a @ W[-1].T + b[-1]
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ce = -np.mean(logp[np.arange(len(y)), y])
    reg = sum(np.sum(Wl**2) for Wl in W) + (sum(np.sum(bl**2) for bl in b) if reg_bias else 0.0)
    return ce + lam * reg


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("export")
    return {
        "xor": explore(
            d / "xor.lmapp",
            "--dataset",
            "xor",
            "--hidden",
            "3",
            "--lam",
            "1e-2",
            "--steps",
            "25",
            "--walkers",
            "2",
        ),
        "deep": explore(
            d / "deep.lmapp",
            "--dataset",
            "xor",
            "--hidden",
            "5,5",
            "--lam",
            "1e-3",
            "--steps",
            "10",
            "--walkers",
            "2",
        ),
        "local": explore(
            d / "local.lmapp",
            "--dataset",
            "spiral",
            "--n-train",
            "50",
            "--n-test",
            "10",
            "--hidden",
            "4",
            "--locality",
            "1",
            "--no-bias-reg",
            "--steps",
            "10",
            "--walkers",
            "1",
        ),
        "regression": explore(
            d / "reg.lmapp", "--dataset", "regression", "--steps", "5", "--walkers", "1"
        ),
    }


@pytest.mark.parametrize("name", ["xor", "deep", "local"])
def test_networks_rebuilt_from_json(name, projects, tmp_path):
    doc = export(projects[name], tmp_path / "out.json", "--with-data")
    with Project.open(projects[name], readonly=True) as p:
        m = p.minima(order="id")
        sizes = [int(s) for s in p.model.sizes]
        spec = p.model.spec
    assert doc["format"] == "lmapp-export" and doc["version"] == 1
    model = doc["model"]
    assert model["sizes"] == sizes and model["hidden"] == list(spec.hidden)
    assert model["lam"] == spec.lam and model["reg_bias"] == spec.reg_bias
    assert model["activation"] == "tanh" and model["output"] == "softmax"
    X = np.array(doc["data"]["X_train"])
    y = np.array(doc["data"]["y_train"])
    assert [e["id"] for e in doc["minima"]] == m["id"].tolist() and len(doc["minima"]) >= 1
    for e, loss, rms, index, lpphe in zip(
        doc["minima"], m["loss"], m["rms_grad"], m["hessian_index"], m["lpphe"]
    ):
        assert (e["loss"], e["rms_grad"], e["hessian_index"], e["lpphe"]) == (
            loss,
            rms,
            index,
            lpphe,
        )
        assert [np.shape(layer["W"]) for layer in e["layers"]] == list(zip(sizes[1:], sizes[:-1]))
        assert [np.shape(layer["b"]) for layer in e["layers"]] == [(n,) for n in sizes[1:]]
        assert network_loss(e["layers"], X, y, model["lam"], model["reg_bias"]) == pytest.approx(
            e["loss"], abs=1e-10
        )


def test_locality_export_has_frozen_links_as_zeros(projects, tmp_path):
    doc = export(projects["local"], tmp_path / "out.json")
    with Project.open(projects["local"], readonly=True) as p:
        n_params, n_full = p.model.n_params, p.model.n_full
    assert doc["model"]["locality"] == 1 and doc["model"]["n_params"] == n_params < n_full
    assert doc["model"]["regularised"] == "weights only (no biases)"
    for e in doc["minima"]:
        zeros = sum(int(np.sum(np.array(layer["W"]) == 0.0)) for layer in e["layers"])
        assert zeros >= n_full - n_params


def test_with_data_matches_project_dataset(projects, tmp_path):
    plain = export(projects["xor"], tmp_path / "plain.json")
    doc = export(projects["xor"], tmp_path / "data.json", "--with-data")
    assert "data" not in plain
    with Project.open(projects["xor"], readonly=True) as p:
        arrays = p.dataset.arrays()
        spec = p.dataset.spec
    assert set(doc["data"]) == {"X_train", "y_train", "X_test", "y_test"}
    for key, value in arrays.items():
        got = np.array(doc["data"][key])
        assert got.shape == value.shape and np.array_equal(got, value)
    assert doc["dataset"] == json.loads(json.dumps(spec)) == plain["dataset"]
    assert {k: v for k, v in doc.items() if k != "data"} == plain


def test_regression_export_has_q(projects, tmp_path):
    doc = export(projects["regression"], tmp_path / "reg.json", "--with-data")
    with Project.open(projects["regression"], readonly=True) as p:
        m = p.minima(order="id")
    assert doc["model"]["kind"] == "regression" and doc["model"]["n_params"] == 5
    assert "formula" in doc["model"] and doc["dataset"]["task"] == "regression"
    x = np.array(doc["data"]["X_train"])[:, 0]
    t = np.array(doc["data"]["y_train"])
    assert len(doc["minima"]) == m["id"].size >= 1
    for e, w in zip(doc["minima"], m["weights"]):
        q = np.array(e["q"])
        assert e["layers"] == [] and np.array_equal(q, w)
        y = np.exp(-q[0] * x) * np.sin(q[1] * x + q[2]) * np.sin(q[3] * x + q[4])
        assert np.sum((t - y) ** 2) == pytest.approx(e["loss"], abs=1e-10)


def test_export_overwrites_nothing_on_error(projects, tmp_path, capsys):
    out = tmp_path / "out.json"
    out.write_text("keep")
    assert main(["export", str(tmp_path / "missing.lmapp"), "--out", str(out)]) == 2
    assert out.read_text() == "keep"
    assert main(["export", str(projects["xor"]), "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("lmapp: error: ") for line in err)
    assert out.read_text() == "keep"

"""Cached per-minimum metrics: equal to direct computation, computed once, extended
incrementally, recomputed when model or data change, never written to read-only projects."""

from types import SimpleNamespace

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.landscape import minimum_metrics as mm
from lmapp.landscape.metrics import minima_metrics
from lmapp.landscape.minimum_metrics import inputs_fingerprint
from lmapp.landscape.model import ModelSpec, build_model
from lmapp.store import ProjectFile
from lmapp.store import metrics_cache as dm


def _add_minima(p, n, seed):
    """Store n random weight vectors as minima: even rows with two exact zeros, row 1 with
    hidden unit 0 cut off its four inputs (disconnected)."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        w = rng.normal(size=p.model.n_params)
        w[: 4 if k == 1 else 2 * (k % 2 == 0)] = 0.0
        rows.append(
            {
                "loss": float(p.model.loss(w)),
                "weights": w,
                "hessian_index": 0,
                "lpphe": float(rng.normal()),
                "n_zero_modes": 0,
            }
        )
    return p.file.add_minima(rows, None)


@pytest.fixture
def iris(tmp_path):
    p = Project.create(tmp_path / "iris.lmapp", "iris", ModelSpec(hidden=(3,), lam=1e-3))
    _add_minima(p, 6, seed=0)
    yield p
    p.close()


@pytest.fixture
def counter(monkeypatch):
    """Count the minima whose metrics and predictions are computed."""
    calls = {"metrics": 0, "predictions": 0}
    real_metrics, real_pred = dm.metrics_table, dm.test_predictions

    def metrics(model, dataset, W, ids, c):
        calls["metrics"] += len(W)
        return real_metrics(model, dataset, W, ids, c)

    def pred(model, dataset, W):
        calls["predictions"] += len(W)
        return real_pred(model, dataset, W)

    monkeypatch.setattr(dm, "metrics_table", metrics)
    monkeypatch.setattr(dm, "test_predictions", pred)
    return calls


def _check_direct(p, r, c):
    m = p.minima(order="id")
    d = p.dataset
    assert np.array_equal(r["id"], m["id"])
    for part, X, y in (("train", d.X_train, d.y_train), ("test", d.X_test, d.y_test)):
        ref = minima_metrics(p.model, m["weights"], X, y, c)
        assert np.allclose(r[f"{part}_loss"], ref["loss"], rtol=1e-12)
        assert np.allclose(r[f"{part}_acc"], ref["accuracy"], rtol=1e-12)
        assert np.allclose(r[f"{part}_auc"], ref["auc"], rtol=1e-12)
    assert np.array_equal(
        r["predictions"], np.array([p.model.predict(w, d.X_test) for w in m["weights"]])
    )
    assert r["predictions"].dtype == np.int8
    assert np.array_equal(r["sparsity"], np.count_nonzero(np.abs(m["weights"]) < 1e-10, axis=1))
    for name in ("loss", "lpphe", "n_zero_modes", "hessian_index"):
        assert np.array_equal(r[name], m[name])


def test_values_cache_hits_and_appends(iris, counter):
    r = dm.minimum_metrics(iris.file, iris.model, iris.dataset)
    _check_direct(iris, r, 1)
    assert r["disconnected_units"].tolist() == [0, 1, 0, 0, 0, 0]
    assert counter == {"metrics": 6, "predictions": 6}
    again = dm.minimum_metrics(iris.file, iris.model, iris.dataset)
    assert counter == {"metrics": 6, "predictions": 6}  # a cache hit computes nothing
    assert all(np.array_equal(again[k], r[k]) for k in r)
    _add_minima(iris, 3, seed=1)
    r = dm.minimum_metrics(iris.file, iris.model, iris.dataset)
    assert counter == {"metrics": 9, "predictions": 9}  # only the three new minima
    _check_direct(iris, r, 1)
    r2 = dm.minimum_metrics(iris.file, iris.model, iris.dataset, positive_class=2)
    assert counter == {"metrics": 18, "predictions": 9}  # another AUC class: own table
    _check_direct(iris, r2, 2)
    table, meta = iris.file.get_derived("metrics:v1:pos2")
    assert table.shape == (9, len(dm.COLUMNS)) and meta["columns"] == list(dm.COLUMNS)
    assert meta["n_minima"] == 9 and meta["max_id"] == int(r2["id"][-1])
    with pytest.raises(ValueError, match="positive class must be 0…2, got 3"):
        dm.minimum_metrics(iris.file, iris.model, iris.dataset, positive_class=3)


def test_fingerprint_change_recomputes(iris, counter):
    dm.minimum_metrics(iris.file, iris.model, iris.dataset)
    d = iris.dataset
    other = build_model(ModelSpec(hidden=(3,), lam=1e-2), d.X_train, d.y_train, d.n_classes)
    assert inputs_fingerprint(other, d) != inputs_fingerprint(iris.model, d)
    dm.minimum_metrics(iris.file, other, d)
    assert counter == {"metrics": 12, "predictions": 12}
    dm.minimum_metrics(iris.file, other, d)
    assert counter == {"metrics": 12, "predictions": 12}


def test_readonly_project_computes_without_caching(iris, counter):
    with ProjectFile.open(iris.path, readonly=True) as ro:
        r = dm.minimum_metrics(ro, iris.model, iris.dataset)
        dm.minimum_metrics(ro, iris.model, iris.dataset)
        assert ro.get_derived("metrics:v1:pos1") is None
    _check_direct(iris, r, 1)
    assert counter["metrics"] == 12


def test_empty_project_and_default_positive_class(tmp_path):
    with Project.create(tmp_path / "xor.lmapp", "xor") as p:
        r = dm.minimum_metrics(p.file, p.model, p.dataset)
        assert r["id"].size == 0 and r["predictions"].shape == (0, 4)
    assert mm.default_positive_class(SimpleNamespace(name="ljat3")) == 0
    assert mm.default_positive_class(SimpleNamespace(name="wine")) == 1


def test_disconnected_units_in_a_deep_net():
    X, y = np.random.default_rng(0).normal(size=(8, 2)), np.arange(8) % 2
    model = build_model(ModelSpec(hidden=(3, 2)), X, y, 2)
    w = np.ones(model.n_params)
    layers = model.layers(w)
    # layer-1 unit 2 loses its inputs; layer-2 unit 0 loses its outputs
    layers[0]["W"][2] = 0.0
    layers[2]["W"][:, 0] = 0.0
    flat = np.concatenate([np.concatenate([d["W"].ravel(), d["b"]]) for d in layers])
    zeros, disc = mm.weight_sparsity(model, np.stack([w, flat]))
    assert zeros.tolist() == [0, 4] and disc.tolist() == [0, 2]

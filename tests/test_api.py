"""The Python API: create/open projects, explore beside readers, minima as arrays, evaluation
on data, and user-supplied losses run by the same engines."""

from __future__ import annotations

import time

import numba
import numpy as np
import pytest

from lmapp.api import Project, ProjectError
from lmapp.datasets import Dataset, DatasetError, make_dataset
from lmapp.datasets.regression import model as regression_model
from lmapp.landscape.model import ModelError, ModelSpec
from lmapp.landscape.user_model import user_model


def forward(layers: list[dict], X: np.ndarray) -> np.ndarray:
    """Class probabilities of a tanh/softmax network given per-layer W (out × in) and b."""
    a = X
    for layer in layers[:-1]:
        a = np.tanh(a @ layer["W"].T + layer["b"])
    z = a @ layers[-1]["W"].T + layers[-1]["b"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def spiral(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A small spiral project with a few verified minima."""
    p = Project.create(
        tmp_path_factory.mktemp("api") / "spiral.lmapp",
        "spiral",
        {"hidden": [4], "lam": 1e-3},
        n_train=60,
        n_test=30,
        seed=5,
    )
    p.explore(steps=25, walkers=2, seed=1)
    assert p.file.n_minima() >= 1
    return p


def test_create_from_dataset_name_and_options(spiral):
    expected = make_dataset("spiral", n_train=60, n_test=30, seed=5)
    for key, value in expected.arrays().items():
        assert np.array_equal(getattr(spiral.dataset, key), value)
    assert spiral.dataset.spec["params"]["n_train"] == 60 and spiral.dataset.spec["seed"] == 5
    assert list(spiral.model.sizes) == [2, 4, 2] and spiral.model.n_params == 2 * 4 + 4 + 4 * 2 + 2
    assert spiral.model.spec == ModelSpec(hidden=(4,), lam=1e-3)
    with Project.open(spiral.path, readonly=True) as again:
        assert again.model.spec == spiral.model.spec
        assert np.array_equal(again.dataset.X_train, expected.X_train)


def test_create_from_dataset_object(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    data = Dataset(
        name="blobs",
        task="classification",
        X_train=X[:20],
        y_train=y[:20],
        X_test=X[20:],
        y_test=y[20:],
        n_classes=3,
        feature_names=("u", "v"),
        class_names=("low", "mid", "high"),
        spec={"source": "test"},
    )
    with Project.create(tmp_path / "blobs.lmapp", data, ModelSpec(hidden=(2,), lam=0.0)):
        pass
    with Project.open(tmp_path / "blobs.lmapp", readonly=True) as p:
        assert p.dataset.name == "blobs" and p.dataset.spec["source"] == "test"
        assert p.dataset.class_names == ("low", "mid", "high") and p.dataset.feature_names == (
            "u",
            "v",
        )
        assert np.array_equal(p.dataset.X_train, X[:20]) and np.array_equal(
            p.dataset.y_test, y[20:]
        )
        assert list(p.model.sizes) == [2, 2, 3] and p.model.spec.lam == 0.0
    with pytest.raises(DatasetError, match="Dataset object"):
        Project.create(tmp_path / "other.lmapp", data, seed=3)
    assert not (tmp_path / "other.lmapp").exists()


def test_create_refuses_bad_input_and_existing_files(tmp_path, spiral):
    with pytest.raises(ModelError):
        Project.create(tmp_path / "bad.lmapp", "xor", {"hidden": [0]})
    with pytest.raises(ModelError, match="appAUC"):
        Project.create(tmp_path / "bad.lmapp", "iris", {"loss": "appauc"})
    with pytest.raises(DatasetError):
        Project.create(tmp_path / "bad.lmapp", "xor", n_train=5)
    assert list(tmp_path.iterdir()) == []
    before = spiral.path.read_bytes()
    with pytest.raises(ProjectError, match="exists"):
        Project.create(spiral.path, "xor")
    assert spiral.path.read_bytes() == before


def test_readonly_reader_beside_background_explore(tmp_path):
    path = tmp_path / "xor.lmapp"
    Project.create(path, "xor", {"hidden": [3]}).close()
    seen: list[tuple[int, int]] = []
    with Project.open(path) as p:
        handle = p.explore_async(steps=400, walkers=2, seed=0)
        while not handle.done():
            with Project.open(path, readonly=True) as ro:
                runs = ro.info()["runs"]
                quenches = runs[0]["stats"].get("quenches", 0) if runs else 0
                seen.append((ro.file.n_minima(), quenches))
                with pytest.raises(ProjectError, match="read-only"):
                    ro.explore(steps=1)
            time.sleep(0.01)
        s = handle.wait()
    assert s.status == "finished" and s.quenches == 800
    assert len(seen) >= 2
    counts = np.array(seen)
    assert np.all(np.diff(counts, axis=0) >= 0)  # minima and quenches never go down
    with Project.open(path, readonly=True) as ro:
        assert seen[-1][0] <= ro.file.n_minima() == s.total_minima
        assert ro.info()["runs"][0]["stats"]["quenches"] == 800


def test_minima_arrays(spiral):
    by_loss = spiral.minima()
    by_id = spiral.minima(order="id")
    n = spiral.file.n_minima()
    for key in ("id", "loss", "rms_grad", "hessian_index", "min_eig", "lpphe", "walker", "step"):
        assert by_loss[key].shape == (n,)
    assert by_loss["weights"].shape == (n, spiral.model.n_params)
    assert np.all(np.diff(by_loss["loss"]) >= 0) and np.all(np.diff(by_id["id"]) > 0)
    assert sorted(by_loss["id"]) == list(by_id["id"])
    assert "weights" not in spiral.minima(with_weights=False)
    gm = spiral.global_minimum()
    assert gm["id"] == by_loss["id"][0] and gm["loss"] == by_loss["loss"][0]
    assert np.array_equal(spiral.weights(gm["id"]), by_loss["weights"][0])


@pytest.mark.parametrize("part", ["test", "train"])
def test_evaluate_classifier(spiral, part):
    d = spiral.dataset
    X, y = (d.X_test, d.y_test) if part == "test" else (d.X_train, d.y_train)
    for min_id in spiral.minima(with_weights=False, order="id")["id"]:
        r = spiral.evaluate(int(min_id), part=part)
        assert r["probabilities"].shape == (len(y), 2)
        assert np.allclose(r["probabilities"].sum(axis=1), 1.0, atol=1e-12)
        probs = forward(spiral.layers(int(min_id)), X)
        assert np.allclose(r["probabilities"], probs, atol=1e-12)
        assert r["accuracy"] == np.mean(probs.argmax(axis=1) == y)
        assert r["loss"] == pytest.approx(-np.mean(np.log(probs[np.arange(len(y)), y])), rel=1e-10)
    gm = spiral.global_minimum()
    if part == "train":  # mean CE on the training set + λ‖V‖² is the stored loss
        w = spiral.weights(gm["id"])
        assert spiral.evaluate(gm["id"], part="train")["loss"] + 1e-3 * w @ w == pytest.approx(
            gm["loss"], rel=1e-10
        )
    with pytest.raises(ValueError, match="part"):
        spiral.evaluate(gm["id"], part="validation")


def test_evaluate_on_given_data_and_regression(spiral, tmp_path):
    gm = spiral.global_minimum()["id"]
    X = np.array([[0.0, 0.0], [0.5, -0.5], [-1.0, 1.0]])
    r = spiral.evaluate(gm, X)
    assert set(r) == {"probabilities", "predictions"}
    assert np.array_equal(r["predictions"], forward(spiral.layers(gm), X).argmax(axis=1))
    with Project.create(
        tmp_path / "reg.lmapp", "regression", {"kind": "regression", "lam": 0.0}
    ) as p:
        p.explore(steps=3, walkers=1, seed=0)
        m = p.global_minimum()
        q = p.weights(m["id"])
        r = p.evaluate(m["id"], part="train")
        x, t = p.dataset.X_train[:, 0], p.dataset.y_train
        assert np.allclose(r["predictions"], regression_model(x, q), atol=1e-12)
        assert r["sse"] == pytest.approx(np.sum((t - regression_model(x, q)) ** 2), rel=1e-10)
        assert r["sse"] == pytest.approx(m["loss"], rel=1e-10)  # E(q) = Σ (t − y)², no λ


def _rosenbrock(w, args):
    a, b = args
    g = np.empty(2)
    g[0] = -2.0 * (a - w[0]) - 4.0 * b * w[0] * (w[1] - w[0] ** 2)
    g[1] = 2.0 * b * (w[1] - w[0] ** 2)
    return (a - w[0]) ** 2 + b * (w[1] - w[0] ** 2) ** 2, g


CALLS: list[int] = []
CENTRE = np.array([1.0, -2.0, 0.5])


def _python_quadratic(w, args):
    """Not compilable by numba (appends to a Python list), so it runs in object mode."""
    CALLS.append(1)
    d = np.asarray(w) - CENTRE
    return float(d @ d), 2.0 * d


def test_user_model_numba_compilable():
    m = user_model(_rosenbrock, 2, args=(1.0, 100.0))
    assert isinstance(m.fg_kernel, numba.core.registry.CPUDispatcher)
    assert m.loss(np.array([1.0, 1.0])) == 0.0 and m.loss(np.zeros(2)) == 1.0
    x, f, r, _, converged = m.minimize(np.array([-1.2, 1.0]), gtol=1e-10, m=4, max_step=0.2)
    assert converged and r < 1e-10
    assert np.allclose(x, [1.0, 1.0], atol=1e-8) and f < 1e-16


def test_user_model_plain_python():
    with pytest.raises(numba.core.errors.TypingError):
        numba.njit(_python_quadratic)(np.zeros(3), ())
    m = user_model(_python_quadratic, 3)
    CALLS.clear()
    x, f, _r, n_iter, converged = m.minimize(
        np.zeros(3), gtol=1e-10, max_iter=1000, m=4, max_step=0.2
    )
    assert converged and np.allclose(x, CENTRE, atol=1e-10) and f < 1e-20
    assert len(CALLS) >= n_iter > 1  # the Python function itself was evaluated
    assert m.fg(CENTRE + 1.0) == (3.0, pytest.approx(np.full(3, 2.0)))

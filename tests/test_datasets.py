"""Datasets layer: generators, bundled tables, preprocessing and CSV/NPZ import (no LJAT3 here)."""

import json
import math

import numpy as np
import pytest

from lmapp.datasets import (
    DATASET_NAMES,
    Dataset,
    DatasetError,
    load_csv,
    load_npz,
    make_dataset,
    mislabel_labels,
    split,
    standardize,
)

# --------------------------------------------------------------------------- built-in data sets


def test_dataset_names():
    assert DATASET_NAMES == (
        "xor",
        "spiral",
        "checkerboard",
        "ljat3",
        "iris",
        "digits",
        "breast_cancer",
        "wine",
        "regression",
    )


def test_xor_values():
    d = make_dataset("xor")
    np.testing.assert_array_equal(d.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(d.y_train, [0, 1, 1, 0])
    np.testing.assert_array_equal(d.X_test, d.X_train)
    np.testing.assert_array_equal(d.y_test, d.y_train)
    assert d.X_test is not d.X_train
    assert (d.task, d.n_classes, d.n_features, d.n_train, d.n_test) == (
        "classification",
        2,
        2,
        4,
        4,
    )
    assert (
        d.X_train.dtype == np.float64
        and d.y_train.dtype == np.int64
        and d.X_train.flags.c_contiguous
    )
    assert d.spec["standardize"] == {"applied": False}
    assert d.spec["generator"] == "xor" and d.spec["params"] == {}


def test_spiral_shapes_balance_and_geometry():
    d = make_dataset("spiral", seed=3)
    assert d.X_train.shape == (3200, 2) and d.X_test.shape == (800, 2)
    assert np.bincount(d.y_train).tolist() == [1600, 1600]
    assert np.bincount(d.y_test).tolist() == [400, 400]
    assert d.spec["params"] == {
        "n_train": 3200,
        "n_test": 800,
        "turns": 1.75,
        "noise": 0.05,
        "r_min": 0.05,
    }
    assert np.all(np.abs(d.X_train) <= 1.05 + 1e-12)

    clean = make_dataset("spiral", n_train=400, n_test=0, noise=0.0, turns=1.5, r_min=0.1)
    r = np.hypot(*clean.X_train.T)
    t = (r - 0.1) / 0.9
    expected = (
        2 * math.pi * 1.5 * t + math.pi * clean.y_train
    )  # class 1 = point reflection of class 0
    angle = np.arctan2(clean.X_train[:, 1], clean.X_train[:, 0])
    np.testing.assert_allclose(np.angle(np.exp(1j * (angle - expected))), 0.0, atol=1e-9)
    assert clean.n_test == 0 and clean.X_test.shape == (0, 2)


def test_spiral_odd_count_gives_class_zero_the_extra_point():
    d = make_dataset("spiral", n_train=7, n_test=3)
    assert np.bincount(d.y_train).tolist() == [4, 3] and np.bincount(d.y_test).tolist() == [2, 1]


def test_checkerboard_labels_follow_cells():
    d = make_dataset("checkerboard", seed=2, cells=3)
    assert d.X_train.shape == (1000, 2) and d.X_test.shape == (500, 2)
    for X, y in ((d.X_train, d.y_train), (d.X_test, d.y_test)):
        assert np.all((X >= 0) & (X < 1))
        np.testing.assert_array_equal(y, (np.floor(X[:, 0] * 3) + np.floor(X[:, 1] * 3)) % 2)
    assert 0.4 < d.y_train.mean() < 0.6
    noisy = make_dataset("checkerboard", seed=2, cells=3, noise=0.05)
    np.testing.assert_array_equal(noisy.y_train, d.y_train)  # noise moves points, never relabels
    assert 0 < np.abs(noisy.X_train - d.X_train).max() <= 0.05


def test_regression_data_and_spec():
    d = make_dataset("regression", seed=4)
    assert (d.task, d.n_classes, d.class_names, d.feature_names) == ("regression", 0, (), ("x",))
    assert d.X_train.shape == (100, 1) and d.y_train.shape == (100,) and d.X_test.shape == (100, 1)
    assert d.y_train.dtype == np.float64
    np.testing.assert_allclose(d.X_train[:, 0], np.linspace(0, 3 * np.pi, 100))
    assert np.all((d.X_test >= 0) & (d.X_test <= 3 * np.pi))
    assert d.spec["q_true"] == [0.1, 2.13, 0.0, 1.34, 0.0] and d.spec["sigma"] == 0.02
    x = d.X_train[:, 0]
    residual = d.y_train - np.exp(-0.1 * x) * np.sin(2.13 * x) * np.sin(1.34 * x)
    assert 0.014 < residual.std() < 0.027 and abs(residual.mean()) < 0.01
    exact = make_dataset("regression", sigma=0.0)
    np.testing.assert_allclose(
        exact.y_train, np.exp(-0.1 * x) * np.sin(2.13 * x) * np.sin(1.34 * x), atol=1e-15
    )


@pytest.mark.parametrize(
    ("name", "rows", "features", "classes"),
    [
        ("iris", 150, 4, 3),
        ("digits", 1797, 64, 10),
        ("breast_cancer", 569, 30, 2),
        ("wine", 178, 13, 3),
    ],
)
def test_bundled_tables(name, rows, features, classes):
    d = make_dataset(name, seed=1)
    n_test = round(0.25 * rows)
    assert d.n_train == rows - n_test and d.n_test == n_test and d.n_features == features
    assert d.n_classes == classes == len(d.class_names) and len(d.feature_names) == features
    assert set(np.unique(d.y_train)) == set(range(classes))
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0, atol=1e-12)
    std = d.X_train.std(axis=0)
    assert np.allclose(std[std > 0], 1) and d.spec["standardize"]["applied"]
    assert d.spec["split"] == {"test_fraction": 0.25, "stratified": True}


def test_iris_names_stratified_split_and_options():
    d = make_dataset("iris", test_fraction=0.2, standardize=False)
    assert d.class_names == ("setosa", "versicolor", "virginica")
    assert d.feature_names[0] == "sepal length (cm)"
    assert np.bincount(d.y_test).tolist() == [10, 10, 10]
    assert np.bincount(d.y_train).tolist() == [40, 40, 40]
    assert d.X_train.min() > 0  # raw centimetres, not standardised
    assert d.spec["standardize"] == {"applied": False}


def test_determinism_and_seed_dependence():
    for name, params in (
        ("spiral", {"n_train": 50, "n_test": 10}),
        ("iris", {}),
        ("checkerboard", {}),
    ):
        a = make_dataset(name, seed=5, mislabel=0.2, **params)
        b = make_dataset(name, seed=5, mislabel=0.2, **params)
        c = make_dataset(name, seed=6, mislabel=0.2, **params)
        for key, value in a.arrays().items():
            np.testing.assert_array_equal(value, b.arrays()[key])
        assert a.spec == b.spec
        assert not np.array_equal(a.X_train, c.X_train)


def test_mislabel_changes_only_training_labels():
    clean = make_dataset("iris", seed=7)
    noisy = make_dataset("iris", seed=7, mislabel=0.3)
    np.testing.assert_array_equal(noisy.X_train, clean.X_train)
    np.testing.assert_array_equal(noisy.X_test, clean.X_test)
    np.testing.assert_array_equal(noisy.y_test, clean.y_test)
    changed = np.flatnonzero(noisy.y_train != clean.y_train)
    assert len(changed) == round(0.3 * 112) == 34
    assert noisy.spec["mislabel"] == {"fraction": 0.3, "count": 34, "indices": changed.tolist()}
    assert clean.spec["mislabel"] == {"fraction": 0.0, "count": 0, "indices": []}


def test_mislabel_labels_exact_count_and_never_same_class():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 2500)
    out = mislabel_labels(y, 4, 0.45, rng)
    changed = out != y
    assert changed.sum() == 4500 and out.dtype == np.int64
    np.testing.assert_array_equal(y, np.repeat(np.arange(4), 2500))  # input untouched
    # each class goes uniformly to the three others (about 375 each)
    for c in range(4):
        targets = np.bincount(out[changed & (y == c)], minlength=4)
        assert targets[c] == 0 and np.all(np.abs(targets[np.arange(4) != c] - 375) < 90)
    assert np.array_equal(mislabel_labels(y, 4, 0.0, rng), y)
    assert (
        mislabel_labels(np.array([0, 1, 0, 1, 1]), 2, 0.5, rng) != [0, 1, 0, 1, 1]
    ).sum() == 2  # round(2.5)


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5, float("nan"), "a", None])
def test_invalid_mislabel_fraction(fraction):
    with pytest.raises(DatasetError, match="mislabel fraction"):
        mislabel_labels(np.array([0, 1]), 2, fraction, np.random.default_rng(0))
    with pytest.raises(DatasetError, match="mislabel fraction"):
        make_dataset("xor", mislabel=fraction)


def test_standardize_uses_train_statistics_and_keeps_constant_columns_finite():
    rng = np.random.default_rng(1)
    X_train = np.column_stack([rng.normal(5, 3, 200), np.full(200, 7.0), rng.uniform(-1, 1, 200)])
    X_test = X_train[:10] + 1.0
    A, B = standardize(X_train, X_test)
    np.testing.assert_allclose(A.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(A.std(axis=0), [1, 0, 1], atol=1e-12)
    assert np.all(np.isfinite(B)) and np.all(B[:, 1] == 1.0)
    np.testing.assert_allclose(B[:, 0], A[:10, 0] + 1.0 / X_train[:, 0].std())


def test_split_sizes_strata_and_partition():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100.0)[:, None]
    X_train, y_train, X_test, y_test = split(X, y, 0.25, np.random.default_rng(0))
    assert len(y_test) == 25 and len(y_train) == 75
    assert np.bincount(y_test).tolist() == [15, 8, 2] or np.bincount(y_test).tolist() == [15, 7, 3]
    ids = np.concatenate([X_train[:, 0], X_test[:, 0]]).astype(int)
    assert sorted(ids) == list(range(100))
    np.testing.assert_array_equal(y[X_train[:, 0].astype(int)], y_train)  # rows stay paired
    again = split(X, y, 0.25, np.random.default_rng(0))
    np.testing.assert_array_equal(again[2], X_test)
    _, _, X_test2, _ = split(X, y, 0.25, np.random.default_rng(0), stratify=False)
    assert len(X_test2) == 25
    _, _, X_none, y_none = split(X, y, 0.0, np.random.default_rng(0))
    assert X_none.shape == (0, 1) and y_none.shape == (0,)


def test_split_keeps_every_class_in_training():
    y = np.array([0, 0, 0, 1, 2])
    _, y_train, _, y_test = split(np.zeros((5, 1)), y, 0.4, np.random.default_rng(0))
    assert set(y_train) == {0, 1, 2} and len(y_test) == 2


@pytest.mark.parametrize(
    ("X", "y", "fraction", "message"),
    [
        (np.zeros((3, 1)), np.array([0, 1, 2]), 0.1, "too few rows"),
        (np.zeros((3, 1)), np.array([0, 1, 2]), 0.5, "each class needs a training row"),
        (np.zeros((2, 1)), np.array([0, 1]), 0.9, "too few rows"),
        (np.zeros((4, 1)), np.array([0, 1, 0, 1]), 1.0, "test_fraction must be in"),
        (np.zeros((4, 1)), np.array([0, 1, 0, 1]), -0.2, "test_fraction must be in"),
        (np.zeros((4, 1)), np.array([0, 1, 0, 1]), "x", "test_fraction must be a number"),
    ],
)
def test_split_errors(X, y, fraction, message):
    with pytest.raises(DatasetError, match=message):
        split(X, y, fraction, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "mnist"}, "unknown dataset 'mnist'; choose one of xor, spiral"),
        (
            {"name": "spiral", "radius": 2},
            r"unknown parameter\(s\) for spiral: radius \(accepted: n_train, n_test",
        ),
        ({"name": "xor", "n_train": 2}, "accepted: none"),
        ({"name": "iris", "n_train": 2}, "iris takes no parameters"),
        ({"name": "spiral", "n_train": "many"}, "n_train must be a number"),
        ({"name": "spiral", "n_train": 2.5}, "n_train must be an integer"),
        ({"name": "spiral", "noise": float("inf")}, "noise must be finite"),
        ({"name": "spiral", "n_train": 1}, "n_train >= 2"),
        ({"name": "spiral", "turns": -1.0}, "turns > 0"),
        ({"name": "checkerboard", "cells": 1}, "cells >= 2"),
        ({"name": "spiral", "test_fraction": 0.3}, "comes with its own test set"),
        ({"name": "iris", "test_fraction": 1.0}, "test_fraction must be in"),
        ({"name": "regression", "mislabel": 0.1}, "only to classification"),
        ({"name": "regression", "q_true": (1, 2)}, "q_true must have 5 values"),
        ({"name": "regression", "q_true": "abc"}, "q_true must be 5 numbers"),
        ({"name": "xor", "seed": -1}, "seed must be a non-negative integer"),
        ({"name": "xor", "seed": 1.5}, "seed must be a non-negative integer"),
    ],
)
def test_make_dataset_errors(kwargs, message):
    with pytest.raises(DatasetError, match=message):
        make_dataset(**kwargs)


def test_spec_is_json_and_from_arrays_round_trip():
    for d in (
        make_dataset("iris", seed=2, mislabel=0.2),
        make_dataset("regression"),
        make_dataset("xor"),
    ):
        spec = json.loads(json.dumps(d.spec))
        again = Dataset.from_arrays(spec, {k: v.copy() for k, v in d.arrays().items()})
        assert (again.name, again.task, again.n_classes) == (d.name, d.task, d.n_classes)
        assert again.feature_names == d.feature_names and again.class_names == d.class_names
        assert again.spec == d.spec
        for key, value in d.arrays().items():
            np.testing.assert_array_equal(getattr(again, key), value)
            assert getattr(again, key).dtype == value.dtype


def test_from_arrays_rejects_incomplete_or_inconsistent_input():
    d = make_dataset("xor")
    spec = dict(d.spec)
    del spec["task"]
    with pytest.raises(DatasetError, match="missing task"):
        Dataset.from_arrays(spec, d.arrays())
    with pytest.raises(DatasetError, match="missing y_test"):
        Dataset.from_arrays(d.spec, {k: v for k, v in d.arrays().items() if k != "y_test"})
    with pytest.raises(DatasetError, match=r"labels outside 0\.\.1"):
        Dataset.from_arrays(d.spec, {**d.arrays(), "y_train": np.array([0, 1, 2, 0])})
    with pytest.raises(DatasetError, match="y_train has shape"):
        Dataset.from_arrays(d.spec, {**d.arrays(), "y_train": np.array([0, 1])})
    with pytest.raises(DatasetError, match="expected \\(rows, 2\\)"):
        Dataset.from_arrays(d.spec, {**d.arrays(), "X_test": np.zeros((4, 3))})
    with pytest.raises(DatasetError, match="unknown task"):
        Dataset.from_arrays({**d.spec, "task": "clustering"}, d.arrays())


# --------------------------------------------------------------------------- CSV import


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD_CSV = "a,b,species\n" + "".join(
    f"{i},{i % 3 + 0.5},{['setosa', 'virginica', 'versicolor'][i % 3]}\n" for i in range(30)
)


def test_load_csv_string_labels(tmp_path):
    d = load_csv(write(tmp_path, GOOD_CSV), "species", seed=1, standardize=False, test_fraction=0.2)
    assert d.name == "data" and d.task == "classification"
    assert d.class_names == ("setosa", "versicolor", "virginica")  # sorted
    assert d.feature_names == ("a", "b") and d.n_train == 24 and d.n_test == 6
    assert np.bincount(d.y_test).tolist() == [2, 2, 2]
    # label follows the row: a % 3 == 0 -> setosa (0), 1 -> virginica (2), 2 -> versicolor (1)
    np.testing.assert_array_equal(d.y_train, np.array([0, 2, 1])[d.X_train[:, 0].astype(int) % 3])
    assert d.spec["source"] == "csv" and d.spec["label"] == "species" and d.spec["seed"] == 1


def test_load_csv_integer_labels_by_index_features_and_blank_lines(tmp_path):
    text = "x,y,z,cls\n1,2,3,10\n\n4,5,6,+2\n7,8,9,10\n1,1,1,2\n2,2,2,10\n3,3,3,2\n"
    d = load_csv(write(tmp_path, text), -1, features=["z", "x"], test_fraction=0.34)
    assert d.class_names == ("2", "10")  # numeric order, not text order
    assert d.feature_names == ("z", "x") and d.n_test == 2
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0, atol=1e-12)
    assert load_csv(write(tmp_path, text), 3).spec["label"] == "cls"


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        ("", "c", "data.csv is empty"),
        ("\n  \n", "c", "data.csv is empty"),
        ("a,b,c\n", "c", "has a header but no data rows"),
        ("a,b,c\n1,2,0\n3,4\n5,6,1\n", "c", "line 3: expected 3 columns as in the header, found 2"),
        ("a,b,c\n1,2,0\n\n3,4,1,9\n", "c", "line 4: expected 3 columns as in the header, found 4"),
        ("a,b,c\n1,2,0\n3,abc,1\n", "c", "line 3, column 'b': 'abc' is not a number"),
        ("a,b,c\n1,,0\n3,4,1\n", "c", "line 2, column 'b': empty cell"),
        ("a,b,c\n1,2,0\n3,nan,1\n", "c", "line 3, column 'b': value 'nan' is not finite"),
        ("a,b,c\n1,2,0\n-inf,4,1\n", "c", "line 3, column 'a': value '-inf' is not finite"),
        (
            "a,b,c\n1,2,0\n3,4,1\n",
            "label",
            "label column 'label' not found; available columns: a, b, c",
        ),
        ("a,b,c\n1,2,0\n3,4,1\n", 3, "label column index 3 out of range for 3 columns"),
        ("a,b,c\n1,2,0\n3,4,\n", "c", "line 3, column 'c': missing label"),
        (
            "a,b,c\n1,2,0\n3,4,0\n5,6,0\n",
            "c",
            "at least two classes; the label column has only class 0",
        ),
        ("a,b,c\n1,2,0\n3,4,1\n5,6,2\n", "c", "too few rows"),
        ("a,,c\n1,2,0\n3,4,1\n", "c", "line 1: header column 2 has no name"),
        ("a,a,c\n1,2,0\n3,4,1\n", "c", "header column name 'a' appears twice"),
        ("c\n0\n1\n", "c", "no feature columns"),
    ],
)
def test_load_csv_errors(tmp_path, text, label, message):
    path = write(tmp_path, text)
    with pytest.raises(DatasetError, match=message):
        load_csv(path, label)
    assert list(tmp_path.iterdir()) == [path]  # nothing written


def test_load_csv_file_and_option_errors(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        load_csv(tmp_path / "nope.csv", "c")
    with pytest.raises(DatasetError, match="not a file"):
        load_csv(tmp_path, "c")
    path = write(tmp_path, GOOD_CSV)
    with pytest.raises(
        DatasetError,
        match="feature column\\(s\\) not found: size; available columns: a, b, species",
    ):
        load_csv(path, "species", features=["a", "size"])
    with pytest.raises(DatasetError, match="both the label and a feature"):
        load_csv(path, "species", features=["a", "species"])
    with pytest.raises(DatasetError, match="mislabel fraction must be in"):
        load_csv(path, "species", mislabel=1.0)
    with pytest.raises(DatasetError, match="test_fraction must be in"):
        load_csv(path, "species", test_fraction=-0.1)
    (tmp_path / "latin.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_csv(tmp_path / "latin.csv", "b")


def test_load_csv_mislabel(tmp_path):
    path = write(tmp_path, GOOD_CSV)
    clean = load_csv(path, "species", seed=3)
    noisy = load_csv(path, "species", seed=3, mislabel=0.25)
    assert (noisy.y_train != clean.y_train).sum() == 6 == noisy.spec["mislabel"]["count"]
    np.testing.assert_array_equal(noisy.y_test, clean.y_test)


# --------------------------------------------------------------------------- NPZ import


def test_load_npz_whole_table(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.repeat(["cat", "dog"], 20)
    np.savez(tmp_path / "pets.npz", X=X, y=y, feature_names=np.array(["w", "h", "l"]))
    d = load_npz(tmp_path / "pets.npz", test_fraction=0.25, standardize=False)
    assert (
        d.name == "pets" and d.class_names == ("cat", "dog") and d.feature_names == ("w", "h", "l")
    )
    assert d.n_train == 30 and np.bincount(d.y_test).tolist() == [5, 5]
    rows = {tuple(r): c for r, c in zip(X, (y == "dog").astype(int))}
    assert all(rows[tuple(r)] == c for r, c in zip(d.X_train, d.y_train))


def test_load_npz_presplit(tmp_path):
    np.savez(
        tmp_path / "s.npz",
        X_train=np.arange(12.0).reshape(6, 2),
        y_train=np.array([3, 5, 3, 5, 3, 5]),
        X_test=np.ones((2, 2)),
        y_test=np.array([5, 7]),
    )
    d = load_npz(tmp_path / "s.npz", standardize=False)
    assert d.class_names == ("3", "5", "7") and d.feature_names == ("x0", "x1")
    np.testing.assert_array_equal(d.y_train, [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(d.y_test, [1, 2])
    np.testing.assert_array_equal(d.X_train, np.arange(12.0).reshape(6, 2))
    assert d.spec["split"] == "given in the file"


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            {"A": np.zeros(3)},
            r"needs arrays X and y, or X_train, y_train, X_test, y_test \(found: A\)",
        ),
        ({"X": np.zeros(4), "y": np.array([0, 1, 0, 1])}, "X must be a 2-D array"),
        ({"X": np.array([["a"], ["b"]]), "y": np.array([0, 1])}, "X must hold numbers"),
        (
            {"X": np.array([[1.0, 2], [3, np.nan], [4, 5], [6, 7]]), "y": np.array([0, 1, 0, 1])},
            "X row 1, column 1: value nan is not finite",
        ),
        ({"X": np.zeros((4, 2)), "y": np.array([0, 1, 0])}, "y must be 1-D with 4 entries"),
        ({"X": np.zeros((4, 2)), "y": np.array([0, 0, 0, 0])}, "at least two classes"),
        ({"X": np.zeros((4, 2)), "y": np.array([0, 0.5, 1, 1])}, "non-integer numbers"),
        (
            {"X": np.zeros((4, 2)), "y": np.array([0, 1, 0, 1]), "feature_names": np.array(["a"])},
            "feature_names must list 2 names",
        ),
        (
            {
                "X_train": np.zeros((4, 2)),
                "y_train": np.array([1, 1, 1, 1]),
                "X_test": np.zeros((1, 2)),
                "y_test": np.array([0]),
            },
            "y_train has only one class",
        ),
        (
            {
                "X_train": np.zeros((4, 2)),
                "y_train": np.array([0, 1, 0, 1]),
                "X_test": np.zeros((1, 3)),
                "y_test": np.array([0]),
            },
            "X_test has 3 columns but X_train has 2",
        ),
    ],
)
def test_load_npz_errors(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=message):
        load_npz(tmp_path / "bad.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["bad.npz"]


def test_load_npz_file_errors(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        load_npz(tmp_path / "none.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"empty\.npz is empty"):
        load_npz(tmp_path / "empty.npz")
    (tmp_path / "junk.npz").write_bytes(b"this is not numpy")
    with pytest.raises(DatasetError, match=r"not a readable \.npz archive"):
        load_npz(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(DatasetError, match="single array"):
        load_npz(tmp_path / "single.npy")
    np.savez(tmp_path / "obj.npz", X=np.array([[1, "a"]], dtype=object), y=np.array([0]))
    with pytest.raises(DatasetError, match=r"not a readable \.npz archive"):
        load_npz(tmp_path / "obj.npz")
    np.savez(tmp_path / "ok.npz", X=np.zeros((4, 1)), y=np.array([0, 1, 0, 1]))
    with pytest.raises(DatasetError, match="mislabel fraction"):
        load_npz(tmp_path / "ok.npz", mislabel=2)

"""MLSUP (SPEC §3.6): member selection, the gate, the AUC bounds (MLSUP ≤ TMA ≥ best member),
a gain over the best single minimum on a small spiral landscape, and saved ensembles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.datasets import make_dataset
from lmapp.landscape import mlsup
from lmapp.landscape.distances import misclassification_matrix
from lmapp.landscape.metrics import auc
from lmapp.landscape.model import ModelSpec, build_model
from lmapp.landscape.thermo import g_alpha
from lmapp.store import ProjectError, ProjectFile
from lmapp.store.ensembles import list_ensembles, load_ensemble, save_ensemble


@pytest.fixture(scope="module")
def spiral(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Spiral, 400 train / 200 test, one hidden layer of 4, λ = 1e-4, 2 × 40 quenches.

    Step 3 and T = 1: with the default step 1 the walkers stay in one funnel and find only 1–3
    minima here, too few for complementary pairs (see test_mmdbm_pair_beats_best_individual).
    """
    p = Project.create(
        tmp_path_factory.mktemp("mlsup") / "spiral.lmapp",
        make_dataset("spiral", n_train=400, n_test=200),
        ModelSpec(hidden=(4,), lam=1e-4),
    )
    p.explore(steps=40, walkers=2, seed=0, step=3.0, temperature=1.0)
    assert p.file.n_minima() >= 10
    return p


@pytest.fixture(scope="module")
def tested(spiral: Project) -> dict:
    """All minima's test probabilities, predictions and AUCs."""
    m = spiral.minima()
    d = spiral.dataset
    P = mlsup.member_probabilities(spiral.model, m["weights"], d.X_test)
    return {
        "m": m,
        "P": P,
        "pred": P.argmax(axis=2),
        "auc": np.array([auc(p[:, 1], d.y_test == 1) for p in P]),
    }


def fit_eval(spiral: Project, m: dict, rows: np.ndarray, **kw) -> dict:
    d = spiral.dataset
    ens = mlsup.fit_mlsup(
        spiral.model, m["weights"][rows], d.X_train, d.y_train, m["id"][rows], **kw
    )
    return mlsup.evaluate(ens, spiral.model, d.X_test, d.y_test)


def test_mmdbm_pair_beats_best_individual(spiral, tested):
    d = spiral.dataset
    rows = mlsup.select_mmdbm(tested["auc"], tested["pred"], d.y_test)
    assert rows[0] == np.argmax(tested["auc"])
    far = np.mean(tested["pred"] != tested["pred"][rows[0]], axis=1)
    assert far[rows[1]] == far.max() > 0
    res = fit_eval(spiral, tested["m"], rows)
    assert res["best_individual"] == pytest.approx(tested["auc"][rows[0]])
    # seed 000 Table 1: 0.76 → 0.91 with TMA 0.97; here about 0.82 → 0.95 (TMA 0.97)
    assert res["mlsup"] > res["best_individual"] + 0.05
    assert res["mlsup"] > res["majority_vote"]
    assert res["best_individual"] <= res["mlsup"] <= res["tma"]


def test_auc_bounds_hold_for_any_member_set(spiral, tested):
    """Binary AUC: TMA ≥ every member and ≥ MLSUP, whatever the members or the gate."""
    rng = np.random.default_rng(1)
    m = tested["m"]
    n = m["id"].size
    for k in (2, 3, 4, 2, 3):
        res = fit_eval(
            spiral, m, mlsup.select_random(n, k, rng), starts=1, seed=int(rng.integers(99))
        )
        assert res["mlsup"] <= res["tma"] + 1e-12
        assert res["best_individual"] <= res["tma"] + 1e-12
        assert max(res["member_auc"]) == res["best_individual"]
    W = np.array([spiral.model.random_start(rng, 2.0) for _ in range(3)])  # not even minima
    ens = mlsup.Ensemble([0, 1, 2], W, rng.normal(size=mlsup.gate_network(2, 3).n_params))
    res = mlsup.evaluate(ens, spiral.model, spiral.dataset.X_test, spiral.dataset.y_test)
    assert res["mlsup"] <= res["tma"] and res["best_individual"] <= res["tma"]


def test_majority_vote_and_accuracies(spiral, tested):
    d = spiral.dataset
    rows = np.array([0, 1, 2])
    res = fit_eval(spiral, tested["m"], rows)
    pred = tested["pred"][rows]
    frac = np.mean(pred == 1, axis=0)
    assert res["majority_vote"] == pytest.approx(auc(frac, d.y_test == 1))
    correct = pred == d.y_test
    assert res["majority_vote_accuracy"] == pytest.approx(np.mean(correct.sum(0) >= 2))
    pair = fit_eval(spiral, tested["m"], rows[:2])
    # two members: a tie counts as correct, so the vote is right whenever one member is
    assert pair["majority_vote_accuracy"] == pytest.approx(np.mean(correct[:2].any(axis=0)))


def test_selection_methods_return_valid_distinct_minima(spiral, tested):
    m = tested["m"]
    n = m["id"].size
    D = misclassification_matrix(tested["pred"], spiral.dataset.y_test)
    rng = np.random.default_rng(0)
    for k in (2, 3, 4):
        for rows in (
            mlsup.select_mmdbm(tested["auc"], tested["pred"], spiral.dataset.y_test, k),
            mlsup.select_cv_peak(m["loss"], m["lpphe"], k),
            mlsup.select_qp(D, k),
            mlsup.select_random(n, k, rng),
        ):
            assert rows.size == k == np.unique(rows).size
            assert rows.min() >= 0 and rows.max() < n
    ids = m["id"]
    assert mlsup.select_by_hand(ids, [int(ids[3]), int(ids[0])]).tolist() == [3, 0]
    for bad, message in (
        ([int(ids[0])], "at least 2 members"),
        ([int(ids[0]), int(ids[0])], "members must be distinct"),
        ([int(ids[0]), int(ids.max()) + 1], "no minimum with id"),
    ):
        with pytest.raises(ValueError, match=message):
            mlsup.select_by_hand(ids, bad)
    with pytest.raises(ValueError, match="MLSUP needs 2 ≤ members"):
        mlsup.select_qp(D, n + 1)


def test_cv_peak_picks_minima_on_either_side_of_the_transition():
    """Three low, narrow minima and three high, wide ones: one C_V peak where occupation moves
    from the first set to the second; members are the top gainer and the top loser."""
    L = np.array([0.0, 0.01, 0.02, 0.5, 0.51, 0.52])
    lpphe = np.array([0.0, 0.0, 0.0, -40.0, -40.0, -40.0])
    peaks = mlsup.cv_peak_temperatures(L, lpphe)
    assert peaks.size == 1
    rows = mlsup.select_cv_peak(L, lpphe, 2)
    g = g_alpha(L, lpphe, float(peaks[0]))
    assert rows.tolist() == [int(np.argmax(g)), int(np.argmin(g))]
    assert rows[0] >= 3 and rows[1] < 3
    with pytest.raises(ValueError, match="peak"):
        mlsup.select_cv_peak(L, lpphe, 2, peak=1)


def test_qp_selection_beats_random_and_nearly_optimal(spiral, tested):
    D = misclassification_matrix(tested["pred"], spiral.dataset.y_test)
    rng = np.random.default_rng(0)
    qp = mlsup.spread(D, mlsup.select_qp(D, 4))
    rand = np.mean([mlsup.spread(D, mlsup.select_random(D.shape[0], 4, rng)) for _ in range(20)])
    assert qp > 1.2 * rand
    # a small random instance against brute force
    X = rng.uniform(size=(12, 12))
    Dr = np.triu(X, 1) + np.triu(X, 1).T
    best = max(mlsup.spread(Dr, list(c)) for c in itertools.combinations(range(12), 4))
    assert mlsup.spread(Dr, mlsup.select_qp(Dr, 4)) >= 0.97 * best


def test_gate_predictions_equal_direct_model_predict(spiral, tested):
    d = spiral.dataset
    rows = np.array([0, 2, 5])
    W = tested["m"]["weights"][rows]
    ens = mlsup.fit_mlsup(
        spiral.model,
        W,
        d.X_train,
        d.y_train,
        tested["m"]["id"][rows],
        gate_hidden=(3,),
        gate_lam=1e-3,
        seed=4,
    )
    b = np.argmax(
        [spiral.model.predict_proba(w, d.X_train)[np.arange(d.n_train), d.y_train] for w in W],
        axis=0,
    )
    gate = build_model(ModelSpec(hidden=(3,), lam=1e-3), d.X_train, b, 3)
    choice = ens.choose(d.X_test)
    assert np.array_equal(choice, gate.predict(ens.gate_weights, d.X_test))
    assert np.all(np.sqrt(np.mean(gate.grad(ens.gate_weights) ** 2)) < 1e-5)  # a trained gate
    P = ens.predict_proba(spiral.model, d.X_test)
    direct = np.array(
        [spiral.model.predict_proba(W[c], d.X_test[i : i + 1])[0] for i, c in enumerate(choice)]
    )
    np.testing.assert_allclose(P, direct, rtol=1e-12, atol=1e-15)


def test_random_baseline_shapes(spiral):
    d = spiral.dataset
    W = spiral.minima()["weights"]
    base = mlsup.random_baseline(
        spiral.model,
        W,
        (d.X_train, d.y_train),
        (d.X_test, d.y_test),
        2,
        3,
        np.random.default_rng(0),
        starts=1,
    )
    assert base["mlsup"].shape == (3,) and base["members"].shape == (3, 2)
    assert np.all(base["mlsup"] <= base["tma"])


def test_ensemble_saved_and_reopened(spiral, tested, tmp_path):
    d = spiral.dataset
    rows = np.array([1, 0])
    ens = mlsup.fit_mlsup(
        spiral.model,
        tested["m"]["weights"][rows],
        d.X_train,
        d.y_train,
        tested["m"]["id"][rows],
        gate_hidden=(2, 2),
        selection="mmdbm",
    )
    ens.metrics = mlsup.evaluate(ens, spiral.model, d.X_test, d.y_test)
    path = tmp_path / "e.lmapp"
    Project.create(path, "xor").close()
    with ProjectFile.open(path) as pf:
        assert list_ensembles(pf) == []
        save_ensemble(pf, "pair", ens)
        save_ensemble(pf, "pair", ens)  # replacing keeps one entry
        save_ensemble(pf, "another", ens)
    with ProjectFile.open(path, readonly=True) as pf:
        assert list_ensembles(pf) == ["another", "pair"]
        back = load_ensemble(pf, "pair")
        with pytest.raises(ProjectError, match="no ensemble"):
            load_ensemble(pf, "missing")
    assert np.array_equal(back.members, ens.members)
    assert np.array_equal(back.member_weights, ens.member_weights)
    assert np.array_equal(back.gate_weights, ens.gate_weights)
    assert (back.gate_hidden, back.gate_lam, back.selection) == ((2, 2), ens.gate_lam, "mmdbm")
    assert back.metrics == ens.metrics
    np.testing.assert_array_equal(
        back.predict_proba(spiral.model, d.X_test), ens.predict_proba(spiral.model, d.X_test)
    )


def test_gate_training_stops_when_aborted():
    import threading

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    b = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    raised = np.ones(1, np.uint8)
    gate = mlsup.gate_network(2, 2, (3,), mlsup.GATE_LAM, X, b)
    w0 = gate.random_start(rng)
    w, _, _, it, ok = gate.minimize(w0, raised)
    assert it == 0 and not ok and np.array_equal(w, w0)
    with pytest.raises(mlsup.Cancelled):
        mlsup.train_gate(X, b, 2, abort=raised)
    # raised by another thread while a long training runs (1000 starts): it stops
    flag = np.zeros(1, np.uint8)
    threading.Timer(0.2, lambda: flag.__setitem__(0, 1)).start()
    with pytest.raises(mlsup.Cancelled):
        mlsup.train_gate(X, b, 2, hidden=(8,), starts=1000, abort=flag)

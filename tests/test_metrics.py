"""Per-minimum metrics against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from lmapp.datasets import make_dataset
from lmapp.landscape.metrics import auc, minima_metrics
from lmapp.landscape.model import ModelSpec, build_model


def test_auc_matches_sklearn_including_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.integers(0, 2, 50)
        s = np.round(rng.normal(size=50), 1)  # many ties
        assert auc(s, y == 1) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert np.isnan(auc(np.ones(3), np.ones(3, bool)))


def test_minima_metrics_match_sklearn():
    d = make_dataset("iris")
    m = build_model(ModelSpec(hidden=(3,), lam=1e-3), d.X_train, d.y_train, d.n_classes)
    W = np.random.default_rng(1).normal(size=(4, m.n_params))
    r = minima_metrics(m, W, d.X_test, d.y_test, positive_class=2)
    for i, w in enumerate(W):
        P = m.predict_proba(w, d.X_test)
        assert r["accuracy"][i] == pytest.approx(accuracy_score(d.y_test, P.argmax(1)))
        assert r["auc"][i] == pytest.approx(roc_auc_score(d.y_test == 2, P[:, 2]))
        assert r["loss"][i] == pytest.approx(log_loss(d.y_test, P, labels=[0, 1, 2]))


def test_minima_metrics_over_chunks_match_sklearn_row_by_row():
    """Many rows (more than one jitted chunk), two hidden layers, a binary task."""
    from lmapp.landscape.metrics import METRICS_CHUNK

    d = make_dataset("spiral", n_train=60, n_test=40)
    m = build_model(ModelSpec(hidden=(3, 2), lam=1e-3), d.X_train, d.y_train, d.n_classes)
    n = METRICS_CHUNK + 37
    W = np.random.default_rng(2).normal(size=(n, m.n_params))
    r = minima_metrics(m, W, d.X_train, d.y_train)
    for i in np.r_[0, METRICS_CHUNK - 1, METRICS_CHUNK, n - 1, np.arange(1, n, 997)]:
        P = m.predict_proba(W[i], d.X_train)
        assert r["accuracy"][i] == pytest.approx(accuracy_score(d.y_train, P.argmax(1)))
        assert r["auc"][i] == pytest.approx(roc_auc_score(d.y_train == 1, P[:, 1]), abs=1e-12)
        assert r["loss"][i] == pytest.approx(log_loss(d.y_train, P, labels=[0, 1]))

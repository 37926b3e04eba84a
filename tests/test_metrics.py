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

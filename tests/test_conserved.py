"""Conserved weights (SPEC §3.7): planted conserved weights are found exactly, alignment undoes
a hidden-unit symmetry, feature relevance counts, groups from a disconnectivity graph and from
monotonic sequence basins, and the perturbation test tells a relevant feature from an
irrelevant one."""

from __future__ import annotations

import numpy as np
import pytest

from lmapp.landscape.conserved import (
    aligned_group,
    conserved_weights,
    dg_level_groups,
    feature_relevance,
    group_conserved,
    msb_groups,
    perturbation_test,
    weight_labels,
)
from lmapp.landscape.dgraph import disconnectivity_graph
from lmapp.landscape.model import ModelSpec, build_model


def net(n_in: int, hidden: int, rng: np.random.Generator, n: int = 40):
    X = rng.uniform(-1, 1, (n, n_in))
    return build_model(ModelSpec(hidden=(hidden,), lam=1e-3), X, (X[:, 0] > 0).astype(int), 2)


def test_planted_conserved_weights_found_exactly():
    rng = np.random.default_rng(0)
    base = rng.normal(size=30)
    planted = np.zeros(30, bool)
    planted[[3, 7, 12, 20, 29]] = True
    G = base + np.where(planted, rng.normal(0, 1e-4, (12, 30)), rng.normal(0, 0.3, (12, 30)))
    assert np.array_equal(conserved_weights(G, 0.01), planted)
    assert not conserved_weights(G, 1e-5).any()
    assert conserved_weights(G, 10.0).all()
    with pytest.raises(ValueError, match="a group needs at least 2 minima"):
        conserved_weights(G[:1], 0.01)


def test_weight_labels_follow_the_documented_layout():
    model = net(3, 2, np.random.default_rng(0))
    labels = weight_labels(model)
    assert len(labels) == model.n_params == 3 * 2 + 2 + 2 * 2 + 2
    assert labels[:8] == [
        (0, 0, 0),
        (0, 0, 1),
        (0, 0, 2),
        (0, 1, 0),
        (0, 1, 1),
        (0, 1, 2),
        (0, 0, None),
        (0, 1, None),
    ]
    assert labels[8:] == [(1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1), (1, 0, None), (1, 1, None)]


def symmetric_copy(model, w, perm, signs):
    """The same network with hidden units permuted and sign-flipped (in- and out-weights)."""
    L = model.layers(w)
    W1, b1, W2, b2 = (
        L[0]["W"][perm] * signs[:, None],
        L[0]["b"][perm] * signs,
        L[1]["W"][:, perm] * signs[None, :],
        L[1]["b"],
    )
    return np.concatenate([W1.ravel(), b1, W2.ravel(), b2])


def test_alignment_undoes_a_symmetry_copy():
    """Members differ only in output weights, but one is stored as a permuted, sign-flipped
    copy: aligned, its input weights are conserved; as stored, they are not."""
    rng = np.random.default_rng(1)
    model = net(2, 3, rng)
    base = rng.uniform(-2, 2, model.n_params)
    out = np.array([i >= 9 for i in range(model.n_params)])  # W2 and b2 (3·2 + 3 = 9 before)
    G = base + np.where(out, rng.normal(0, 0.05, (6, model.n_params)), 0.0)
    G[2] = symmetric_copy(model, G[2], np.array([2, 0, 1]), np.array([-1.0, 1.0, -1.0]))
    X = rng.uniform(-1, 1, (20, 2))  # alignment moves a member within its symmetry copies
    np.testing.assert_allclose(
        model.predict_proba(aligned_group(model, G)[2], X), model.predict_proba(G[2], X), atol=1e-12
    )
    assert np.array_equal(group_conserved(model, G, 1e-6), ~out)
    assert not group_conserved(model, G, 1e-6, aligned=False)[:9].any()


def test_feature_relevance_counts_hand_made_groups():
    rng = np.random.default_rng(2)
    model = net(3, 2, rng)  # W1 (2×3) at 0…5, b1 6–7, W2 8–11, b2 12–13
    W = np.empty((8, model.n_params))
    plans = {(0, 1, 2): [2], (3, 4): [0, 3, 6], (5, 6, 7): [8, 9, 12]}
    for rows, keep in plans.items():
        base = rng.normal(size=model.n_params)
        for r in rows:
            W[r] = base + rng.normal(0, 0.5, model.n_params)
            W[r, keep] = base[keep]
    groups = [np.array(r) for r in plans]
    rel = feature_relevance(model, groups, W, 0.01, aligned=False)
    # group 0 conserves W1[0, 2] (feature 2); group 1 W1[0, 0], W1[1, 0] and b1[0] (feature 0);
    # group 2 only output-layer weights (no feature)
    assert rel.table.tolist() == [[False, False, True], [True, False, False], [False] * 3]
    assert rel.counts.tolist() == [1, 0, 1]
    assert [np.flatnonzero(m).tolist() for m in rel.masks] == list(plans.values())


def test_groups_from_dg_levels_and_msbs():
    e = np.array([0.0, 0.1, 0.2, 0.5, 0.6])
    ts_e, a, b = np.array([0.3, 0.7, 0.4, 1.0]), np.array([0, 3, 1, 2]), np.array([1, 4, 2, 3])
    dg = disconnectivity_graph(e, ts_e, a, b, n_levels=10)  # levels 0.1, 0.2, …, 1.0

    def as_sets(groups: list) -> list[list[int]]:
        return sorted(sorted(g.tolist()) for _, g in groups)

    assert as_sets(dg_level_groups(dg, 1)) == []
    assert as_sets(dg_level_groups(dg, 2)) == [[0, 1]]
    assert as_sets(dg_level_groups(dg, 3)) == [[0, 1, 2]]
    assert as_sets(dg_level_groups(dg, 6)) == [[0, 1, 2], [3, 4]]
    assert as_sets(dg_level_groups(dg, 9)) == [[0, 1, 2, 3, 4]]
    for label, members in dg_level_groups(dg, 6):
        assert np.array_equal(dg.members(label), members)
    with pytest.raises(ValueError, match="level must be 0…9, got 10"):
        dg_level_groups(dg, 10)
    assert [g.tolist() for g in msb_groups(e, a, b)] == [[0, 1, 2, 3, 4]]
    assert [g.tolist() for g in msb_groups(e, a[:3], b[:3])] == [[0, 1, 2], [3, 4]]


@pytest.fixture(scope="module")
def band():
    """y = 1 where |x₀| < 0.5 for x ∈ [−1, 1]³: only feature 0 matters. A trained minimum
    (best of 3 quenches) and test data."""
    rng = np.random.default_rng(0)
    X, Xt = rng.uniform(-1, 1, (300, 3)), rng.uniform(-1, 1, (300, 3))
    y, yt = (np.abs(X[:, 0]) < 0.5).astype(int), (np.abs(Xt[:, 0]) < 0.5).astype(int)
    model = build_model(ModelSpec(hidden=(3,), lam=1e-3), X, y, 2)
    w = min((model.minimize(model.random_start(rng))[:2] for _ in range(3)), key=lambda r: r[1])[0]
    return model, w, Xt, yt


@pytest.mark.parametrize("feature", [0, 1])
def test_perturbation_separates_relevant_from_irrelevant_feature(band, feature):
    """A group conserving the weights out of the relevant feature loses much more AUC when
    they are perturbed than when as many other weights are; a group conserving those of an
    irrelevant feature loses less."""
    model, w, Xt, yt = band
    rng = np.random.default_rng(feature)
    plant = np.array([layer == 0 and k == feature for layer, _, k in weight_labels(model)])
    G = w + np.where(plant, 0.0, rng.normal(0, 0.05, (8, w.size)))
    mask = conserved_weights(G, 0.01)
    assert np.array_equal(mask, plant)
    r = perturbation_test(model, G, mask, Xt, yt, 1.0, 20, rng)
    assert r["conserved_drops"].shape == r["random_drops"].shape == (20,)
    if feature == 0:
        assert r["conserved"] > 2 * r["random"] > 0
    else:
        assert r["conserved"] < 0.5 * r["random"]

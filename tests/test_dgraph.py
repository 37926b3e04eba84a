"""Disconnectivity graph: superbasins per level, tree collapsing, layout, labels, segments,
hit testing, edge cases, and a brute-force check of superbasins on random landscapes."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from lmapp.landscape.dgraph import (
    disconnectivity_graph,
    leaf_at,
    make_levels,
    node_at,
    random_landscape,
)

# A(0.0) B(1.0) C(0.5) D(2.0); TS A–C 1.5, C–B 3.0, B–D 2.5
A, B, C, D = range(4)
E4 = np.array([0.0, 1.0, 0.5, 2.0])
TS4 = (np.array([1.5, 3.0, 2.5]), np.array([A, C, B]), np.array([C, B, D]))


def basins(dg, level):
    return sorted(sorted(m.tolist()) for m in dg.superbasins(level))


def test_levels_count_and_spacing_agree():
    np.testing.assert_allclose(make_levels(0.0, 3.0, 6, None), [0.5, 1, 1.5, 2, 2.5, 3])
    np.testing.assert_allclose(make_levels(0.0, 3.0, None, 0.5), [0.5, 1, 1.5, 2, 2.5, 3])
    np.testing.assert_allclose(make_levels(0.0, 3.0, None, 0.7), [0.2, 0.9, 1.6, 2.3, 3.0])
    with pytest.raises(ValueError, match="n_levels must be ≥ 1"):
        make_levels(0.0, 3.0, 0, None)


def test_hand_landscape_superbasins_and_merges():
    dg = disconnectivity_graph(E4, *TS4, n_levels=6)  # levels 0.5, 1.0, …, 3.0
    assert basins(dg, 0) == [[A], [C]]  # a minimum at a level exists there
    assert basins(dg, 1) == [[A], [B], [C]]
    assert basins(dg, 2) == [[A, C], [B]]  # TS at exactly 1.5 joins at 1.5
    assert basins(dg, 3) == [[A, C], [B], [D]]
    assert basins(dg, 4) == [[A, C], [B, D]]
    assert basins(dg, 5) == [[A, B, C, D]]
    assert dg.disconnected.size == 0
    # 4 leaves + 3 joins; the A–C branch is one node from 1.5 up to 3.0 (levels 3, 4 collapsed)
    assert dg.node_level.size == 7
    k = dg.node_index("2_0")
    assert sorted(dg.members(k).tolist()) == [A, C]
    assert dg.node_bottom[k] == 1.5 and dg.node_energy[k] == 3.0
    np.testing.assert_allclose(
        dg.segments[dg.segment_node == k], [[2.5, 1.5, 2.5, 2.5], [2.5, 2.5, 1.5, 3.0]]
    )
    assert sorted(dg.members("4_0").tolist()) == [B, D]
    assert sorted(dg.members("5_0").tolist()) == [A, B, C, D]
    assert dg.node_parent[dg.node_index("5_0")] == -1


def test_hand_landscape_layout_and_labels():
    dg = disconnectivity_graph(E4, *TS4, n_levels=6)
    # root: A–C branch in the middle, B–D to the side nearer the centre; A in the middle of A–C
    assert dg.leaf_order.tolist() == [B, D, A, C]
    np.testing.assert_array_equal(dg.leaf_x, [2, 0, 3, 1])
    assert abs(dg.leaf_x[A] - 1.5) <= 0.5  # global minimum as central as 4 leaves allow
    labels = dg.labels()
    assert sorted(labels) == ["0_0", "0_1", "1_0", "2_0", "3_0", "4_0", "5_0"]
    assert [dg.members(lb).tolist() for lb in ("0_0", "0_1", "1_0", "3_0")] == [[A], [C], [B], [D]]
    assert dg.node_x[dg.node_index("2_0")] == 2.5 and dg.node_x[dg.node_index("5_0")] == 1.5
    # vertical + join for A, C, B and A–C; join only for D and B–D (they start just below
    # their parent's level); nothing for the root, which forms at the top level
    assert dg.segments.shape == (10, 4)
    leaf_d = dg.leaf_node[D]
    np.testing.assert_allclose(dg.segments[dg.segment_node == leaf_d], [[1, 2, 0.5, 2.5]])
    assert dg.node_x[dg.node_index("4_0")] == 0.5
    for k in range(dg.node_x.size):  # a join's x is the mean of its children's
        kids = np.flatnonzero(dg.node_parent == k)
        if kids.size:
            assert dg.node_x[k] == dg.node_x[kids].mean()


def test_default_levels_put_merges_at_first_level_above_ts():
    dg = disconnectivity_graph(E4, *TS4)  # 20 levels up to the highest TS, 3.0
    assert dg.levels.size == 20 and dg.levels[-1] == 3.0 and dg.levels[0] == pytest.approx(0.15)
    bottoms = sorted(dg.node_bottom[dg.node_minimum < 0].tolist())
    assert bottoms == pytest.approx([1.5, 2.55, 3.0])
    np.testing.assert_allclose(dg.node_bottom[dg.leaf_node], E4)  # leaves end at the minima


def test_order_size_versus_energy():
    # G(0) centre; branch X = {1.0, 1.1} joined early, leaf Y(0.5); all join at 2.0
    e = np.array([0.0, 1.0, 1.1, 0.5])
    ts = (np.array([1.2, 2.0, 2.0]), np.array([1, 0, 0]), np.array([2, 1, 3]))
    by_size = disconnectivity_graph(e, *ts, n_levels=10)
    assert by_size.leaf_order.tolist() == [3, 0, 1, 2]  # bigger X first, to the right
    by_energy = disconnectivity_graph(e, *ts, n_levels=10, order="energy")
    assert by_energy.leaf_order.tolist() == [1, 2, 0, 3]  # lower Y first, to the right


def test_disconnected_minimum_drawn_right_or_hidden():
    e = np.append(E4, 0.2)  # minimum 4 has no TS
    dg = disconnectivity_graph(e, *TS4, n_levels=6)
    assert dg.disconnected.tolist() == [4]
    assert dg.leaf_order.tolist() == [B, D, A, C, 4]
    np.testing.assert_allclose(dg.segments[dg.segment_node == dg.leaf_node[4]], [[4, 0.2, 4, 3]])
    assert basins(dg, 5) == [[A, B, C, D], [4]]
    hidden = disconnectivity_graph(e, *TS4, n_levels=6, connected_only=True)
    assert hidden.disconnected.tolist() == [4]
    assert np.isnan(hidden.leaf_x[4]) and hidden.leaf_node[4] == -1
    assert hidden.leaf_order.tolist() == [B, D, A, C] and hidden.segments.shape == (10, 4)


def test_minimum_above_top_is_not_drawn():
    e = np.append(E4, 5.0)
    dg = disconnectivity_graph(e, *TS4, n_levels=6)  # default top = highest TS = 3.0
    assert np.isnan(dg.leaf_x[4]) and dg.disconnected.tolist() == [4]
    with pytest.raises(ValueError, match="must be above the lowest minimum"):
        disconnectivity_graph(E4, *TS4, top=-1.0)


def test_empty_and_single_minimum():
    dg = disconnectivity_graph([], [], [], [])
    assert dg.segments.shape == (0, 4) and dg.levels.size == 0 and dg.leaf_order.size == 0
    assert node_at(dg, 0.0, 0.0) is None
    one = disconnectivity_graph([-2.0], [], [], [])
    assert one.leaf_order.tolist() == [0] and one.leaf_x.tolist() == [0.0]
    assert one.segments.shape == (1, 4)
    x0, y0, x1, y1 = one.segments[0]
    assert x0 == x1 == 0.0 and y0 == -2.0 and y1 > y0
    assert one.labels() == ["0_0"] and one.disconnected.size == 0


def test_no_ts_gives_separate_leaves():
    dg = disconnectivity_graph([0.3, 0.1, 0.2], [], [], [], n_levels=4)
    assert dg.leaf_order.tolist() == [1, 2, 0]  # global minimum first, others by energy
    assert dg.disconnected.tolist() == [0, 2]
    assert (dg.node_parent == -1).all() and dg.levels[-1] == 0.3


def test_self_loops_duplicates_and_noisy_ts():
    clean = disconnectivity_graph(E4, *TS4, n_levels=6)
    messy = disconnectivity_graph(
        E4, np.r_[TS4[0], 0.1, 1.5], np.r_[TS4[1], B, A], np.r_[TS4[2], B, C], n_levels=6
    )
    np.testing.assert_array_equal(messy.segments, clean.segments)
    assert messy.labels() == clean.labels()
    # A–C TS at −0.1, below both minima: counts at C's 0.5, so A, C share a basin at level 0.5
    noisy = disconnectivity_graph(E4, np.array([-0.1, 3.0, 2.5]), *TS4[1:], n_levels=6)
    assert basins(noisy, 0) == [[A, C]]
    join = np.flatnonzero(noisy.node_minimum < 0)[0]
    assert sorted(noisy.members(join).tolist()) == [A, C] and noisy.node_level[join] == 0


def test_branch_values():
    vals = np.array([10.0, 20.0, 30.0, 40.0])
    for mode, root, ac in (("min", 10, 10), ("max", 40, 30), ("mean", 25, 20), ("sum", 100, 40)):
        dg = disconnectivity_graph(E4, *TS4, n_levels=6, values=vals, branch_value=mode)
        assert dg.node_value[dg.node_index("5_0")] == root
        assert dg.node_value[dg.node_index("2_0")] == ac
        np.testing.assert_array_equal(dg.node_value[dg.leaf_node], vals)
        np.testing.assert_array_equal(dg.segment_value, dg.node_value[dg.segment_node])
    assert disconnectivity_graph(E4, *TS4).segment_value is None


def test_hit_testing():
    dg = disconnectivity_graph(E4, *TS4, n_levels=6)
    assert leaf_at(dg, 2.1, 0.5) == A  # on A's vertical line
    assert leaf_at(dg, 0.3, 1.2) == B
    assert leaf_at(dg, 2.1, 2.0) is None  # above A: the A–C branch, not a leaf
    assert dg.label(node_at(dg, 2.4, 2.0)) == "2_0"
    assert node_at(dg, 10.0, 1.0) is None and leaf_at(dg, 2.0, -1.0) is None


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_superbasins_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 50
    e, tse, a, b = random_landscape(n, 70, seed)
    a, b = a[:60], b[:60]  # drop some tree edges: several components
    tse = tse[:60] - 0.3 * rng.random(60)  # some TSs below their minima
    eff = np.maximum(tse, np.maximum(e[a], e[b]))
    dg = disconnectivity_graph(e, tse, a, b, n_levels=15, order=("size", "energy")[seed % 2])
    for i, lev in enumerate(dg.levels):
        g = nx.Graph()
        g.add_nodes_from(np.flatnonzero(e <= lev).tolist())
        g.add_edges_from((p, q) for p, q, t in zip(a, b, eff) if t <= lev)
        ref = sorted(sorted(c) for c in nx.connected_components(g))
        assert basins(dg, i) == ref
    # the layout: leaves at 0, 1, …; each node's members are its subtree's leaves
    np.testing.assert_array_equal(dg.leaf_x[dg.leaf_order], np.arange(dg.leaf_order.size))
    for k in np.flatnonzero(dg.node_minimum < 0):
        kids = np.flatnonzero(dg.node_parent == k)
        assert kids.size >= 2
        leaf = dg.node_minimum[kids] >= 0  # a leaf may join at the level it first appears
        assert (dg.node_level[kids] < dg.node_level[k] + leaf).all()
        assert sorted(dg.members(k)) == sorted(np.concatenate([dg.members(c) for c in kids]))
    top = ref[[0 in c for c in ref].index(True)]
    assert dg.disconnected.tolist() == sorted(set(range(n)) - set(top))


def test_large_layout_completes():
    e, tse, a, b = random_landscape(20_000, 40_000, seed=5)
    dg = disconnectivity_graph(e, tse, a, b, n_levels=50)
    assert dg.leaf_order.size == 20_000 and dg.disconnected.size == 0
    assert np.isfinite(dg.leaf_x).all()
    # going up from the global minimum, each join keeps it as central as its branches allow:
    # |left − right| ≤ max(that imbalance in the middle branch, the largest other branch)
    gmin = np.argmin(e)
    k, prev = dg.leaf_node[gmin], 0
    while k >= 0:
        left = dg.leaf_x[gmin] - dg.node_start[k]
        imbalance = abs(2 * left - (dg.node_size[k] - 1))
        kids = np.flatnonzero(dg.node_parent == k)
        biggest = max((dg.node_size[c] for c in kids if gmin not in dg.members(c)), default=0)
        assert imbalance <= max(prev, biggest)
        prev, k = imbalance, dg.node_parent[k]

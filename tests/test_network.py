"""Network of minima statistics, monotonic sequence basins and minimax barriers, against direct
networkx calls and brute-force references."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from lmapp.landscape.dgraph import random_landscape
from lmapp.landscape.msb import minimax_barrier_to, monotonic_sequence_basins
from lmapp.landscape.network import minima_graph, network_stats


def test_network_stats_match_networkx():
    rng = np.random.default_rng(0)
    n = 40
    a, b = rng.integers(0, n, 90), rng.integers(0, n, 90)
    a, b = np.r_[a, a[:5], 3], np.r_[b, b[:5], 3]  # duplicate pairs and a self-loop
    ref = nx.Graph()
    ref.add_nodes_from(range(n))
    ref.add_edges_from((p, q) for p, q in zip(a.tolist(), b.tolist()) if p != q)
    big = ref.subgraph(max(nx.connected_components(ref), key=len))
    s = network_stats(n, a, b)
    assert s["nodes"] == n and s["edges"] == ref.number_of_edges()
    assert nx.utils.graphs_equal(minima_graph(n, a, b), ref)
    assert s["mean_degree"] == pytest.approx(sum(d for _, d in ref.degree()) / n)
    assert s["components"] == nx.number_connected_components(ref)
    assert s["largest_component"] == big.number_of_nodes()
    assert s["mean_shortest_path"] == pytest.approx(nx.average_shortest_path_length(big))
    assert s["diameter"] == nx.diameter(big)
    assert s["clustering"] == pytest.approx(nx.average_clustering(ref))
    hist = nx.degree_histogram(ref)
    assert s["degree_distribution"] == {d: c for d, c in enumerate(hist) if c}


def test_network_stats_small_cases():
    path = network_stats(4, [0, 1, 2], [1, 2, 3])  # a path of 4 minima
    assert (path["edges"], path["diameter"], path["components"]) == (3, 3, 1)
    assert path["mean_shortest_path"] == pytest.approx(20 / 12)
    assert path["degree_distribution"] == {1: 2, 2: 2} and path["clustering"] == 0.0
    lone = network_stats(3, [], [])
    assert (lone["components"], lone["largest_component"], lone["diameter"]) == (3, 1, 0)
    assert lone["mean_shortest_path"] == 0.0 and lone["degree_distribution"] == {0: 3}
    assert network_stats(0, [], [])["nodes"] == 0
    with pytest.raises(ValueError, match="TS minimum index out of range"):
        network_stats(2, [0], [2])


def msb_brute(e, a, b):
    nbrs = [set() for _ in e]
    for p, q in zip(a, b):
        if p != q:
            nbrs[p].add(q)
            nbrs[q].add(p)
    out = []
    for start in range(len(e)):
        m = start
        while True:
            lower = [q for q in nbrs[m] if e[q] < e[m]]
            if not lower:
                break
            m = min(lower, key=lambda q: (e[q], q))
        out.append(m)
    return np.array(out)


def test_msb_hand_landscape():
    # chain 0(0.0) – 1(1.0) – 2(0.5) – 3(2.0) – 4(1.5), plus 3–1
    e = np.array([0.0, 1.0, 0.5, 2.0, 1.5])
    msb = monotonic_sequence_basins(e, [0, 1, 2, 3, 3], [1, 2, 3, 4, 1])
    # 3's lowest lower neighbour is 2 (0.5), not 1 (1.0) or 4 (1.5); 2 and 4 are bottoms
    assert msb.tolist() == [0, 0, 2, 2, 4]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_msb_matches_brute_force(seed):
    e, _, a, b = random_landscape(60, 120, seed)
    e = np.round(e, 1)  # ties in energy: a neighbour must be strictly lower
    msb = monotonic_sequence_basins(e, a, b)
    np.testing.assert_array_equal(msb, msb_brute(e, a, b))


def minimax_brute(target, e, tse, a, b):
    eff = np.maximum(tse, np.maximum(e[a], e[b]))
    cuts = np.unique(eff)
    out = np.full(e.size, np.inf)
    for m in range(e.size):
        lo, hi = 0, cuts.size  # smallest cut that joins m to target, by bisection
        while lo < hi:
            mid = (lo + hi) // 2
            g = nx.Graph()
            g.add_nodes_from(range(e.size))
            g.add_edges_from((p, q) for p, q, t in zip(a, b, eff) if t <= cuts[mid])
            if nx.has_path(g, m, target):
                hi = mid
            else:
                lo = mid + 1
        if lo < cuts.size:
            out[m] = cuts[lo]
    out[target] = e[target]
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minimax_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    e, tse, a, b = random_landscape(25, 40, seed)
    keep = (a > 2) & (b > 2)  # minima 0, 1, 2 cut off
    a, b, tse = a[keep], b[keep], tse[keep] - 0.2 * rng.random(keep.sum())  # noisy TSs
    target = 3 + int(np.argmin(e[3:]))
    got = minimax_barrier_to(target, e, tse, a, b)
    np.testing.assert_array_equal(got, minimax_brute(target, e, tse, a, b))
    assert np.isinf(got).any() and got[target] == e[target]


def test_minimax_hand_landscape():
    e = np.array([0.0, 1.0, 0.5, 2.0, 9.0])  # minimum 4 has no TS
    got = minimax_barrier_to(0, e, [1.5, 3.0, 2.5, 4.0], [0, 2, 1, 0], [2, 1, 3, 3])
    np.testing.assert_array_equal(got, [0.0, 3.0, 1.5, 3.0, np.inf])


def _random_connected(n, extra, seed):
    """A random tree on n nodes plus ``extra`` random edges (connected, with cycles)."""
    rng = np.random.default_rng(seed)
    a = np.r_[np.arange(1, n), rng.integers(0, n, extra)]
    b = np.r_[rng.integers(0, np.arange(1, n)), rng.integers(0, n, extra)]
    return a, b


def test_network_stats_exact_on_a_larger_graph_match_networkx():
    n = 400
    a, b = _random_connected(n, 300, seed=4)
    a, b = np.r_[a, 401 % n], np.r_[b, 401 % n]  # plus a self-loop
    g = minima_graph(n, a, b)
    s = network_stats(n, a, b)
    assert s["paths_exact"] and s["path_sources"] == n
    assert s["mean_shortest_path"] == pytest.approx(nx.average_shortest_path_length(g))
    assert s["diameter"] == nx.diameter(g)
    assert s["clustering"] == pytest.approx(nx.average_clustering(g))
    assert s["edges"] == g.number_of_edges() and s["components"] == 1


def test_network_stats_sampled_paths_estimate_the_exact_ones():
    n = 600
    a, b = _random_connected(n, 200, seed=5)
    g = minima_graph(n, a, b)
    exact_mean, exact_diam = nx.average_shortest_path_length(g), nx.diameter(g)
    s = network_stats(n, a, b, exact_limit=100, sources=150, seed=1)
    assert not s["paths_exact"] and s["path_sources"] == 151
    assert s["mean_shortest_path"] == pytest.approx(exact_mean, rel=0.05)
    assert exact_diam - 2 <= s["diameter"] <= exact_diam  # a lower bound, close
    # on a tree the double sweep finds the diameter exactly
    t = np.arange(1, n), np.random.default_rng(6).integers(0, np.arange(1, n))
    tree = minima_graph(n, *t)
    assert network_stats(n, *t, exact_limit=10, sources=5)["diameter"] == nx.diameter(tree)


def test_clustering_with_a_hub_and_sources_beyond_the_graph():
    rng = np.random.default_rng(7)
    n = 300
    a, b = _random_connected(n, 150, seed=7)
    a = np.r_[a, np.zeros(120, np.int64)]  # minimum 0 becomes a hub
    b = np.r_[b, rng.choice(np.arange(1, n), 120, replace=False)]
    g = minima_graph(n, a, b)
    s = network_stats(n, a, b, exact_limit=10, sources=n + 50)  # more sources than minima
    assert s["paths_exact"] and s["mean_shortest_path"] == pytest.approx(
        nx.average_shortest_path_length(g)
    )
    assert s["clustering"] == pytest.approx(nx.average_clustering(g))
    assert network_stats(n, a, b, exact_limit=10, sources=0)["path_sources"] == 2

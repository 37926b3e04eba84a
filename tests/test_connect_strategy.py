"""Missing-connection analysis against a brute-force shortest path (networkx)."""
import networkx as nx
import numpy as np

from lmapp.landscape.connect_strategy import (FAILED_PENALTY, Components, missing_connections,
                                              nearest_unconnected)


def _weights(coords, neighbours, failed):
    n = len(coords)
    G = nx.Graph()
    for i in range(n):
        for j in range(i + 1, n):
            w = 0.0 if j in neighbours[i] else float(np.sum((coords[i] - coords[j]) ** 2))
            w += FAILED_PENALTY * failed.get((i, j), 0)
            G.add_edge(i, j, weight=w)
    return G


def test_path_cost_equals_networkx_dijkstra():
    rng = np.random.default_rng(0)
    for _ in range(5):
        n = 30
        coords = rng.normal(size=(n, 4))
        neighbours = [set() for _ in range(n)]
        for i, j in rng.integers(0, n, (20, 2)):
            if i != j:
                neighbours[i].add(int(j))
                neighbours[j].add(int(i))
        failed = {(int(min(i, j)), int(max(i, j))): 1 for i, j in rng.integers(0, n, (5, 2)) if i != j}
        G = _weights(coords, neighbours, failed)
        a, b = 0, n - 1
        best = nx.dijkstra_path_length(G, a, b)
        pairs = missing_connections(coords, neighbours, failed, a, b)
        # the proposed pairs are real gaps and their cost plus free hops is the optimum
        cost = sum(G[i][j]["weight"] for i, j in pairs)
        assert all(j not in neighbours[i] for i, j in pairs)
        assert cost <= best + 1e-9
        assert cost >= best - 1e-9 or not pairs


def test_connected_pair_needs_nothing_and_components_merge():
    coords = np.eye(4)
    neighbours = [{1}, {0, 2}, {1}, set()]
    assert missing_connections(coords, neighbours, {}, 0, 2) == []
    assert missing_connections(coords, neighbours, {}, 0, 3) != []
    c = Components(4)
    c.union(0, 1)
    c.union(2, 1)
    assert c.connected(0, 2) and not c.connected(0, 3)


def test_refine_pairs_skip_connected_and_failed():
    coords = np.array([[0.0], [1.0], [1.5], [10.0]])
    neighbours = [{1}, {0}, set(), set()]
    pairs = nearest_unconnected(coords, neighbours, {(0, 2): 1}, np.array([0, 2, 3]))
    assert pairs == [(0, 3), (2, 1), (3, 2)]

"""Missing-connection analysis against a brute-force shortest path (networkx)."""
import networkx as nx
import numpy as np

from lmapp.landscape.connect_strategy import (FAILED_PENALTY, Components, DistanceRows,
                                              missing_connections, nearest_unconnected)


def _components(n, neighbours):
    c = Components(n)
    for i, js in enumerate(neighbours):
        for j in js:
            c.union(i, j)
    return c


def _weights(coords, neighbours, failed):
    """Edge weights: 0 within a component, else squared distance, plus penalties."""
    n = len(coords)
    c = _components(n, neighbours)
    G = nx.Graph()
    for i in range(n):
        for j in range(i + 1, n):
            w = 0.0 if c.connected(i, j) else float(np.sum((coords[i] - coords[j]) ** 2))
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
        comps = _components(n, neighbours)
        pairs = missing_connections(DistanceRows(list(coords)), comps, failed, a, b)
        # the proposed pairs are real gaps and their cost plus free hops is the optimum
        cost = sum(G[i][j]["weight"] for i, j in pairs)
        assert all(not comps.connected(i, j) for i, j in pairs)
        assert cost <= best + 1e-9
        assert cost >= best - 1e-9 or not pairs


def test_connected_pair_needs_nothing_and_components_merge():
    rows = DistanceRows(list(np.eye(4)))
    comps = _components(4, [{1}, {0, 2}, {1}, set()])
    assert missing_connections(rows, comps, {}, 0, 2) == []
    assert missing_connections(rows, comps, {}, 0, 3) != []
    c = Components(4)
    c.union(0, 1)
    c.union(2, 1)
    assert c.connected(0, 2) and not c.connected(0, 3)


def test_refine_pairs_skip_connected_and_failed():
    coords = np.array([[0.0], [1.0], [1.5], [10.0]])
    neighbours = [{1}, {0}, set(), set()]
    pairs = nearest_unconnected(DistanceRows(list(coords)), neighbours, {(0, 2): 1},
                                np.array([0, 2, 3]))
    assert pairs == [(0, 3), (2, 1), (3, 2)]


def test_distance_rows_are_computed_once_and_extended():
    calls = []

    def metric(a, B):
        calls.append(len(B))
        return np.linalg.norm(B - a, axis=1)

    coords = [np.zeros(2), np.ones(2)]
    rows = DistanceRows(coords, metric)
    assert np.allclose(rows.row(0), [0, np.sqrt(2)])
    rows.row(0)
    coords.append(np.array([3.0, 4.0]))
    assert np.allclose(rows.row(0), [0, np.sqrt(2), 5])
    assert calls == [2, 1]

"""Missing-connection analysis against a brute-force shortest path (networkx), on the complete
graph (small landscapes: exact) and on the sparse neighbour graph (large ones)."""

import itertools

import networkx as nx
import numpy as np

from lmapp.landscape.connect_strategy import (
    CANDIDATES,
    FAILED_PENALTY,
    NEIGHBOURS,
    Components,
    NeighbourGraph,
    missing_connections,
    nearest_unconnected,
)


def _components(n, neighbours):
    c = Components(n)
    for i, js in enumerate(neighbours):
        for j in js:
            c.union(i, j)
    return c


def _weights(coords, neighbours, failed, edges=None):
    """Edge weights: 0 within a component, else squared distance, plus penalties; on every
    pair, or on the pairs ``edges`` (u → its neighbours) and the pairs within components."""
    n = len(coords)
    c = _components(n, neighbours)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for i in range(n):
        for j in range(i + 1, n):
            if c.connected(i, j):
                G.add_edge(i, j, weight=0.0)
            elif edges is None or j in edges[i] or i in edges[j]:
                w = float(np.sum((coords[i] - coords[j]) ** 2))
                G.add_edge(i, j, weight=w + FAILED_PENALTY * failed.get((i, j), 0))
    return G


def _random_case(rng, n, links=20):
    coords = rng.normal(size=(n, 4))
    neighbours = [set() for _ in range(n)]
    for i, j in rng.integers(0, n, (links, 2)):
        if i != j:
            neighbours[i].add(int(j))
            neighbours[j].add(int(i))
    failed = {(int(min(i, j)), int(max(i, j))): 1 for i, j in rng.integers(0, n, (5, 2)) if i != j}
    return coords, neighbours, failed


def _cost(G, pairs):
    return sum(G[i][j]["weight"] for i, j in pairs)


def test_path_cost_equals_networkx_dijkstra_on_every_pair():
    rng = np.random.default_rng(0)
    for _ in range(5):
        n = 30  # ≤ CANDIDATES + 1: every pair is an edge
        coords, neighbours, failed = _random_case(rng, n)
        G = _weights(coords, neighbours, failed)
        comps = _components(n, neighbours)
        pairs = missing_connections(NeighbourGraph(list(coords)), comps.roots(), failed, 0, n - 1)
        if comps.connected(0, n - 1):
            assert pairs == []
            continue
        assert pairs and all(not comps.connected(i, j) for i, j in pairs)
        assert abs(_cost(G, pairs) - nx.dijkstra_path_length(G, 0, n - 1)) < 1e-9


def test_sparse_graph_path_is_optimal_on_its_own_edges():
    """Beyond CANDIDATES + 1 minima each has NEIGHBOURS edges, the nearest by (here plain)
    distance among the nearest candidates: the path is the optimum over those edges."""
    rng = np.random.default_rng(1)
    n = 3 * CANDIDATES
    coords, neighbours, failed = _random_case(rng, n, links=60)
    graph = NeighbourGraph(list(coords))
    edges = {}
    for u in range(n):
        idx, d = graph.edges(u)
        brute = np.argsort(np.linalg.norm(coords - coords[u], axis=1))[1 : NEIGHBOURS + 1]
        assert sorted(idx.tolist()) == sorted(brute.tolist())  # plain metric: exact kNN
        assert np.allclose(d, np.linalg.norm(coords[idx] - coords[u], axis=1))
        edges[u] = set(idx.tolist())
    G = _weights(coords, neighbours, failed, edges)
    comps = _components(n, neighbours)
    for a, b in ((0, n - 1), (5, 17), (n // 2, 3)):
        if comps.connected(a, b):
            continue
        pairs = missing_connections(graph, comps.roots(), failed, a, b)
        assert all(not comps.connected(i, j) for i, j in pairs)
        assert abs(_cost(G, pairs) - nx.dijkstra_path_length(G, a, b)) < 1e-9


def test_connected_pair_needs_nothing_and_components_merge():
    graph = NeighbourGraph(list(np.eye(4)))
    comps = _components(4, [{1}, {0, 2}, {1}, set()])
    assert missing_connections(graph, comps.roots(), {}, 0, 2) == []
    pairs = missing_connections(graph, comps.roots(), {}, 0, 3)
    assert len(pairs) == 1 and pairs[0][1] == 3 and pairs[0][0] in (0, 1, 2)
    c = Components(4)
    c.union(0, 1)
    c.union(2, 1)
    assert c.connected(0, 2) and not c.connected(0, 3)
    assert c.roots().tolist() == [0, 0, 0, 3]


def test_components_from_edges_equal_union_find():
    rng = np.random.default_rng(2)
    n = 500
    edges = rng.integers(0, n, (300, 2))
    c = Components(n)
    for i, j in edges:
        c.union(int(i), int(j))
    fast = Components.from_edges(n, edges)
    assert np.array_equal(fast.roots(), c.roots())
    assert Components.from_edges(3, np.zeros((0, 2), np.int64)).roots().tolist() == [0, 1, 2]


def test_refine_pairs_skip_connected_and_failed():
    coords = np.array([[0.0], [1.0], [1.5], [10.0]])
    neighbours = [{1}, {0}, set(), set()]
    pairs = nearest_unconnected(
        NeighbourGraph(list(coords)), neighbours, {(0, 2): 1}, np.array([0, 2, 3])
    )
    assert pairs == [(0, 3), (2, 1), (3, 2)]
    assert nearest_unconnected(
        NeighbourGraph(list(coords)), neighbours, {(0, 2): 1}, np.array([0, 2, 3]), limit=1
    ) == [(0, 3)]


def test_edges_are_computed_once_and_again_after_minima_are_added():
    calls = []

    def metric(a, B):
        calls.append(len(B))
        return np.linalg.norm(B - a, axis=1)

    coords = [np.zeros(2), np.ones(2)]
    graph = NeighbourGraph(coords, metric)
    idx, d = graph.edges(0)
    assert idx.tolist() == [1] and np.allclose(d, [np.sqrt(2)])
    graph.edges(0)
    coords.append(np.array([3.0, 4.0]))
    idx, d = graph.edges(0)
    assert idx.tolist() == [1, 2] and np.allclose(d, [np.sqrt(2), 5])
    assert calls == [1, 2]


def test_a_search_that_runs_too_long_proposes_the_direct_pair():
    rng = np.random.default_rng(4)
    n = 3 * CANDIDATES
    coords = rng.normal(size=(n, 4))
    roots = np.arange(n)  # every minimum its own component
    graph = NeighbourGraph(list(coords))
    assert missing_connections(graph, roots, {}, 0, n - 1, max_settled=1) == [(0, n - 1)]
    full = missing_connections(graph, roots, {}, 0, n - 1)
    assert full[0][0] == 0 and full[-1][1] == n - 1  # from a's side to b's
    assert all(j == k for (_, j), (k, _) in itertools.pairwise(full))  # a chain of gaps


def test_the_smaller_component_is_searched_from_either_end():
    """a in a large component, b alone, and the other way round: the same pairs, from a's
    side to b's, and only b's few neighbours are expanded."""
    rng = np.random.default_rng(5)
    n = 400
    coords = rng.normal(size=(n, 3))
    roots = np.zeros(n, np.int64)
    roots[n - 1] = n - 1  # one minimum apart from the rest
    asked = []
    graph = NeighbourGraph(list(coords))
    real = graph.edges
    graph.edges = lambda u: (asked.append(u), real(u))[1]
    pairs = missing_connections(graph, roots, {}, 0, n - 1)
    assert len(pairs) == 1 and pairs[0][1] == n - 1 and asked == [n - 1]
    back = missing_connections(graph, roots, {}, n - 1, 0)
    assert back == [(n - 1, pairs[0][0])]

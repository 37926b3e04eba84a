"""Network of minima (SPEC §3.2): minima as nodes, an edge wherever at least one TS joins two
distinct minima, and the usual graph statistics of it, computed on sparse arrays (10⁵ minima in
a few seconds; networkx serves the drawing and the tests)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse
from numba import njit
from scipy.sparse import csgraph

#: Largest component size whose shortest paths are all computed (exact statistics).
EXACT_PATHS = 5000
#: Random breadth-first-search sources used above that.
PATH_SOURCES = 500


def minima_edges(n_min: int, ts_min1: np.ndarray, ts_min2: np.ndarray) -> np.ndarray:
    """Distinct pairs (i < j) of minima 0…n_min−1 joined by at least one TS, shape (m, 2)
    (self-loops dropped; ValueError for indices out of range)."""
    a = np.asarray(ts_min1, np.int64).ravel()
    b = np.asarray(ts_min2, np.int64).ravel()
    if a.size != b.size:
        raise ValueError("ts_min1 and ts_min2 must have the same length")
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n_min):
        raise ValueError(f"TS minimum index out of range for {n_min} minima")
    keep = a != b
    pairs = np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]], axis=1)
    return np.unique(pairs, axis=0) if pairs.size else pairs.reshape(0, 2)


def minima_graph(n_min: int, ts_min1: np.ndarray, ts_min2: np.ndarray) -> nx.Graph:
    """Undirected networkx graph on minima 0…n_min−1 with one edge per distinct pair joined by
    a TS (for layouts)."""
    g = nx.Graph()
    g.add_nodes_from(range(n_min))
    g.add_edges_from(minima_edges(n_min, ts_min1, ts_min2).tolist())
    return g


def adjacency(n_min: int, edges: np.ndarray) -> scipy.sparse.csr_array:
    """Symmetric 0/1 CSR adjacency of ``edges`` (m, 2) on n_min nodes."""
    rows, cols = np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]]
    return scipy.sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n_min, n_min))


def average_clustering(A: scipy.sparse.csr_array) -> float:
    """Mean over all nodes of 2 T_i / (d_i (d_i − 1)) (T_i triangles through i; 0 when
    d_i < 2), as networkx's ``average_clustering``; memory O(edges) even with hubs."""
    A = A.sorted_indices()
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int64)
    d = np.diff(indptr).astype(float)
    triangles = _triangles(indptr, indices)
    c = np.zeros(d.size)
    ok = d > 1
    c[ok] = 2.0 * triangles[ok] / (d[ok] * (d[ok] - 1))
    return float(c.mean()) if c.size else 0.0


@njit(cache=True, nogil=True)
def _triangles(indptr, indices):
    """Triangles through each node of a simple graph (CSR, sorted neighbour lists): each
    triangle u < v < w is found once, from edge (u, v), by looking the shorter neighbour list
    up in the longer one (binary search), so a hub costs little per edge."""
    n = indptr.size - 1
    t = np.zeros(n, np.int64)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if v <= u:
                continue
            a0, a1, b0, b1 = indptr[u], indptr[u + 1], indptr[v], indptr[v + 1]
            if a1 - a0 > b1 - b0:
                a0, a1, b0, b1 = b0, b1, a0, a1
            for k in range(a0, a1):
                w = indices[k]
                if w <= v:
                    continue
                lo, hi = b0, b1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if indices[mid] < w:
                        lo = mid + 1
                    else:
                        hi = mid
                if lo < b1 and indices[lo] == w:
                    t[u] += 1
                    t[v] += 1
                    t[w] += 1
    return t


def network_stats(
    n_min: int,
    ts_min1: np.ndarray,
    ts_min2: np.ndarray,
    exact_limit: int = EXACT_PATHS,
    sources: int = PATH_SOURCES,
    seed: int = 0,
    paths: bool = True,
) -> dict:
    """Statistics of the minima network.

    Keys: ``nodes``, ``edges`` (distinct pairs), ``mean_degree``, ``components`` (connected),
    ``largest_component`` (its size), ``mean_shortest_path`` and ``diameter`` (both within the
    largest component; 0 for a single minimum), ``paths_exact`` (False: estimated, see
    :func:`path_stats`), ``path_sources`` (breadth-first searches made), ``clustering``
    (average clustering coefficient; with ``paths=False`` the path keys are NaN, −1, False
    and 0), ``degree_distribution`` (degree → number of minima),
    ``transition_states``, ``degenerate_ts`` (both ends one minimum: no edge) and
    ``parallel_ts`` (more transition states between an already joined pair), so that
    transition_states = edges + degenerate_ts + parallel_ts. An empty network gives zeros.
    """
    n_ts = int(np.asarray(ts_min1).size)
    degenerate = int(np.count_nonzero(np.asarray(ts_min1) == np.asarray(ts_min2)))
    if n_min == 0:
        minima_edges(0, ts_min1, ts_min2)  # still reject bad input
        return dict(
            nodes=0,
            edges=0,
            mean_degree=0.0,
            components=0,
            largest_component=0,
            mean_shortest_path=0.0,
            diameter=0,
            paths_exact=True,
            path_sources=0,
            clustering=0.0,
            degree_distribution={},
            transition_states=0,
            degenerate_ts=0,
            parallel_ts=0,
        )
    edges = minima_edges(n_min, ts_min1, ts_min2)
    A = adjacency(n_min, edges)
    n_comp, label = csgraph.connected_components(A, directed=False)
    big = np.flatnonzero(label == np.argmax(np.bincount(label)))
    mean, diameter, exact, used = (
        path_stats(A[big][:, big], exact_limit, sources, seed)
        if paths
        else (float("nan"), -1, False, 0)
    )
    degree = np.diff(A.indptr)
    counts = np.bincount(degree)
    return dict(
        nodes=n_min,
        edges=int(edges.shape[0]),
        mean_degree=2.0 * edges.shape[0] / n_min,
        components=int(n_comp),
        largest_component=int(big.size),
        mean_shortest_path=mean,
        diameter=diameter,
        paths_exact=exact,
        path_sources=used,
        clustering=average_clustering(A),
        degree_distribution={int(d): int(c) for d, c in enumerate(counts) if c},
        transition_states=n_ts,
        degenerate_ts=degenerate,
        parallel_ts=n_ts - degenerate - int(edges.shape[0]),
    )


def describe_ts_count(stats: dict) -> str:
    """Why the transition-state count and the edge count differ, in words ("" when equal)."""
    n, e = stats["transition_states"], stats["edges"]
    if n == e:
        return ""
    parts = []
    if stats["degenerate_ts"]:
        parts.append(f"{stats['degenerate_ts']} degenerate (both ends one minimum)")
    if stats["parallel_ts"]:
        parts.append(f"{stats['parallel_ts']} more between already joined pairs")
    return f"{n} transition states = {e} connected pair{'s' * (e != 1)} + " + " + ".join(parts)


@njit(cache=True, nogil=True)
def _bfs_sweeps(indptr, indices, sources):
    """Breadth-first search from each source of a connected CSR graph: per source the sum of
    distances, the eccentricity and a node at that distance."""
    n = indptr.size - 1
    dist = np.full(n, -1, np.int64)
    queue = np.empty(n, np.int64)
    out = np.empty((sources.size, 3), np.int64)
    for k in range(sources.size):
        dist[:] = -1
        dist[sources[k]] = 0
        queue[0] = sources[k]
        head, tail, total = 0, 1, 0
        while head < tail:
            u = queue[head]
            head += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if dist[v] < 0:
                    dist[v] = dist[u] + 1
                    total += dist[v]
                    queue[tail] = v
                    tail += 1
        last = queue[tail - 1]  # BFS order: the last node found is a farthest one
        out[k, 0], out[k, 1], out[k, 2] = total, dist[last], last
    return out


def path_stats(
    A: scipy.sparse.csr_array,
    exact_limit: int = EXACT_PATHS,
    sources: int = PATH_SOURCES,
    seed: int = 0,
) -> tuple[float, int, bool, int]:
    """(mean shortest path, diameter, exact?, searches) of a connected graph (CSR adjacency
    ``A``), by one breadth-first search per source.

    Up to ``exact_limit`` nodes every node is a source: exact. Larger graphs use ``sources``
    random sources: the mean is an unbiased estimate and the diameter a lower bound (the
    largest eccentricity seen, sharpened by a search from the farthest node found).
    """
    n = A.shape[0]
    if n < 2:
        return 0.0, 0, True, 0
    exact = n <= max(exact_limit, sources)  # as many sources as nodes: every node, exact
    src = (
        np.arange(n)
        if exact
        else np.random.default_rng(seed).choice(n, max(sources, 1), replace=False)
    )
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int64)
    sweeps = _bfs_sweeps(indptr, indices, src.astype(np.int64))
    k = int(np.argmax(sweeps[:, 1]))
    diameter, used = int(sweeps[k, 1]), int(src.size)
    if not exact:  # double sweep: the farthest node's eccentricity bounds the diameter better
        diameter = max(diameter, int(_bfs_sweeps(indptr, indices, sweeps[k, 2:3])[0, 1]))
        used += 1
    return float(sweeps[:, 0].sum()) / (src.size * (n - 1)), diameter, exact, used

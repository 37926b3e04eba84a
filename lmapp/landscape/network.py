"""Network of minima (SPEC §3.2): minima as nodes, an edge wherever at least one TS joins two
distinct minima, and the usual graph statistics of it."""
from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np


def minima_graph(n_min: int, ts_min1: np.ndarray, ts_min2: np.ndarray) -> nx.Graph:
    """Undirected graph on minima 0…n_min−1 with one edge per distinct pair joined by a TS
    (self-loops dropped)."""
    a = np.asarray(ts_min1, np.int64).ravel()
    b = np.asarray(ts_min2, np.int64).ravel()
    if a.size != b.size:
        raise ValueError("ts_min1 and ts_min2 must have the same length")
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n_min):
        raise ValueError(f"TS minimum index out of range for {n_min} minima")
    g = nx.Graph()
    g.add_nodes_from(range(n_min))
    keep = a != b
    g.add_edges_from(zip(a[keep].tolist(), b[keep].tolist()))
    return g


def network_stats(n_min: int, ts_min1: np.ndarray, ts_min2: np.ndarray) -> dict:
    """Statistics of the minima network.

    Keys: ``nodes``, ``edges`` (distinct pairs), ``mean_degree``, ``components`` (connected),
    ``largest_component`` (its size), ``mean_shortest_path`` and ``diameter`` (both within the
    largest component; 0 for a single minimum), ``clustering`` (average clustering
    coefficient), ``degree_distribution`` (degree → number of minima). An empty network gives
    zeros. Shortest paths cost one breadth-first search per minimum of the largest component.
    """
    g = minima_graph(n_min, ts_min1, ts_min2)
    if n_min == 0:
        return dict(nodes=0, edges=0, mean_degree=0.0, components=0, largest_component=0,
                    mean_shortest_path=0.0, diameter=0, clustering=0.0, degree_distribution={})
    comps = list(nx.connected_components(g))
    big = g.subgraph(max(comps, key=len))
    degrees = Counter(d for _, d in g.degree())
    return dict(
        nodes=n_min,
        edges=g.number_of_edges(),
        mean_degree=2.0 * g.number_of_edges() / n_min,
        components=len(comps),
        largest_component=big.number_of_nodes(),
        mean_shortest_path=float(nx.average_shortest_path_length(big)),
        diameter=int(nx.diameter(big)),
        clustering=float(nx.average_clustering(g)),
        degree_distribution=dict(sorted(degrees.items())),
    )

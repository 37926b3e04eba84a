"""Which minima to connect next (SPEC §2.4): Dijkstra's missing-connection analysis over known
minima, and the pair lists of the "connect everything" and "refine" strategies.

Edge weight between minima i and j: 0 when a transition state already joins them, a large
penalty per failed attempt, else the squared Euclidean distance of their canonical weights
(OPTIM's choice: short gaps are cheap, so the path proposes pairs a band can bridge).
"""
from __future__ import annotations

import numpy as np

FAILED_PENALTY = 1e6


class Components:
    """Union–find over minima indices: which minima transition states already connect."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return int(root)

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)

    def connected(self, i: int, j: int) -> bool:
        return self.find(i) == self.find(j)


def missing_connections(coords: np.ndarray, neighbours: list[set[int]],
                        failed: dict[tuple[int, int], int], a: int, b: int) -> list[tuple[int, int]]:
    """Pairs without a direct transition state on the cheapest path from minimum a to b.

    ``coords`` (n, P) canonical weights; ``neighbours[i]`` the minima joined to i by a TS;
    ``failed[(i, j)]`` (i < j) the number of failed attempts. Dense Dijkstra, O(n² P).
    """
    n = coords.shape[0]
    dist = np.full(n, np.inf)
    prev = np.full(n, -1)
    done = np.zeros(n, bool)
    dist[a] = 0.0
    sq = np.einsum("ij,ij->i", coords, coords)
    penalties: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for (i, j), k in failed.items():
        penalties[i].append((j, k))
        penalties[j].append((i, k))
    while True:
        u = int(np.argmin(np.where(done, np.inf, dist)))
        if done[u] or not np.isfinite(dist[u]):
            break
        done[u] = True
        if u == b:
            break
        w = np.maximum(sq + sq[u] - 2.0 * coords @ coords[u], 0.0)
        for v in neighbours[u]:
            w[v] = 0.0
        for v, k in penalties[u]:
            w[v] += FAILED_PENALTY * k
        better = ~done & (dist[u] + w < dist)
        dist[better] = dist[u] + w[better]
        prev[better] = u
    path = [b]
    while path[-1] != a and prev[path[-1]] >= 0:
        path.append(int(prev[path[-1]]))
    path.reverse()
    return [(i, j) for i, j in zip(path[:-1], path[1:]) if j not in neighbours[i]]


def nearest_unconnected(coords: np.ndarray, neighbours: list[set[int]],
                        failed: dict[tuple[int, int], int], order: np.ndarray) -> list[tuple[int, int]]:
    """For each minimum in ``order``, the pair with its nearest minimum (canonical distance)
    that no transition state joins directly and no attempt has failed for: the "refine" list."""
    pairs = []
    for i in order:
        d = np.linalg.norm(coords - coords[i], axis=1)
        d[i] = np.inf
        for j in np.argsort(d):
            key = (min(i, j), max(i, j))
            if not np.isfinite(d[j]):
                break
            if j not in neighbours[i] and key not in failed:
                pairs.append((int(i), int(j)))
                break
    return pairs

"""Which minima to connect next (SPEC §2.4): Dijkstra's missing-connection analysis over known
minima, and the pair lists of the "connect everything" and "refine" strategies.

Edge weight between minima i and j: 0 when transition states already connect them (directly
or through other minima: the same component), a large penalty per failed attempt, else the
squared distance of the two minima aligned over the model's symmetry group (OPTIM's choice,
with minpermdist distances: short gaps are cheap, so the path proposes pairs a band can
bridge; a sorted canonical form would make near minima look far apart).
"""
from __future__ import annotations

from typing import Callable

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

    def grow(self, n: int) -> None:
        """Room for minima up to index n − 1 (each new one its own component)."""
        self.parent = np.concatenate([self.parent, np.arange(self.parent.size, n)])


class DistanceRows:
    """Distances from a minimum to every other, computed by ``metric(a, B)`` the first time a
    row is needed and extended when minima are added (aligned distances cost an assignment per
    pair, so each pair is computed once per job)."""

    def __init__(self, coords: list[np.ndarray],
                 metric: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> None:
        self.coords = coords  # shared with the caller, who appends new minima
        self.metric = metric or (lambda a, B: np.linalg.norm(B - a, axis=1))
        self._rows: dict[int, np.ndarray] = {}

    def row(self, u: int) -> np.ndarray:
        """Distances from minimum u to minima 0 … n − 1."""
        n = len(self.coords)
        have = self._rows.get(u, np.zeros(0))
        if have.size < n:
            extra = self.metric(self.coords[u], np.array(self.coords[have.size:n]))
            have = self._rows[u] = np.concatenate([have, extra])
        return have


def missing_connections(distances: DistanceRows, components: Components,
                        failed: dict[tuple[int, int], int], a: int, b: int) -> list[tuple[int, int]]:
    """Pairs of minima in different components on the cheapest path from minimum a to b.

    ``components`` says which minima transition states already connect; ``failed[(i, j)]``
    (i < j) is the number of failed attempts. Dense Dijkstra: at most n distance rows.
    """
    n = len(distances.coords)
    dist = np.full(n, np.inf)
    prev = np.full(n, -1)
    done = np.zeros(n, bool)
    dist[a] = 0.0
    root = np.array([components.find(i) for i in range(n)])
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
        w = np.where(root == root[u], 0.0, distances.row(u) ** 2)
        for v, k in penalties[u]:
            w[v] += FAILED_PENALTY * k
        better = ~done & (dist[u] + w < dist)
        dist[better] = dist[u] + w[better]
        prev[better] = u
    path = [b]
    while path[-1] != a and prev[path[-1]] >= 0:
        path.append(int(prev[path[-1]]))
    path.reverse()
    return [(i, j) for i, j in zip(path[:-1], path[1:]) if root[i] != root[j]]


def nearest_unconnected(distances: DistanceRows, neighbours: list[set[int]],
                        failed: dict[tuple[int, int], int], order: np.ndarray) -> list[tuple[int, int]]:
    """For each minimum in ``order``, the pair with its nearest minimum (aligned distance)
    that no transition state joins directly and no attempt has failed for: the "refine" list."""
    pairs = []
    for i in order:
        d = distances.row(int(i)).copy()
        d[i] = np.inf
        for j in np.argsort(d):
            key = (min(i, j), max(i, j))
            if not np.isfinite(d[j]):
                break
            if j not in neighbours[i] and key not in failed:
                pairs.append((int(i), int(j)))
                break
    return pairs

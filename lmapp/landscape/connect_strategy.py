"""Which minima to connect next (SPEC §2.4): Dijkstra's missing-connection analysis over known
minima, and the pair lists of the "connect everything" and "refine" strategies.

Edge weight between minima i and j: 0 when transition states already connect them (directly
or through other minima: the same component), a large penalty per failed attempt, else the
squared distance of the two minima aligned over the model's symmetry group (OPTIM's choice,
with minpermdist distances: short gaps are cheap, so the path proposes pairs a band can
bridge; a sorted canonical form would make near minima look far apart).

The graph is sparse (issue: 10⁵ minima): each minimum is joined to its NEIGHBOURS nearest by
aligned distance among its CANDIDATES nearest by canonical-form distance (one BLAS row, computed
when Dijkstra first reaches it); with at most CANDIDATES + 1 minima every pair is an edge and
the path is the exact optimum.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import connected_components

FAILED_PENALTY = 1e6
#: edges kept per minimum, and the canonical-distance candidates they are chosen from
NEIGHBOURS, CANDIDATES = 12, 48
#: members of a component (other than the target's) that Dijkstra expands when it enters it
MAX_EXPANDED = 128
#: minima one search settles at most before it proposes the direct pair instead
MAX_SETTLED = 2000


class Components:
    """Union–find over minima indices: which minima transition states already connect (each
    root is the lowest index of its component)."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    @classmethod
    def from_edges(cls, n: int, edges: np.ndarray) -> Components:
        """The components of ``edges`` (m, 2) on n minima, in one sparse pass."""
        c = cls(n)
        if n and len(edges):
            A = scipy.sparse.coo_array(
                (np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)
            )
            _, labels = connected_components(A, directed=False)
            lowest = np.full(labels.max() + 1, n)
            np.minimum.at(lowest, labels, np.arange(n))
            c.parent = lowest[labels]
        return c

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

    def roots(self) -> np.ndarray:
        """The root of every minimum at once (pointer jumping; also compresses the paths)."""
        p = self.parent
        while True:
            q = p[p]
            if np.array_equal(q, p):
                break
            p = q
        self.parent = p
        return p.copy()

    def grow(self, n: int) -> None:
        """Room for minima up to index n − 1 (each new one its own component)."""
        self.parent = np.concatenate([self.parent, np.arange(self.parent.size, n)])


def _euclidean(a: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.linalg.norm(B - a, axis=1)


class NeighbourGraph:
    """The sparse neighbour graph of the minima (see the module docstring), its edges computed
    per minimum when first asked for and again after minima were added."""

    def __init__(
        self,
        coords: list[np.ndarray],
        metric: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        neighbours: int = NEIGHBOURS,
        candidates: int = CANDIDATES,
    ) -> None:
        self.coords = coords  # shared with the caller, who appends new minima
        self.metric = metric or _euclidean
        self.neighbours, self.candidates = neighbours, max(candidates, neighbours)
        self._matrix = np.zeros((0, 0))
        self._sq = np.zeros(0)
        self._n = 0  # rows of _matrix in use
        self._edges: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}

    def _rows(self) -> tuple[np.ndarray, np.ndarray]:
        """All coordinates as one matrix (grown by doubling) and their squared norms."""
        n = len(self.coords)
        if n > self._n:
            if n > self._matrix.shape[0]:
                P = len(self.coords[0])
                grown = np.empty((max(n, 2 * self._matrix.shape[0]), P))
                if self._n:
                    grown[: self._n] = self._matrix[: self._n]
                self._matrix, self._sq = (
                    grown,
                    np.r_[self._sq[: self._n], np.zeros(grown.shape[0] - self._n)],
                )
            new = np.asarray(self.coords[self._n : n], float)
            self._matrix[self._n : n] = new
            self._sq[self._n : n] = np.einsum("ij,ij->i", new, new)
            self._n = n
        return self._matrix[:n], self._sq[:n]

    def edges(self, u: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, aligned distances) of the minima joined to minimum u."""
        n = len(self.coords)
        cached = self._edges.get(u)
        if cached is not None and cached[0] == n:
            return cached[1], cached[2]
        M, sq = self._rows()
        if n - 1 <= self.candidates:
            idx = np.delete(np.arange(n), u)
        else:
            near = sq - 2.0 * (M @ M[u])  # + |u|², the same for every row
            near[u] = np.inf
            idx = np.argpartition(near, self.candidates)[: self.candidates]
        d = self.metric(M[u], M[idx]) if idx.size else np.zeros(0)
        if idx.size > self.neighbours and n - 1 > self.candidates:
            keep = np.argpartition(d, self.neighbours)[: self.neighbours]
            idx, d = idx[keep], d[keep]
        self._edges[u] = (n, idx, d)
        return idx, d


def missing_connections(
    graph: NeighbourGraph,
    roots: np.ndarray,
    failed: dict[tuple[int, int], int],
    a: int,
    b: int,
    max_settled: int = MAX_SETTLED,
) -> list[tuple[int, int]]:
    """Pairs of minima in different components on the cheapest path from minimum a to b.

    ``roots`` is each minimum's component (:meth:`Components.roots`); ``failed[(i, j)]``
    (i < j) is the number of failed attempts. Dijkstra runs from the smaller of the two
    components until it reaches the other, so the large component the global minimum usually
    sits in is entered, not expanded. A search that settles ``max_settled`` minima without
    arriving proposes the direct pair (a, b).
    """
    if roots[a] == roots[b]:
        return []
    small_a = np.count_nonzero(roots == roots[a]) < np.count_nonzero(roots == roots[b])
    start, goal = (a, b) if small_a else (b, a)
    target = roots[goal]
    dist = {start: 0.0}
    prev: dict[int, int] = {}
    heap = [(0.0, start)]
    entered: set[int] = set()
    reached = None
    settled = 0
    while heap and settled < max_settled:
        d, u = heapq.heappop(heap)
        if d > dist.get(u, np.inf):
            continue
        if roots[u] == target:
            reached = u
            break
        settled += 1
        if roots[u] not in entered:  # its component's other members at no cost
            entered.add(int(roots[u]))
            for v in np.flatnonzero(roots == roots[u])[:MAX_EXPANDED].tolist():
                if d < dist.get(v, np.inf):
                    dist[v], prev[v] = d, u
                    heapq.heappush(heap, (d, v))
        idx, w = graph.edges(u)
        for v, dv in zip(idx.tolist(), (w * w).tolist()):
            if roots[v] == roots[u]:
                continue
            nd = d + dv + FAILED_PENALTY * failed.get((min(u, v), max(u, v)), 0)
            if nd < dist.get(v, np.inf):
                dist[v], prev[v] = nd, u
                heapq.heappush(heap, (nd, v))
    if reached is None:
        return [(a, b)]
    path = [reached]
    while path[-1] != start:
        path.append(prev[path[-1]])
    if small_a:  # it ran back from b's side to a: the pairs go from a's side to b's
        path.reverse()
    return [(i, j) for i, j in itertools.pairwise(path) if roots[i] != roots[j]]


def nearest_unconnected(
    graph: NeighbourGraph,
    neighbours: list[set[int]],
    failed: dict[tuple[int, int], int],
    order: np.ndarray,
    limit: int | None = None,
) -> list[tuple[int, int]]:
    """For each minimum in ``order``, the pair with its nearest minimum (aligned distance)
    that no transition state joins directly and no attempt has failed for: the "refine" list
    (the first ``limit`` pairs)."""
    pairs = []
    for i in order.tolist():
        idx, d = graph.edges(i)
        for j in idx[np.argsort(d, kind="stable")].tolist():
            if j not in neighbours[i] and (min(i, j), max(i, j)) not in failed:
                pairs.append((i, j))
                break
        if limit is not None and len(pairs) >= limit:
            break
    return pairs

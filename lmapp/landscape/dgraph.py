"""Disconnectivity graphs (SPEC §3.1): superbasins of minima at evenly spaced energy levels,
laid out as a tree of line segments ready to draw, from plain arrays.

Conventions: a minimum exists at level E if its energy is ≤ E, and a transition state (TS)
joins its minima at E if its energy is ≤ E (so the default top level, the highest TS, joins
every connected minimum). A TS below one of its minima (numerical noise) counts at the
higher minimum's energy; self-loops are ignored, duplicates are harmless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
from numba import njit

ORDERS = ("size", "energy")
BRANCH_VALUES = ("min", "max", "mean", "sum")


@dataclass(frozen=True, eq=False)
class DGraph:
    """A laid-out disconnectivity graph.

    Nodes are the drawn branches after collapsing single-child chains: leaves (one per drawn
    minimum) and superbasins where ≥ 2 branches join. Node ``k`` spans the levels
    ``node_level[k]`` (its lowest; a leaf's first level above its minimum) up to just below its
    parent's level; its label is ``"{level}_{rank}"`` with rank counted left to right within
    that level. Its members are ``leaf_order[node_start[k]:node_start[k] + node_size[k]]``.
    """

    levels: np.ndarray  #: (n_levels,) ascending level energies
    segments: np.ndarray  #: (m, 4) line segments x0, y0, x1, y1
    segment_node: np.ndarray  #: (m,) node each segment belongs to
    segment_value: np.ndarray | None  #: (m,) branch colour value, when ``values`` was given
    leaf_x: np.ndarray  #: (n_min,) x of each minimum's leaf, NaN if not drawn
    leaf_node: np.ndarray  #: (n_min,) leaf node of each minimum, -1 if not drawn
    leaf_order: np.ndarray  #: drawn minima, left to right
    node_level: np.ndarray  #: (k,) lowest level index of each node
    node_rank: np.ndarray  #: (k,) index of the node within its level, left to right
    node_energy: np.ndarray  #: (k,) y of the node's top: its parent's level (top level for roots)
    node_bottom: np.ndarray  #: (k,) y of its bottom: own level, or the minimum's energy for leaves
    node_x: np.ndarray  #: (k,) x of its vertical line
    node_parent: np.ndarray  #: (k,) parent node, -1 for roots
    node_start: np.ndarray  #: (k,) first member's position in ``leaf_order``
    node_size: np.ndarray  #: (k,) number of member minima
    node_minimum: np.ndarray  #: (k,) the minimum of a leaf, -1 for superbasins
    node_value: np.ndarray | None  #: (k,) branch value, when ``values`` was given
    disconnected: np.ndarray  #: minima outside the global minimum's superbasin at the top level
    unconnected: np.ndarray  #: minima no chain of transition states joins to the global minimum

    def label(self, k: int) -> str:
        """``level_node`` label of node ``k``."""
        return f"{self.node_level[k]}_{self.node_rank[k]}"

    def labels(self) -> list[str]:
        """Labels of all nodes, in node order."""
        return [f"{lv}_{rk}" for lv, rk in zip(self.node_level.tolist(), self.node_rank.tolist())]

    def node_index(self, label: str) -> int:
        """Node with ``level_node`` label ``label``."""
        lv, rk = (int(s) for s in label.split("_"))
        hit = np.flatnonzero((self.node_level == lv) & (self.node_rank == rk))
        if hit.size == 0:
            raise KeyError(label)
        return int(hit[0])

    def members(self, node: int | str) -> np.ndarray:
        """Minimum indices below node ``node`` (index or label), left to right."""
        k = self.node_index(node) if isinstance(node, str) else node
        return self.leaf_order[self.node_start[k] : self.node_start[k] + self.node_size[k]]

    def superbasins(self, level: int) -> list[np.ndarray]:
        """Member lists of the superbasins that exist at level index ``level``."""
        join = np.where(self.node_parent >= 0, self.node_level[self.node_parent], self.levels.size)
        alive = np.flatnonzero((self.node_level <= level) & (level < join))
        return [self.members(int(k)) for k in alive]


# --------------------------------------------------------------------------- kernels


@njit(cache=True, nogil=True)
def _find(uf, i):
    """Union–find root of ``i`` with path halving."""
    while uf[i] != i:
        uf[i] = uf[uf[i]]
        i = uf[i]
    return i


@njit(cache=True, nogil=True)
def _merge_tree(n_levels, min_level, min_order, ts_level, ts_a, ts_b):
    """Sweep the levels upwards adding minima and TSs (both sorted by level) to a union–find;
    every group of ≥ 2 branches that joins at a level becomes a new node there, so chains of
    single children never appear. Children always get smaller ids than their parents.

    Returns node parent, node level, node minimum (-1 for superbasins) and leaf node per minimum.
    """
    n = min_level.size
    uf = np.arange(n)
    usize = np.ones(n, np.int64)
    rep = np.full(n, -1, np.int64)  # current node of a component, by root
    mark = np.full(n, -1, np.int64)  # level at which a root's branch was last recorded
    new_mark = np.full(n, -1, np.int64)
    new_id = np.empty(n, np.int64)
    cap = 2 * n
    parent = np.full(cap, -1, np.int64)
    level = np.empty(cap, np.int64)
    minimum = np.full(cap, -1, np.int64)
    leaf_node = np.full(n, -1, np.int64)
    item_node = np.empty(cap, np.int64)
    item_root = np.empty(cap, np.int64)
    nn = 0
    mi = 0
    ti = 0
    for lev in range(n_levels):
        while mi < min_order.size and min_level[min_order[mi]] == lev:
            m = min_order[mi]
            minimum[nn] = m
            level[nn] = lev
            rep[m] = nn
            leaf_node[m] = nn
            nn += 1
            mi += 1
        k = 0
        while ti < ts_level.size and ts_level[ti] == lev:
            ra = _find(uf, ts_a[ti])
            rb = _find(uf, ts_b[ti])
            ti += 1
            if ra == rb:
                continue
            for r in (ra, rb):
                if mark[r] != lev:  # first touch this level: r is still a level-start root
                    mark[r] = lev
                    item_node[k] = rep[r]
                    item_root[k] = r
                    k += 1
            if usize[ra] < usize[rb]:
                ra, rb = rb, ra
            uf[rb] = ra
            usize[ra] += usize[rb]
        for j in range(k):
            r = _find(uf, item_root[j])
            if new_mark[r] != lev:
                new_mark[r] = lev
                new_id[r] = nn
                level[nn] = lev
                rep[r] = nn
                nn += 1
            parent[item_node[j]] = new_id[r]
    return parent[:nn], level[:nn], minimum[:nn], leaf_node


@njit(cache=True, nogil=True)
def _lower(e, a, b):
    """Whether minimum ``a`` is below ``b`` (energy, then index)."""
    return e[a] < e[b] or (e[a] == e[b] and a < b)


@njit(cache=True, nogil=True)
def _order_tree(parent, minimum, energies, by_size):
    """Sizes, lowest minima and centre-out ordered children (CSR) of every node.

    At each node the child holding the node's lowest minimum goes in the middle; the others,
    sorted by size (descending) or lowest energy, go one by one to whichever side keeps that
    lowest minimum nearer the centre (ties to the right).
    """
    nn = parent.size
    size = np.zeros(nn, np.int64)
    low = np.full(nn, -1, np.int64)
    nchild = np.zeros(nn + 1, np.int64)
    for k in range(nn):
        if minimum[k] >= 0:
            size[k] = 1
            low[k] = minimum[k]
        p = parent[k]
        if p >= 0:
            size[p] += size[k]
            if low[p] < 0 or _lower(energies, low[k], low[p]):
                low[p] = low[k]
            nchild[p + 1] += 1
    ptr = np.cumsum(nchild)
    children = np.empty(max(nn - 1, 0), np.int64)
    fill = ptr[:-1].copy()
    for k in range(nn):
        p = parent[k]
        if p >= 0:
            children[fill[p]] = k
            fill[p] += 1
    left_w = np.zeros(nn, np.int64)  # leaves left / right of the node's lowest minimum
    right_w = np.zeros(nn, np.int64)
    for p in range(nn):
        c0, c1 = ptr[p], ptr[p + 1]
        if c1 == c0:
            continue
        kids = children[c0:c1].copy()
        centre = -1
        for c in kids:
            if low[c] == low[p]:
                centre = c
        rest = kids[kids != centre]
        emin = energies[low[rest]]
        neg = -size[rest].astype(np.float64)
        first, second = (emin, neg) if by_size else (neg, emin)
        idx = np.argsort(first, kind="mergesort")
        rest = rest[idx]
        rest = rest[np.argsort(second[idx], kind="mergesort")]
        lw, rw = left_w[centre], right_w[centre]
        sides = np.empty(rest.size, np.bool_)
        for j in range(rest.size):
            sides[j] = lw < rw
            if sides[j]:
                lw += size[rest[j]]
            else:
                rw += size[rest[j]]
        left_w[p], right_w[p] = lw, rw
        pos = c0
        for j in range(rest.size - 1, -1, -1):
            if sides[j]:
                children[pos] = rest[j]
                pos += 1
        children[pos] = centre
        pos += 1
        for j in range(rest.size):
            if not sides[j]:
                children[pos] = rest[j]
                pos += 1
    return ptr, children, size, low


@njit(cache=True, nogil=True)
def _place(ptr, children, minimum, roots):
    """Depth-first placement from ``roots``: leaves get x = 0, 1, … left to right, a
    superbasin the mean x of its children. Returns x (NaN if not drawn), each node's first
    position in the leaf order, and the leaf order."""
    nn = minimum.size
    x = np.full(nn, np.nan)
    start = np.full(nn, -1, np.int64)
    order = np.empty(nn, np.int64)
    stack = np.empty(nn, np.int64)
    top = 0
    for j in range(roots.size - 1, -1, -1):
        stack[top] = roots[j]
        top += 1
    count = 0
    while top > 0:
        top -= 1
        k = stack[top]
        start[k] = count
        if minimum[k] >= 0:
            order[count] = minimum[k]
            x[k] = count
            count += 1
        for j in range(ptr[k + 1] - 1, ptr[k] - 1, -1):
            stack[top] = children[j]
            top += 1
    for p in range(nn):
        c0, c1 = ptr[p], ptr[p + 1]
        if c1 > c0 and start[p] >= 0:
            x[p] = x[children[c0:c1]].mean()
    return x, start, order[:count]


@njit(cache=True, nogil=True)
def _branch_values(parent, minimum, values, mode):
    """Per node, the min (mode 0), max (1), mean (2) or sum (3) of ``values`` over its leaves."""
    nn = parent.size
    acc = np.full(nn, np.nan)
    cnt = np.zeros(nn, np.int64)
    for k in range(nn):
        if minimum[k] >= 0:
            acc[k] = values[minimum[k]]
            cnt[k] = 1
        elif mode == 2:
            acc[k] /= cnt[k]  # all children done: turn the sum into a mean
        p = parent[k]
        if p < 0:
            continue
        v = acc[k] * cnt[k] if mode == 2 else acc[k]
        if cnt[p] == 0:
            acc[p] = v
        elif mode == 0:
            acc[p] = min(acc[p], v)
        elif mode == 1:
            acc[p] = max(acc[p], v)
        else:
            acc[p] += v
        cnt[p] += cnt[k]
    return acc


# --------------------------------------------------------------------------- public API


def clean_ts(
    energies: np.ndarray, ts_energy: np.ndarray, ts_min1: np.ndarray, ts_min2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated TSs without self-loops, each energy raised to at least both minima's.

    Returns (energy, min1, min2) arrays; shared by the landscape analyses so that they all
    read the same graph.
    """
    e = np.asarray(ts_energy, float).ravel()
    a = np.asarray(ts_min1, np.int64).ravel()
    b = np.asarray(ts_min2, np.int64).ravel()
    if not (e.size == a.size == b.size):
        raise ValueError("ts_energy, ts_min1 and ts_min2 must have the same length")
    n = energies.size
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n):
        raise ValueError(f"TS minimum index out of range for {n} minima")
    if not np.all(np.isfinite(e)):
        raise ValueError("TS energies must be finite")
    keep = a != b
    a, b = a[keep], b[keep]
    return np.maximum(e[keep], np.maximum(energies[a], energies[b])), a, b


def make_levels(emin: float, top: float, n_levels: int | None, spacing: float | None) -> np.ndarray:
    """Ascending levels ending at ``top``, the lowest just above ``emin``: ``n_levels`` of
    them evenly spaced, or as many as ``spacing`` needs."""
    span = top - emin
    if spacing is not None:
        if not spacing > 0:
            raise ValueError(f"spacing must be > 0, got {spacing}")
        n = max(1, int(np.ceil(span / spacing - 1e-9)))
        return top - spacing * np.arange(n - 1, -1, -1)
    if n_levels is None or n_levels < 1:
        raise ValueError(f"n_levels must be ≥ 1 (or give spacing), got {n_levels}")
    levels = emin + span * (np.arange(1, n_levels + 1) / n_levels)
    levels[-1] = top
    return levels


def _segments(levels, x, level, parent, bottom, is_leaf):
    """Line segments (and their nodes): a vertical from each node's bottom up to just below
    its parent's level, then a join to the parent's x at the parent's level; roots run up to
    the top level."""
    n = x.size
    has_p = parent >= 0
    p = np.where(has_p, parent, 0)
    p_level = np.where(has_p, level[p], levels.size)
    below = np.where(p_level >= 1, levels[np.maximum(p_level - 1, 0)], -np.inf)
    y_top = np.where(has_p, np.maximum(below, bottom), levels[-1])
    seg = np.empty((n, 2, 4))
    seg[:, 0] = np.column_stack((x, bottom, x, y_top))
    seg[:, 1] = np.column_stack((x, y_top, x[p], levels[np.minimum(p_level, levels.size - 1)]))
    valid = np.column_stack(((y_top > bottom) | (~has_p & is_leaf), has_p))
    node = np.broadcast_to(np.arange(n)[:, None], (n, 2))
    return seg[valid], node[valid]


def disconnectivity_graph(
    energies: np.ndarray,
    ts_energy: np.ndarray,
    ts_min1: np.ndarray,
    ts_min2: np.ndarray,
    *,
    n_levels: int | None = 20,
    spacing: float | None = None,
    top: float | None = None,
    order: str = "size",
    connected_only: bool = False,
    values: np.ndarray | None = None,
    branch_value: str = "min",
) -> DGraph:
    """Disconnectivity graph of minima ``energies`` joined by TSs (energy, min1, min2 indices).

    Levels run evenly from just above the global minimum up to ``top`` (default: the highest
    TS, or the highest minimum without TSs): ``n_levels`` of them, or every ``spacing`` if
    given. ``order`` ("size" or "energy") sorts sibling branches outwards from the one holding
    their lowest minimum, which sits in the middle. Components not joined to the global
    minimum's are drawn to its right, or hidden if ``connected_only``. ``values`` (one per
    minimum) colour the branches: each takes the ``branch_value`` (min, max, mean, sum) over
    its leaves (sum: e.g. a superbasin's total occupation change).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if branch_value not in BRANCH_VALUES:
        raise ValueError(f"branch_value must be one of {BRANCH_VALUES}, got {branch_value!r}")
    energies = np.asarray(energies, float).ravel()
    if not np.all(np.isfinite(energies)):
        raise ValueError("minimum energies must be finite")
    if values is not None:
        values = np.asarray(values, float).ravel()
        if values.size != energies.size:
            raise ValueError(f"values has {values.size} entries for {energies.size} minima")
    n = energies.size
    tse, tsa, tsb = clean_ts(energies, ts_energy, ts_min1, ts_min2)
    if n == 0:
        return _empty(values is not None)
    emin = energies.min()
    if top is None:
        top = tse.max() if tse.size else energies.max()
        if top <= emin:  # flat landscape: give the leaves some height
            top = emin + (0.1 * abs(emin) if emin else 1.0)
    elif not top > emin:
        raise ValueError(f"top ({top}) must be above the lowest minimum ({emin})")
    levels = make_levels(float(emin), float(top), n_levels, spacing)

    min_level = np.searchsorted(levels, energies, side="left")
    drawn = np.flatnonzero(min_level < levels.size)
    min_order = drawn[np.argsort(min_level[drawn], kind="stable")]
    ts_level = np.searchsorted(levels, tse, side="left")
    ts_order = np.argsort(ts_level, kind="stable")
    ts_order = ts_order[ts_level[ts_order] < levels.size]
    parent, level, minimum, leaf_node = _merge_tree(
        levels.size, min_level, min_order, ts_level[ts_order], tsa[ts_order], tsb[ts_order]
    )
    ptr, children, size, low = _order_tree(parent, minimum, energies, order == "size")

    roots = np.flatnonzero(parent < 0)
    key = (energies[low[roots]], -size[roots])  # lexsort: last key first
    roots = roots[np.lexsort(key if order == "size" else key[::-1])]
    gmin = np.argmin(energies)
    groot = roots[low[roots] == gmin]
    joined = _joined_to(n, int(gmin), tsa, tsb)
    if connected_only:  # every tree of minima joined to the global one, even above the top
        roots = np.concatenate((groot, roots[(roots != groot[0]) & joined[low[roots]]]))
    else:
        roots = np.concatenate((groot, roots[roots != groot[0]]))
    x, start, leaf_order = _place(ptr, children, minimum, roots)

    # keep drawn nodes only (ids stay increasing, so children still precede parents)
    keep = start >= 0
    new = np.cumsum(keep) - 1
    parent = np.where(parent[keep] >= 0, new[np.maximum(parent[keep], 0)], -1)
    level, minimum, x, start, size = level[keep], minimum[keep], x[keep], start[keep], size[keep]
    is_leaf = minimum >= 0
    bottom = np.where(is_leaf, energies[np.maximum(minimum, 0)], levels[level])
    energy = np.where(parent >= 0, levels[level[np.maximum(parent, 0)]], levels[-1])
    rank_order = np.lexsort((x, level))
    rank = np.empty(level.size, np.int64)
    rank[rank_order] = np.arange(level.size) - np.searchsorted(level[rank_order], level[rank_order])

    leaf_node = np.where(
        keep[np.maximum(leaf_node, 0)] & (leaf_node >= 0), new[np.maximum(leaf_node, 0)], -1
    )
    leaf_x = np.full(n, np.nan)
    leaf_x[minimum[is_leaf]] = x[is_leaf]
    in_gmin = np.zeros(n, bool)
    g = new[groot[0]]
    in_gmin[leaf_order[start[g] : start[g] + size[g]]] = True

    segments, segment_node = _segments(levels, x, level, parent, bottom, is_leaf)
    node_value = segment_value = None
    if values is not None:
        node_value = _branch_values(parent, minimum, values, BRANCH_VALUES.index(branch_value))
        segment_value = node_value[segment_node]
    return DGraph(
        levels=levels,
        segments=segments,
        segment_node=segment_node,
        segment_value=segment_value,
        leaf_x=leaf_x,
        leaf_node=leaf_node,
        leaf_order=leaf_order,
        node_level=level,
        node_rank=rank,
        node_energy=energy,
        node_bottom=bottom,
        node_x=x,
        node_parent=parent,
        node_start=start,
        node_size=size,
        node_minimum=minimum,
        node_value=node_value,
        disconnected=np.flatnonzero(~in_gmin),
        unconnected=np.flatnonzero(~joined),
    )


def _joined_to(n: int, target: int, tsa: np.ndarray, tsb: np.ndarray) -> np.ndarray:
    """Which of n minima transition states connect to minimum ``target`` (any energy)."""
    if n == 0:
        return np.zeros(0, bool)
    graph = scipy.sparse.coo_array((np.ones(tsa.size), (tsa, tsb)), shape=(n, n))
    _, label = scipy.sparse.csgraph.connected_components(graph, directed=False)
    return label == label[target]


def _empty(with_values: bool) -> DGraph:
    """The graph of a landscape without minima."""
    f, i = np.empty(0), np.empty(0, np.int64)
    fv = f if with_values else None
    return DGraph(
        levels=f,
        segments=np.empty((0, 4)),
        segment_node=i,
        segment_value=fv,
        leaf_x=f,
        leaf_node=i,
        leaf_order=i,
        node_level=i,
        node_rank=i,
        node_energy=f,
        node_bottom=f,
        node_x=f,
        node_parent=i,
        node_start=i,
        node_size=i,
        node_minimum=i,
        node_value=fv,
        disconnected=i,
        unconnected=i,
    )


def node_at(dg: DGraph, x: float, y: float, tol: float = 0.5) -> int | None:
    """Node whose line passes horizontally nearest to (x, y), if within ``tol`` (x units)."""
    return _nearest(dg, x, y, tol, np.ones(dg.segment_node.size, bool))


def leaf_at(dg: DGraph, x: float, y: float, tol: float = 0.5) -> int | None:
    """Minimum whose leaf line passes horizontally nearest to (x, y), if within ``tol``."""
    k = _nearest(dg, x, y, tol, dg.node_minimum[dg.segment_node] >= 0)
    return None if k is None else int(dg.node_minimum[k])


def _nearest(dg, x, y, tol, mask):
    """Node of the masked segment with the smallest horizontal distance at height y."""
    s = dg.segments[mask]
    if s.size == 0:
        return None
    x0, y0, x1, y1 = s.T
    dy = y1 - y0
    inside = (np.minimum(y0, y1) <= y) & (y <= np.maximum(y0, y1))
    t = np.divide(y - y0, dy, out=np.zeros_like(dy), where=dy != 0)
    xs = np.where(dy != 0, x0 + t * (x1 - x0), np.clip(x, np.minimum(x0, x1), np.maximum(x0, x1)))
    d = np.where(inside, np.abs(xs - x), np.inf)
    j = int(np.argmin(d))
    return int(dg.segment_node[mask][j]) if d[j] <= tol else None


def random_landscape(
    n_min: int, n_ts: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random connected landscape: a random spanning tree plus extra random TSs, energies
    uniform on [0, 1), each TS 0–1 above its higher minimum. For benchmarks and tests."""
    rng = np.random.default_rng(seed)
    e = rng.random(n_min)
    perm = rng.permutation(n_min)
    k = np.arange(1, n_min)
    a = np.concatenate((perm[k], rng.integers(0, n_min, max(n_ts - n_min + 1, 0))))
    b = np.concatenate(
        (
            perm[(rng.random(k.size) * k).astype(np.int64)],
            rng.integers(0, n_min, max(n_ts - n_min + 1, 0)),
        )
    )
    return e, np.maximum(e[a], e[b]) + rng.random(a.size), a, b


def bench_layout(n_min: int, n_ts: int, seed: int = 0) -> float:
    """Seconds to lay out a random connected landscape of ``n_min`` minima and ``n_ts`` TSs
    (compilation excluded)."""
    disconnectivity_graph(*random_landscape(10, 20, seed))
    land = random_landscape(n_min, n_ts, seed)
    t0 = time.perf_counter()
    disconnectivity_graph(*land)
    return time.perf_counter() - t0

"""Monotonic sequence basins and minimax barriers (SPEC §3.3): where downhill steps between
connected minima end, and the lowest possible highest TS on a path to a chosen minimum."""

from __future__ import annotations

import numpy as np
from numba import njit

from lmapp.landscape.dgraph import _find, clean_ts


def monotonic_sequence_basins(
    energies: np.ndarray, ts_min1: np.ndarray, ts_min2: np.ndarray
) -> np.ndarray:
    """Bottom minimum of each minimum's monotonic sequence basin.

    From each minimum step to its lowest TS-connected neighbour that is strictly lower (ties:
    lower index) until none is lower; minima sharing the end point form one MSB. TS energies
    play no part, so only the connections are taken.
    """
    e = np.asarray(energies, float).ravel()
    n = e.size
    _, a, b = clean_ts(e, np.zeros(np.size(ts_min1)), ts_min1, ts_min2)
    src = np.concatenate((a, b))
    dst = np.concatenate((b, a))
    down = e[dst] < e[src]
    src, dst = src[down], dst[down]
    pick = np.lexsort((dst, e[dst], src))  # per source: lowest neighbour first
    first = np.ones(pick.size, bool)
    first[1:] = src[pick][1:] != src[pick][:-1]
    step = np.arange(n)
    step[src[pick][first]] = dst[pick][first]
    while True:  # pointer jumping: each pass doubles the steps taken
        nxt = step[step]
        if np.array_equal(nxt, step):
            return step
        step = nxt


@njit(cache=True, nogil=True)
def _minimax(n, target, ts_e, ts_a, ts_b):
    """Kruskal sweep over TSs sorted by energy: when a component joins the target's, every
    minimum in it gets that TS's energy. Members are kept as linked lists per root."""
    uf = np.arange(n)
    usize = np.ones(n, np.int64)
    nxt = np.full(n, -1, np.int64)
    tail = np.arange(n)
    out = np.full(n, np.inf)
    for i in range(ts_e.size):
        ra = _find(uf, ts_a[i])
        rb = _find(uf, ts_b[i])
        if ra == rb:
            continue
        rt = _find(uf, target)
        if ra == rt or rb == rt:
            m = rb if ra == rt else ra
            while m >= 0:
                out[m] = ts_e[i]
                m = nxt[m]
        if usize[ra] < usize[rb]:
            ra, rb = rb, ra
        uf[rb] = ra
        usize[ra] += usize[rb]
        nxt[tail[ra]] = rb
        tail[ra] = tail[rb]
    return out


def minimax_barrier_to(
    target: int,
    energies: np.ndarray,
    ts_energy: np.ndarray,
    ts_min1: np.ndarray,
    ts_min2: np.ndarray,
) -> np.ndarray:
    """For each minimum, the highest TS energy on the minimax path to minimum ``target`` (the
    path whose highest TS is lowest); inf if not connected, the target's own energy for itself.

    TS energies below one of their minima are raised to it, as in the disconnectivity graph.
    """
    e = np.asarray(energies, float).ravel()
    if not 0 <= target < e.size:
        raise ValueError(f"target {target} out of range for {e.size} minima")
    tse, a, b = clean_ts(e, ts_energy, ts_min1, ts_min2)
    order = np.argsort(tse, kind="stable")
    out = _minimax(e.size, int(target), tse[order], a[order], b[order])
    out[target] = e[target]
    return out

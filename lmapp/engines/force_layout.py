"""Force-directed graph layout for 10⁴–10⁵ nodes: Fruchterman–Reingold forces (edges pull with
d²/k, all pairs push with k²/d, a cooling cap on each step) with the all-pairs push summed by
a Barnes–Hut quadtree, O(n log n) per iteration instead of networkx's O(n²).

Pure functions on arrays: positions (n, 2), the graph as CSR ``indptr``/``indices``; an abort
flag (``abort[0] != 0``) is read between iterations.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Barnes–Hut opening angle: a cell of width w at distance d counts as one body when w/d < θ
THETA = 0.8
_MAX_DEPTH = 48


@njit(cache=True, nogil=True)
def _quadrant(x, y, cx, cy):
    return (1 if x >= cx else 0) + (2 if y >= cy else 0)


@njit(cache=True, nogil=True)
def build_quadtree(pos):
    """A quadtree of the points: per cell its four children (−1 empty, ≥ 0 a cell, ≤ −2 the
    point −(c + 2)), centre, half width, body count and centre of mass; cells in creation
    order (a parent before its children). Points closer than the depth limit share a leaf
    cell's body list implicitly: the later one is nudged by a tiny offset."""
    n = pos.shape[0]
    cap = 4 * n + 16
    child = np.full((cap, 4), -1, np.int64)
    cx = np.empty(cap)
    cy = np.empty(cap)
    half = np.empty(cap)
    lo_x, hi_x = pos[:, 0].min(), pos[:, 0].max()
    lo_y, hi_y = pos[:, 1].min(), pos[:, 1].max()
    cx[0] = 0.5 * (lo_x + hi_x)
    cy[0] = 0.5 * (lo_y + hi_y)
    half[0] = 0.5 * max(hi_x - lo_x, hi_y - lo_y) * (1.0 + 1e-9) + 1e-12
    n_cells = 1
    for p in range(n):
        c = 0
        depth = 0
        while True:
            q = _quadrant(pos[p, 0], pos[p, 1], cx[c], cy[c])
            ch = child[c, q]
            if ch == -1:
                child[c, q] = -(p + 2)
                break
            if ch >= 0:
                c = ch
                depth += 1
                continue
            o = -(ch + 2)
            if depth >= _MAX_DEPTH or n_cells + 1 >= cap:  # (nearly) coincident points
                pos[p, 0] += half[c] * 1e-3 * (1.0 + (p % 7))
                pos[p, 1] += half[c] * 1e-3 * (1.0 + (p % 5))
                c = 0
                depth = 0
                continue
            nc = n_cells
            n_cells += 1
            h = 0.5 * half[c]
            cx[nc] = cx[c] + (h if q & 1 else -h)
            cy[nc] = cy[c] + (h if q & 2 else -h)
            half[nc] = h
            child[c, q] = nc
            child[nc, _quadrant(pos[o, 0], pos[o, 1], cx[nc], cy[nc])] = -(o + 2)
            c = nc
            depth += 1
    mass = np.zeros(n_cells)
    mx = np.zeros(n_cells)
    my = np.zeros(n_cells)
    for c in range(n_cells - 1, -1, -1):  # children were created after their parents
        for q in range(4):
            ch = child[c, q]
            if ch <= -2:
                o = -(ch + 2)
                mass[c] += 1.0
                mx[c] += pos[o, 0]
                my[c] += pos[o, 1]
            elif ch >= 0:
                mass[c] += mass[ch]
                mx[c] += mx[ch]
                my[c] += my[ch]
    for c in range(n_cells):
        if mass[c] > 0:
            mx[c] /= mass[c]
            my[c] /= mass[c]
    return child[:n_cells], half[:n_cells], mass, mx, my


@njit(cache=True, nogil=True)
def repulsion(pos, k, theta):
    """Σ over other points of k²/d along (p − o)/d for every point p (Fruchterman–Reingold's
    push), by Barnes–Hut with opening angle ``theta`` (0: exact)."""
    n = pos.shape[0]
    out = np.zeros((n, 2))
    if n < 2:
        return out
    child, half, mass, mx, my = build_quadtree(pos)
    k2 = k * k
    stack = np.empty(4 * _MAX_DEPTH + 8, np.int64)
    for p in range(n):
        px, py = pos[p, 0], pos[p, 1]
        fx = 0.0
        fy = 0.0
        top = 0
        stack[0] = 0
        top = 1
        while top > 0:
            top -= 1
            c = stack[top]
            for q in range(4):
                ch = child[c, q]
                if ch == -1:
                    continue
                if ch <= -2:
                    o = -(ch + 2)
                    if o == p:
                        continue
                    dx = px - pos[o, 0]
                    dy = py - pos[o, 1]
                    d2 = dx * dx + dy * dy + 1e-18
                    fx += k2 * dx / d2
                    fy += k2 * dy / d2
                    continue
                dx = px - mx[ch]
                dy = py - my[ch]
                d2 = dx * dx + dy * dy + 1e-18
                w = 2.0 * half[ch]
                if w * w < theta * theta * d2:  # far: the cell as one body of its mass
                    fx += mass[ch] * k2 * dx / d2
                    fy += mass[ch] * k2 * dy / d2
                else:
                    stack[top] = ch
                    top += 1
        out[p, 0] = fx
        out[p, 1] = fy
    return out


@njit(cache=True, nogil=True)
def force_layout(indptr, indices, pos, iterations, theta, abort):
    """Fruchterman–Reingold on the unit square's scale (k = 1/√n): ``iterations`` steps from
    ``pos`` (changed in place and returned), each step's length capped by a temperature that
    falls linearly from 0.1 to 0. Stops early when ``abort[0]`` is set."""
    n = pos.shape[0]
    if n < 2:
        return pos
    k = 1.0 / np.sqrt(n)
    for it in range(iterations):
        if abort[0] != 0:
            break
        t = 0.1 * (1.0 - it / iterations)
        disp = repulsion(pos, k, theta)
        for p in range(n):
            for e in range(indptr[p], indptr[p + 1]):
                o = indices[e]
                if o == p:
                    continue
                dx = pos[p, 0] - pos[o, 0]
                dy = pos[p, 1] - pos[o, 1]
                d = np.sqrt(dx * dx + dy * dy) + 1e-12
                disp[p, 0] -= dx * d / k  # |pull| = d²/k along −(p − o)/d
                disp[p, 1] -= dy * d / k
        for p in range(n):
            dl = np.sqrt(disp[p, 0] ** 2 + disp[p, 1] ** 2) + 1e-18
            step = min(dl, t)
            pos[p, 0] += disp[p, 0] / dl * step
            pos[p, 1] += disp[p, 1] / dl * step
    return pos

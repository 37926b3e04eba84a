"""Optimal linear assignment (the Hungarian method with potentials, O(n³)), jitted so that the
identity of minima can align hidden units inside walker threads without the GIL."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def assignment(cost):
    """Column assigned to each row of the square matrix ``cost`` minimising the total cost
    (the same optimum as ``scipy.optimize.linear_sum_assignment``)."""
    n = cost.shape[0]
    u = np.zeros(n + 1)
    v = np.zeros(n + 1)
    row_of = np.zeros(n + 1, np.int64)  # row (1-based) matched to column j; 0: none yet
    way = np.zeros(n + 1, np.int64)
    minv = np.empty(n + 1)
    used = np.empty(n + 1, np.bool_)
    for i in range(1, n + 1):
        row_of[0] = i
        j0 = 0
        minv[:] = np.inf
        used[:] = False
        while True:  # grow a shortest augmenting path from row i
            used[j0] = True
            i0 = row_of[j0]
            delta = np.inf
            j1 = 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(n + 1):
                if used[j]:
                    u[row_of[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if row_of[j0] == 0:
                break
        while j0 != 0:  # augment along the path
            j1 = way[j0]
            row_of[j0] = row_of[j1]
            j0 = j1
    col = np.empty(n, np.int64)
    for j in range(1, n + 1):
        col[row_of[j] - 1] = j - 1
    return col

"""Statistics over the pairs i < j of square matrices, streamed without copies: a 10⁴-minima
matrix has 5·10⁷ pairs, and index arrays for them alone would take 800 MB."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def upper_pearson(A, B):
    """Pearson correlation of A[i, j] and B[i, j] over i < j (two passes: means, then centred
    sums); NaN for fewer than two pairs or a constant matrix."""
    n = A.shape[0]
    m = n * (n - 1) // 2
    if m < 2:
        return np.nan
    sa = 0.0
    sb = 0.0
    a_lo = a_hi = float(A[0, 1])
    b_lo = b_hi = float(B[0, 1])
    for i in range(n):
        for j in range(i + 1, n):
            a = float(A[i, j])
            b = float(B[i, j])
            sa += a
            sb += b
            a_lo, a_hi = min(a_lo, a), max(a_hi, a)
            b_lo, b_hi = min(b_lo, b), max(b_hi, b)
    if a_lo == a_hi or b_lo == b_hi:
        return np.nan
    ma = sa / m
    mb = sb / m
    saa = 0.0
    sbb = 0.0
    sab = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            da = A[i, j] - ma
            db = B[i, j] - mb
            saa += da * da
            sbb += db * db
            sab += da * db
    return sab / np.sqrt(saa * sbb)

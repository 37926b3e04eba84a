"""xoshiro256** random numbers with explicit state, so a walker's stream can be saved in the
project file and resumed exactly, independent of how its steps were chunked."""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_U53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", nogil=True, cache=True)
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(nogil=True, cache=True)
def next_u64(s):
    """Advance state ``s`` (uint64[4], in place) and return the next 64-bit output."""
    result = _rotl(s[1] * uint64(5), 7) * uint64(9)
    t = s[1] << uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(nogil=True, cache=True)
def uniform(s):
    """A double uniform in [0, 1) from state ``s``."""
    return (next_u64(s) >> uint64(11)) * _U53


def seed_state(*key: int) -> np.ndarray:
    """A well-mixed initial state from integers (e.g. run seed and walker index)."""
    words = np.random.SeedSequence(list(key)).generate_state(4, np.uint64)
    if not words.any():
        words[0] = 1
    return words.astype(np.uint64)

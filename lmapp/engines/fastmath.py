"""Vectorisable exp, tanh and log for the network kernels.

libm's exp/tanh/log are scalar calls that stop LLVM from vectorising a loop; these versions use
only arithmetic and integer bit operations, so loops over data points run in SIMD lanes. exp:
Cody–Waite range reduction, a degree-13 Taylor polynomial, exponent assembly via the 1.5·2⁵²
shifter; log: exponent and mantissa from the bits, then the atanh series of the mantissa.
Accuracy: within 2 ulp of libm (tested; log on positive normal numbers).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer held in the low bits
_SHIFTER_BITS = 0x4338000000000000


@intrinsic
def _as_int64(typingctx, x):
    """Reinterpret the bits of a float64 as int64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _as_float64(typingctx, x):
    """Reinterpret the bits of an int64 as float64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(inline="always", nogil=True, cache=True)
def exp(x):
    """e**x for float64 x (clamped to [-708, 709]: underflows to ~0, no overflow to inf)."""
    x = min(max(x, -708.0), 709.0)
    kd = x * _LOG2E + _SHIFTER
    n = kd - _SHIFTER
    r = (x - n * _LN2_HI) - n * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    # numba's stubs type an @intrinsic by its definition (typingctx, x) and as never returning
    scale = _as_float64((_as_int64(kd) - _SHIFTER_BITS + 1023) << 52)  # type: ignore[call-arg, var-annotated]
    return p * scale


@njit(inline="always", nogil=True, cache=True)
def tanh(z):
    """tanh via exp(−2|z|); absolute error ≲ 2e−16."""
    e = exp(-2.0 * abs(z))
    return np.copysign((1.0 - e) / (1.0 + e), z)


_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000
_SQRT2 = 1.4142135623730951


@njit(inline="always", nogil=True, cache=True)
def log(x):
    """Natural log of a positive normal float64 (no checks: zero, subnormals, inf and nan are
    outside its domain). x = 2ᵉ·m with m in [√½, √2), ln m = 2 atanh(f / (2 + f)), f = m − 1."""
    bits = _as_int64(x)  # type: ignore[call-arg, var-annotated]
    e = float((bits >> 52) - 1023)
    m = _as_float64((bits & _MANTISSA) | _ONE_BITS)
    if m > _SQRT2:
        m *= 0.5
        e += 1.0
    f = m - 1.0
    s = f / (2.0 + f)  # |s| ≤ 0.1716
    z = s * s
    p = 2.0 / 21.0  # 2z⁰/3 + 2z/5 + … : atanh's series up to s²¹ (next term < 1e-18 of ln m)
    p = p * z + 2.0 / 19.0
    p = p * z + 2.0 / 17.0
    p = p * z + 2.0 / 15.0
    p = p * z + 2.0 / 13.0
    p = p * z + 2.0 / 11.0
    p = p * z + 2.0 / 9.0
    p = p * z + 2.0 / 7.0
    p = p * z + 2.0 / 5.0
    p = p * z + 2.0 / 3.0
    # ln m = 2s + s·z·p = f − s·(f − z·p), since f − s·f = 2s: f is exact, the rest small
    lnm = f - s * (f - z * p)
    return e * _LN2_HI + (lnm + e * _LN2_LO)

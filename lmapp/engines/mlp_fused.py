"""Loss and gradient of a narrow one-hidden-layer tanh/softmax network with mean cross-entropy
(the seeds' spiral nets: 2 inputs, 3 or 10 hidden units) in one pass over blocks of data points
that stay in L1 cache: no full-size temporaries and no BLAS calls, a quarter faster than the
general layer-by-layer kernels of :mod:`.mlp`, which every other network uses.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import fastmath, mlp

#: data points per block (the hidden activations and logits of a block fit in L1)
BLOCK = 256


@njit(cache=True, nogil=True)
def fused(sizes, loss_kind):
    """Whether the fused kernel applies: one hidden layer, narrow inputs, cross-entropy."""
    return sizes.shape[0] == 3 and sizes[0] < mlp.WIDE and loss_kind == mlp.CROSS_ENTROPY


@njit(cache=True, nogil=True)
def fg(w, args):
    """Loss and gradient with respect to the free parameters (as :func:`.mlp.fg`)."""
    XT, y, sizes, free, reg, lam, loss_kind, _beta = args
    if not fused(sizes, loss_kind):
        return mlp.fg(w, args)
    wf = mlp.expand(w, free, reg.shape[0])
    loss, gfull = _loss_and_full_gradient(wf, XT, y, sizes)
    return mlp.penalised(loss, gfull, wf, free, reg, lam)


@njit(**mlp.REDUCE)
def _dot(a, b, n):
    """Σ a[i] b[i] for i < n."""
    s = 0.0
    for i in range(n):
        s += a[i] * b[i]
    return s


@njit(**mlp.PLAIN)
def _loss_and_full_gradient(wf, XT, y, sizes):
    """Loss (no penalty) and full gradient of a one-hidden-layer tanh/softmax net with mean
    cross-entropy, in blocks of data points that stay in L1."""
    woff, boff, _, nfull, _ = mlp.layer_offsets(sizes)
    K, N = XT.shape
    H = sizes[1]
    C = sizes[2]
    W1 = wf[woff[0] : woff[0] + H * K].reshape(H, K)
    b1 = wf[boff[0] : boff[0] + H]
    W2 = wf[woff[1] : woff[1] + C * H].reshape(C, H)
    b2 = wf[boff[1] : boff[1] + C]
    g = np.zeros(nfull)
    gW1 = g[woff[0] : woff[0] + H * K].reshape(H, K)
    gb1 = g[boff[0] : boff[0] + H]
    gW2 = g[woff[1] : woff[1] + C * H].reshape(C, H)
    gb2 = g[boff[1] : boff[1] + C]
    h = np.empty((H, BLOCK))
    z = np.empty((C, BLOCK))
    m = np.empty(BLOCK)
    s = np.empty(BLOCK)
    t = np.empty(BLOCK)
    e = np.empty(BLOCK)
    inv = 1.0 / N
    loss = 0.0
    for n0 in range(0, N, BLOCK):
        nb = min(BLOCK, N - n0)
        for j in range(H):
            hj = h[j]
            bj = b1[j]
            for i in range(nb):
                hj[i] = bj
            for k in range(K):
                w = W1[j, k]
                xk = XT[k, n0 : n0 + nb]
                for i in range(nb):
                    hj[i] += w * xk[i]
            for i in range(nb):
                hj[i] = fastmath.tanh(hj[i])
        for c in range(C):
            zc = z[c]
            bc = b2[c]
            for i in range(nb):
                zc[i] = bc
            for j in range(H):
                w = W2[c, j]
                hj = h[j]
                for i in range(nb):
                    zc[i] += w * hj[i]
        for i in range(nb):
            m[i] = z[0, i]
        for c in range(1, C):
            zc = z[c]
            for i in range(nb):
                m[i] = max(m[i], zc[i])
        for i in range(nb):
            s[i] = 0.0
            t[i] = 0.0
        yb = y[n0 : n0 + nb]
        for c in range(C):  # z[c] becomes exp(z − m); t collects the true class's logit
            zc = z[c]
            for i in range(nb):
                t[i] += zc[i] if yb[i] == c else 0.0
                zc[i] = fastmath.exp(zc[i] - m[i])
                s[i] += zc[i]
        for i in range(nb):
            e[i] = m[i] + fastmath.log(s[i]) - t[i]  # the item's cross-entropy
            s[i] = inv / s[i]
        loss += mlp.sum_first(e, nb)
        for c in range(C):  # z[c] becomes dL/dz_c = (p_c − [y = c]) / N
            zc = z[c]
            for i in range(nb):
                zc[i] = zc[i] * s[i] - (inv if yb[i] == c else 0.0)
            gb2[c] += mlp.sum_first(zc, nb)
            for j in range(H):
                gW2[c, j] += _dot(zc, h[j], nb)
        for j in range(H):  # e becomes the hidden unit's delta
            for i in range(nb):
                e[i] = 0.0
            for c in range(C):
                w = W2[c, j]
                zc = z[c]
                for i in range(nb):
                    e[i] += w * zc[i]
            hj = h[j]
            for i in range(nb):
                e[i] *= 1.0 - hj[i] * hj[i]
            gb1[j] += mlp.sum_first(e, nb)
            for k in range(K):
                gW1[j, k] += _dot(e, XT[k, n0 : n0 + nb], nb)
    return loss * inv, g

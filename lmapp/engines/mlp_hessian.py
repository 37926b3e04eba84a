"""The exact Hessian of a one-hidden-layer tanh/softmax network with cross-entropy loss,
assembled from its block structure with matrix products (BLAS) instead of one
Hessian-vector product per parameter: a few loss evaluations' worth of work for small inputs,
and for [784, 10, 10] on 1000 items a fraction of one dense factorisation of the result.

With x̃ = (x, 1), h = tanh(W₁x + b₁), h̃ = (h, 1), z = W₂h + b₂, p = softmax(z), r = p − onehot(y)
and S = diag(p) − ppᵀ (each over N), the first layer's parameters U[j, k̃] and the second's
V[c, j̃] have (sums over data points):

- UU[(j,k̃),(j',k̃')] = Σ M[j,j'] x̃_k̃ x̃_k̃',  M = diag(h′)W₂ᵀSW₂diag(h′) + diag(h″ ⊙ W₂ᵀr)
- VV[(c,j̃),(c',j̃')] = Σ S[c,c'] h̃_j̃ h̃_j̃'
- UV[(j,k̃),(c,j̃)] = Σ x̃_k̃ (h′_j p_c (W₂[c,j] − (W₂ᵀp)_j) h̃_j̃ + δ_jj̃ h′_j r_c)

with h′ = 1 − h², h″ = −2hh′, plus 2λ on the diagonal of the regularised entries. Any other
network or loss uses :func:`lmapp.engines.mlp.hessian` (one R-operator product per column).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import mlp


@njit(cache=True, nogil=True)
def structured(sizes, loss_kind):
    """Whether the block formula applies: one hidden layer and cross-entropy."""
    return sizes.shape[0] == 3 and loss_kind == mlp.CROSS_ENTROPY


#: rows up to which a weighted Gram matrix is summed by loops (no BLAS call overhead)
_SMALL_GRAM = 16


@njit(**mlp.REDUCE)
def _gram(M, MT, weight):
    """Σ_n weight[n] M[:, n] M[:, n]ᵀ (MT: M transposed, contiguous)."""
    rows, N = M.shape
    if rows > _SMALL_GRAM:
        return (M * weight) @ MT
    G = np.empty((rows, rows))
    for k in range(rows):
        for k2 in range(k, rows):
            s = 0.0
            a = M[k]
            b = M[k2]
            for n in range(N):
                s += weight[n] * a[n] * b[n]
            G[k, k2] = s
            G[k2, k] = s
    return G


@njit(**mlp.PLAIN)
def _pair_products(M):
    """Rows M[k] ⊙ M[k'] for k ≤ k' (row-major over the pairs)."""
    rows, N = M.shape
    out = np.empty((rows * (rows + 1) // 2, N))
    i = 0
    for k in range(rows):
        for k2 in range(k, rows):
            dst, a, b = out[i], M[k], M[k2]
            for n in range(N):
                dst[n] = a[n] * b[n]
            i += 1
    return out


@njit(**mlp.PLAIN)
def _outer_rows(M1, M2):
    """Rows M1[a] ⊙ M2[b] for every (a, b) (row-major over the pairs)."""
    r1, N = M1.shape
    r2 = M2.shape[0]
    out = np.empty((r1 * r2, N))
    for a in range(r1):
        for b in range(r2):
            dst, x, z = out[a * r2 + b], M1[a], M2[b]
            for n in range(N):
                dst[n] = x[n] * z[n]
    return out


@njit(cache=True, nogil=True)
def _put_block(out, G, rows, cols):
    """out[rows[a], cols[b]] = G[a, b], and its mirror image (the Hessian is symmetric)."""
    for a in range(rows.shape[0]):
        for b in range(cols.shape[0]):
            out[rows[a], cols[b]] = G[a, b]
            out[cols[b], rows[a]] = G[a, b]


@njit(cache=True, nogil=True, error_model="numpy")
def _full_hessian(wf, XT, y, sizes, A, P):
    """The data part of the Hessian over all full-layout entries (no λ term)."""
    woff, boff, _, nfull, _ = mlp.layer_offsets(sizes)
    K, N = XT.shape
    H = sizes[1]
    C = sizes[2]
    inv = 1.0 / N
    W2 = wf[woff[1] : woff[1] + C * H].reshape(C, H)
    Xt = np.empty((K + 1, N))  # x̃, unit-major
    Xt[:K] = XT
    Xt[K] = 1.0
    Ht = np.empty((H + 1, N))  # h̃
    Ht[:H] = A
    Ht[H] = 1.0
    hp = 1.0 - Ht[:H] * Ht[:H]  # h′ (H, N)
    hpp = -2.0 * Ht[:H] * hp  # h″
    r = P.copy()  # p − onehot(y), over N
    for n in range(N):
        r[y[n], n] -= 1.0
    r *= inv
    q = W2.T @ P  # (W₂ᵀp)_j per point, (H, N)
    wr = W2.T @ r  # (W₂ᵀr)_j
    # index of each grouped parameter in the full layout
    u_index = np.empty((H, K + 1), np.int64)
    for j in range(H):
        for k in range(K):
            u_index[j, k] = woff[0] + j * K + k
        u_index[j, K] = boff[0] + j
    v_index = np.empty((C, H + 1), np.int64)
    for c in range(C):
        for j in range(H):
            v_index[c, j] = woff[1] + c * H + j
        v_index[c, H] = boff[1] + c
    out = np.zeros((nfull, nfull))
    # UU: the weight of each pair of hidden units, over data points
    n_pairs = H * (H + 1) // 2
    coef = np.empty((n_pairs, C))  # W₂[c,j] W₂[c,j'] per pair of hidden units
    pair = 0
    for j in range(H):
        for j2 in range(j, H):
            for c in range(C):
                coef[pair, c] = W2[c, j] * W2[c, j2]
            pair += 1
    weights = coef @ P  # Σ_c p_c W₂[c,j] W₂[c,j'], then the weight of each pair of units
    pair = 0
    for j in range(H):
        for j2 in range(j, H):
            weight, a, b, qa, qb = weights[pair], hp[j], hp[j2], q[j], q[j2]
            if j2 == j:
                e, f = hpp[j], wr[j]
                for n in range(N):
                    weight[n] = a[n] * b[n] * (weight[n] - qa[n] * qb[n]) * inv + e[n] * f[n]
            else:
                for n in range(N):
                    weight[n] = a[n] * b[n] * (weight[n] - qa[n] * qb[n]) * inv
            pair += 1
    XtT = np.ascontiguousarray(Xt.T)
    n_kk = (K + 1) * (K + 2) // 2
    if n_kk <= n_pairs:  # few inputs: every pair's Gram matrix of x̃ from one product
        XX = _pair_products(Xt)
        G = weights @ np.ascontiguousarray(XX.T)  # (pairs, input pairs)
        pair = 0
        for j in range(H):
            for j2 in range(j, H):
                kk = 0
                for k in range(K + 1):
                    for k2 in range(k, K + 1):
                        v = G[pair, kk]
                        a, b = u_index[j, k], u_index[j2, k2]
                        out[a, b] = out[b, a] = v
                        a, b = u_index[j, k2], u_index[j2, k]
                        out[a, b] = out[b, a] = v
                        kk += 1
                pair += 1
    else:  # one weighted Gram matrix of x̃ per pair of hidden units
        pair = 0
        for j in range(H):
            for j2 in range(j, H):
                _put_block(out, _gram(Xt, XtT, weights[pair]), u_index[j], u_index[j2])
                pair += 1
    # VV: one weighted Gram matrix of h̃ per pair of classes
    HtT = np.ascontiguousarray(Ht.T)
    weight = np.empty(N)
    for c in range(C):
        for c2 in range(c, C):
            pa, pb = P[c], P[c2]
            for n in range(N):
                weight[n] = -pa[n] * pb[n] * inv
            if c == c2:
                for n in range(N):
                    weight[n] += pa[n] * inv
            _put_block(out, _gram(Ht, HtT, weight), v_index[c], v_index[c2])
    # UV: Σ x̃_k̃ (g[j,c] h̃_j̃ + δ_jj̃ h′_j r_c) with g[j,c] = h′_j p_c (W₂[c,j] − (W₂ᵀp)_j)
    g = np.empty((H * C, N))
    hr = np.empty((H * C, N))
    for j in range(H):
        for c in range(C):
            a, pc, qj, rc = hp[j], P[c], q[j], r[c]
            w2 = W2[c, j]
            gjc, hrjc = g[j * C + c], hr[j * C + c]
            for n in range(N):
                gjc[n] = a[n] * pc[n] * (w2 - qj[n]) * inv
                hrjc[n] = a[n] * rc[n]
    D = hr @ XtT  # the δ term, (H·C, K + 1)
    if K + 1 <= H * C:  # few inputs: the products x̃_k̃ h̃_j̃ are the smaller matrix
        XH = _outer_rows(Xt, Ht)
        G = g @ np.ascontiguousarray(XH.T)  # (H·C, (K + 1)(H + 1))
        for j in range(H):
            for c in range(C):
                row = j * C + c
                for j2 in range(H + 1):
                    ib = v_index[c, j2]
                    for k in range(K + 1):
                        v = G[row, k * (H + 1) + j2] + (D[row, k] if j2 == j else 0.0)
                        ia = u_index[j, k]
                        out[ia, ib] = out[ib, ia] = v
    else:  # many inputs: x̃ against every (j, c, j̃) combination at once
        G = _outer_rows(g, Ht) @ XtT  # (H·C·(H + 1), K + 1)
        row = 0
        for j in range(H):
            for c in range(C):
                for j2 in range(H + 1):
                    ib = v_index[c, j2]
                    for k in range(K + 1):
                        v = G[row, k] + (D[j * C + c, k] if j2 == j else 0.0)
                        ia = u_index[j, k]
                        out[ia, ib] = out[ib, ia] = v
                    row += 1
    return out


@njit(cache=True, nogil=True)
def hessian(w, args):
    """Exact Hessian of the free parameters: the block formula where it applies, else one
    R-operator product per column (:func:`lmapp.engines.mlp.hessian`)."""
    XT, y, sizes, free, reg, lam, loss_kind, _beta = args
    if not structured(sizes, loss_kind):
        return mlp.hessian(w, args)
    wf = mlp.expand(w, free, reg.shape[0])
    A, Z = mlp._forward(wf, XT, sizes)
    P, _ = mlp._softmax(Z)
    full = _full_hessian(wf, XT, y, sizes, A, P)
    n = free.shape[0]
    if n == reg.shape[0]:  # no frozen entries: the full matrix is the answer
        for i in range(n):
            full[i, i] += 2.0 * lam * reg[i]
        return full
    out = np.empty((n, n))
    for i in range(n):
        fi = free[i]
        for i2 in range(n):
            out[i, i2] = full[fi, free[i2]]
        out[i, i] += 2.0 * lam * reg[fi]
    return out

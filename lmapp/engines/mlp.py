"""Jitted kernels for the tanh/softmax classifier: loss, gradient, exact Hessian-vector product
and exact Hessian, for cross-entropy and appAUC losses (SPEC §1.1).

Parameter layout ("full" vector): for each layer from the input side, the weight matrix W of
shape (out, in) in row-major order followed by the bias vector b (out). A model optimises only
the *free* entries ``full[free]``; weights removed by node locality stay at zero.

All kernels take ``args = (XT, y, sizes, free, reg, lam, loss_kind, beta)``:
XT (K, N) inputs, one row per input unit (data points contiguous, as the loops read them),
y (N,) int labels, sizes = [K, H1, ..., C], free = indices of the optimised entries of the
full vector, reg = 1/0 per full entry (which entries λ‖·‖² penalises),
lam = λ, loss_kind = 0 (cross-entropy) or 1 (appAUC), beta = appAUC sigmoid steepness.
The Hessian-vector product is exact (Pearlmutter's R-operator), not finite differences.

Internally the hidden activations are stored unit-major too, ``A[Σ hidden, N]``, so every
inner loop runs over data points contiguously and vectorises.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from . import fastmath

CROSS_ENTROPY = 0
APPAUC = 1

# error_model="numpy": no zero-division checks, so loops vectorise. Only contraction (FMA) is
# allowed: fastmath.exp's range reduction relies on exact rounding, so no reassociation.
PLAIN: dict[str, Any] = dict(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
#: for sums over data points that call no fastmath function: reassociation lets LLVM split a
#: sum across SIMD lanes (5× faster; the order is fixed by the compiled code, so deterministic)
REDUCE: dict[str, Any] = dict(PLAIN, fastmath={"contract", "reassoc"})


@njit(cache=True, nogil=True)
def layer_offsets(sizes):
    """Start of each layer's W and b in the full vector, and of its hidden units in the
    activation rows (after the K input rows); also the full length and the hidden total."""
    nl = sizes.shape[0] - 1
    woff = np.empty(nl, np.int64)
    boff = np.empty(nl, np.int64)
    aoff = np.zeros(nl, np.int64)
    pos = 0
    a = 0
    for l in range(nl):
        woff[l] = pos
        pos += sizes[l] * sizes[l + 1]
        boff[l] = pos
        pos += sizes[l + 1]
        aoff[l] = a
        if l < nl - 1:
            a += sizes[l + 1]
    return woff, boff, aoff, pos, a


@njit(cache=True, nogil=True)
def expand(w, free, n_full):
    """Full parameter vector with the free entries set from ``w`` and the frozen ones zero."""
    full = np.zeros(n_full)
    for i in range(free.shape[0]):
        full[free[i]] = w[i]
    return full


@njit(cache=True, nogil=True)
def _layer_input(XT, A, aoff, sizes, l):
    """The rows layer l reads: the inputs for the first layer, else the hidden layer below."""
    if l == 0:
        return XT
    return A[aoff[l - 1] : aoff[l - 1] + sizes[l]]


#: layers with at least this many inputs are multiplied by BLAS (MNIST's 784), narrower ones
#: by loops over data points (no call or allocation overhead)
WIDE = 64


@njit(**PLAIN)
def _add_product(dst, W, src):
    """dst += W @ src for W (out, in) and src (in, N) rows of data points."""
    n_out, n_in = W.shape
    if n_in >= WIDE:
        dst += np.dot(W, src)
        return
    N = src.shape[1]
    for j in range(n_out):
        row = dst[j]
        for k in range(n_in):
            w = W[j, k]
            a = src[k]
            for n in range(N):
                row[n] += w * a[n]


@njit(cache=True, nogil=True)
def _affine(out, w, woff, boff, n_in, inp):
    """out = b + W·inp for the layer whose weights W (out rows × n_in) start at w[woff] and
    biases at w[boff] (w: parameters, or a direction in parameter space)."""
    n_out = out.shape[0]
    for j in range(n_out):
        out[j] = w[boff + j]
    _add_product(out, w[woff : woff + n_out * n_in].reshape(n_out, n_in), inp)


@njit(**PLAIN)
def _forward(wf, XT, sizes):
    """Hidden activations A (Σ hidden, N) and logits Z (C, N) on inputs XT (K, N)."""
    woff, boff, aoff, _, ntot = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    N = XT.shape[1]
    A = np.empty((ntot, N))
    Z = np.empty((sizes[nl], N))
    for l in range(nl):
        n_in = sizes[l]
        n_out = sizes[l + 1]
        out = Z if l == nl - 1 else A[aoff[l] : aoff[l] + n_out]
        _affine(out, wf, woff[l], boff[l], n_in, _layer_input(XT, A, aoff, sizes, l))
        if l < nl - 1:
            for j in range(n_out):
                row = out[j]
                for n in range(N):
                    row[n] = fastmath.tanh(row[n])
    return A, Z


@njit(**REDUCE)
def sum_first(a, N):
    """Σ a[n] for n < N."""
    s = 0.0
    for n in range(N):
        s += a[n]
    return s


@njit(**PLAIN)
def _softmax(Z):
    """Probabilities P (C, N) and log-normaliser lse (N,) of logits Z, overflow-free."""
    C, N = Z.shape
    m = Z[0].copy()
    for c in range(1, C):
        for n in range(N):
            m[n] = max(m[n], Z[c, n])
    P = np.empty((C, N))
    s = np.zeros(N)
    for c in range(C):
        for n in range(N):
            P[c, n] = fastmath.exp(Z[c, n] - m[n])
            s[n] += P[c, n]
    for c in range(C):
        for n in range(N):
            P[c, n] /= s[n]
    lse = np.empty(N)
    for n in range(N):
        lse[n] = m[n] + fastmath.log(s[n])  # s ≥ 1
    return P, lse


@njit(**REDUCE)
def _ce_out(Z, P, lse, y):
    """Mean cross-entropy and dL/dlogits D (C, N)."""
    C, N = P.shape
    inv = 1.0 / N
    loss = 0.0
    D = np.empty((C, N))
    for c in range(C):
        for n in range(N):
            D[c, n] = P[c, n] * inv
    for n in range(N):
        loss += lse[n] - Z[y[n], n]
        D[y[n], n] -= inv
    return loss * inv, D


@njit(**PLAIN)
def _sigmoid(z):
    e = fastmath.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


@njit(**PLAIN)
def _auc_pairs(P, y, beta):
    """appAUC value A and dA/dq_n for q_n = p_1(x_n) (positive class 1)."""
    N = P.shape[1]
    npos = 0
    for n in range(N):
        if y[n] == 1:
            npos += 1
    nneg = N - npos
    dq = np.zeros(N)
    if npos == 0 or nneg == 0:
        return 0.0, dq, npos, nneg
    norm = 1.0 / (npos * nneg)
    A = 0.0
    for p in range(N):
        if y[p] != 1:
            continue
        for n in range(N):
            if y[n] == 1:
                continue
            s = _sigmoid(beta * (P[1, p] - P[1, n]))
            A += s
            ds = beta * s * (1.0 - s) * norm
            dq[p] += ds
            dq[n] -= ds
    return A * norm, dq, npos, nneg


@njit(**PLAIN)
def _auc_out(P, y, beta):
    """appAUC loss −A and dL/dlogits D (C, N)."""
    C, N = P.shape
    A, dq, _, _ = _auc_pairs(P, y, beta)
    D = np.empty((C, N))
    for c in range(C):
        e = 1.0 if c == 1 else 0.0
        for n in range(N):
            D[c, n] = -dq[n] * P[1, n] * (e - P[c, n])
    return -A, D


@njit(**PLAIN)
def _rprobs(P, RZ):
    """R-derivative of the softmax probabilities."""
    C, N = P.shape
    mean = np.zeros(N)
    for c in range(C):
        for n in range(N):
            mean[n] += P[c, n] * RZ[c, n]
    RP = np.empty((C, N))
    for c in range(C):
        for n in range(N):
            RP[c, n] = P[c, n] * (RZ[c, n] - mean[n])
    return RP


@njit(**PLAIN)
def _auc_rout(P, RZ, y, beta):
    """R-derivative of the appAUC dL/dlogits."""
    C, N = P.shape
    RP = _rprobs(P, RZ)
    _, dq, npos, nneg = _auc_pairs(P, y, beta)
    rdq = np.zeros(N)
    if npos > 0 and nneg > 0:
        norm = beta * beta / (npos * nneg)
        for p in range(N):
            if y[p] != 1:
                continue
            for n in range(N):
                if y[n] == 1:
                    continue
                s = _sigmoid(beta * (P[1, p] - P[1, n]))
                s2 = s * (1.0 - s) * (1.0 - 2.0 * s) * norm * (RP[1, p] - RP[1, n])
                rdq[p] += s2
                rdq[n] -= s2
    RD = np.empty((C, N))
    for c in range(C):
        e = 1.0 if c == 1 else 0.0
        for n in range(N):
            q = P[1, n]
            RD[c, n] = -(
                rdq[n] * q * (e - P[c, n]) + dq[n] * RP[1, n] * (e - P[c, n]) - dq[n] * q * RP[c, n]
            )
    return RD


@njit(**PLAIN)
def _rforward(wf, vf, XT, A, sizes):
    """R-operator forward pass: directional derivatives RA of the hidden activations and RZ of
    the logits along ``vf``."""
    woff, boff, aoff, _, _ = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    N = XT.shape[1]
    RA = np.empty(A.shape)
    RZ = np.empty((sizes[nl], N))
    for l in range(nl):
        n_in = sizes[l]
        n_out = sizes[l + 1]
        out = RZ if l == nl - 1 else RA[aoff[l] : aoff[l] + n_out]
        _affine(out, vf, woff[l], boff[l], n_in, _layer_input(XT, A, aoff, sizes, l))
        if l > 0:  # the inputs are constants: no R-derivative below the first layer
            W = wf[woff[l] : woff[l] + n_out * n_in].reshape(n_out, n_in)
            _add_product(out, W, _layer_input(XT, RA, aoff, sizes, l))
        if l < nl - 1:
            for j in range(n_out):
                row, a = out[j], A[aoff[l] + j]
                for n in range(N):
                    row[n] *= 1.0 - a[n] * a[n]
    return RA, RZ


@njit(**REDUCE)
def _accumulate(out, wstart, bstart, D, A):
    """Add Σ_n D[j, n] A[k, n] to the layer's weights at ``out[wstart:]`` (row-major j, k) and
    Σ_n D[j, n] to its biases at ``out[bstart:]`` (skipped if bstart < 0). BLAS for many data
    points, plain loops (no call or allocation overhead) for few."""
    n_out, N = D.shape
    n_in = A.shape[0]
    if N >= 64:
        G = D @ A.T
        for j in range(n_out):
            for k in range(n_in):
                out[wstart + j * n_in + k] += G[j, k]
    else:
        for j in range(n_out):
            for k in range(n_in):
                s = 0.0
                for n in range(N):
                    s += D[j, n] * A[k, n]
                out[wstart + j * n_in + k] += s
    if bstart >= 0:
        for j in range(n_out):
            out[bstart + j] += sum_first(D[j], N)


@njit(**PLAIN)
def _propagate(W, D, A):
    """Deltas of the layer below: (Wᵀ D) ⊙ (1 − A²) for activations A of that layer."""
    n_in = W.shape[1]
    N = A.shape[1]
    Dn = np.zeros((n_in, N))
    _add_product(Dn, W.T, D)
    for k in range(n_in):
        dn, a = Dn[k], A[k]
        for n in range(N):
            dn[n] *= 1.0 - a[n] * a[n]
    return Dn


@njit(**PLAIN)
def _rpropagate(W, V, D, RD, A, RA):
    """R-derivative of :func:`_propagate` along (V, RA)."""
    n_out, n_in = W.shape
    N = A.shape[1]
    RDn = np.empty((n_in, N))
    e = np.empty(N)
    for k in range(n_in):
        rdn = RDn[k]
        for n in range(N):
            e[n] = 0.0
            rdn[n] = 0.0
        for j in range(n_out):
            w = W[j, k]
            v = V[j, k]
            d = D[j]
            rd = RD[j]
            for n in range(N):
                e[n] += w * d[n]
                rdn[n] += v * d[n] + w * rd[n]
        a = A[k]
        ra = RA[k]
        for n in range(N):
            rdn[n] = rdn[n] * (1.0 - a[n] * a[n]) - 2.0 * e[n] * a[n] * ra[n]
    return RDn


@njit(**PLAIN)
def _backward(wf, vf, XT, A, RA, D, RD, sizes, with_r):
    """Backpropagate dL/dlogits D into the full gradient; with ``with_r`` propagate the
    R-derivatives too and return the full Hessian-vector product instead."""
    woff, boff, aoff, nfull, _ = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    out = np.zeros(nfull)
    for l in range(nl - 1, -1, -1):
        n_in = sizes[l]
        n_out = sizes[l + 1]
        Ain = _layer_input(XT, A, aoff, sizes, l)
        if with_r:
            _accumulate(out, woff[l], boff[l], RD[:n_out], Ain)
            if l > 0:
                _accumulate(out, woff[l], -1, D[:n_out], _layer_input(XT, RA, aoff, sizes, l))
        else:
            _accumulate(out, woff[l], boff[l], D[:n_out], Ain)
        if l == 0:
            break
        W = wf[woff[l] : woff[l] + n_out * n_in].reshape(n_out, n_in)
        Dn = _propagate(W, D, Ain)
        if with_r:
            V = vf[woff[l] : woff[l] + n_out * n_in].reshape(n_out, n_in)
            RD = _rpropagate(W, V, D, RD, Ain, _layer_input(XT, RA, aoff, sizes, l))
        D = Dn
    return out


@njit(cache=True, nogil=True)
def _outputs(Z, P, lse, y, loss_kind, beta):
    """Loss value and dL/dlogits for the chosen loss."""
    if loss_kind == APPAUC:
        return _auc_out(P, y, beta)
    return _ce_out(Z, P, lse, y)


@njit(cache=True, nogil=True)
def _prepare(w, args):
    """Forward pass shared by gradient, HVP and Hessian."""
    XT, y, sizes, free, reg, _lam, loss_kind, beta = args
    wf = expand(w, free, reg.shape[0])
    A, Z = _forward(wf, XT, sizes)
    P, lse = _softmax(Z)
    loss, D = _outputs(Z, P, lse, y, loss_kind, beta)
    return wf, A, P, loss, D


@njit(cache=True, nogil=True)
def fg(w, args):
    """Loss and gradient with respect to the free parameters ``w``."""
    XT, _y, sizes, free, reg, lam, _loss_kind, _beta = args
    wf, A, _P, loss, D = _prepare(w, args)
    gfull = _backward(wf, wf, XT, A, A, D, D, sizes, False)
    return penalised(loss, gfull, wf, free, reg, lam)


@njit(cache=True, nogil=True)
def penalised(loss, gfull, wf, free, reg, lam):
    """The loss plus λ Σ reg·w², and its gradient on the free entries, from the data part's
    value and full-layout gradient."""
    g = np.empty(free.shape[0])
    for i in range(free.shape[0]):
        fi = free[i]
        loss += lam * reg[fi] * wf[fi] * wf[fi]
        g[i] = gfull[fi] + 2.0 * lam * reg[fi] * wf[fi]
    return loss, g


@njit(cache=True, nogil=True)
def _hvp_prepared(wf, v, args, A, P, D):
    XT, y, sizes, free, reg, lam, loss_kind, beta = args
    vf = expand(v, free, reg.shape[0])
    RA, RZ = _rforward(wf, vf, XT, A, sizes)
    RD = _auc_rout(P, RZ, y, beta) if loss_kind == APPAUC else _rprobs(P, RZ) / P.shape[1]
    hfull = _backward(wf, vf, XT, A, RA, D, RD, sizes, True)
    hv = np.empty(free.shape[0])
    for i in range(free.shape[0]):
        fi = free[i]
        hv[i] = hfull[fi] + 2.0 * lam * reg[fi] * vf[fi]
    return hv


@njit(cache=True, nogil=True)
def hvp(w, v, args):
    """Exact Hessian-vector product H(w)·v."""
    wf, A, P, _, D = _prepare(w, args)
    return _hvp_prepared(wf, v, args, A, P, D)


@njit(cache=True, nogil=True)
def hessian(w, args):
    """Exact Hessian, assembled column by column from R-operator products and symmetrised."""
    wf, A, P, _, D = _prepare(w, args)
    n = w.shape[0]
    H = np.empty((n, n))
    e = np.zeros(n)
    for i in range(n):
        e[i] = 1.0
        H[:, i] = _hvp_prepared(wf, e, args, A, P, D)
        e[i] = 0.0
    return 0.5 * (H + H.T)


@njit(cache=True, nogil=True)
def predict_proba(w, X, sizes, free, n_full):
    """Class probabilities (N, C) of the network with free parameters ``w`` on inputs ``X``
    (N, K)."""
    wf = expand(w, free, n_full)
    _, Z = _forward(wf, np.ascontiguousarray(X.T), sizes)
    P, _ = _softmax(Z)
    return np.ascontiguousarray(P.T)

"""Jitted kernels for the tanh/softmax classifier: loss, gradient, exact Hessian-vector product
and exact Hessian, for cross-entropy and appAUC losses (SPEC §1.1).

Parameter layout ("full" vector): for each layer from the input side, the weight matrix W of
shape (out, in) in row-major order followed by the bias vector b (out). A model optimises only
the *free* entries ``full[free]``; weights removed by node locality stay at zero.

All kernels take ``args = (X, y, sizes, free, reg, lam, loss_kind, beta)``:
X (N, K) inputs, y (N,) int labels, sizes = [K, H1, ..., C], free = indices of the optimised
entries of the full vector, reg = 1/0 per full entry (which entries λ‖·‖² penalises),
lam = λ, loss_kind = 0 (cross-entropy) or 1 (appAUC), beta = appAUC sigmoid steepness.
The Hessian-vector product is exact (Pearlmutter's R-operator), not finite differences.
"""
from __future__ import annotations

import numpy as np
from numba import njit

CROSS_ENTROPY = 0
APPAUC = 1


@njit(cache=True, nogil=True)
def layer_offsets(sizes):
    """Start of each layer's W and b in the full vector, and of its units in the activation rows."""
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
def _input(X, acts, d, l, aoff, k):
    """Activation k of the layer feeding layer l, for data point d."""
    if l == 0:
        return X[d, k]
    return acts[d, aoff[l - 1] + k]


@njit(cache=True, nogil=True)
def forward(wf, X, sizes):
    """Hidden activations (N, Σ hidden) and output probabilities (N, C) for full weights ``wf``."""
    woff, boff, aoff, _, ntot = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    N = X.shape[0]
    C = sizes[nl]
    acts = np.empty((N, max(ntot, 1)))
    probs = np.empty((N, C))
    for d in range(N):
        for l in range(nl):
            n_in = sizes[l]
            n_out = sizes[l + 1]
            for j in range(n_out):
                z = wf[boff[l] + j]
                base = woff[l] + j * n_in
                for k in range(n_in):
                    z += wf[base + k] * _input(X, acts, d, l, aoff, k)
                if l < nl - 1:
                    acts[d, aoff[l] + j] = np.tanh(z)
                else:
                    probs[d, j] = z
        # log-sum-exp softmax in place
        zmax = probs[d, 0]
        for c in range(1, C):
            zmax = max(zmax, probs[d, c])
        s = 0.0
        for c in range(C):
            probs[d, c] = np.exp(probs[d, c] - zmax)
            s += probs[d, c]
        for c in range(C):
            probs[d, c] /= s
    return acts, probs


@njit(cache=True, nogil=True)
def _rforward(wf, vf, X, sizes, acts, probs):
    """R-operator forward pass: directional derivatives of activations and logits along ``vf``."""
    woff, boff, aoff, _, ntot = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    N = X.shape[0]
    C = sizes[nl]
    racts = np.zeros((N, max(ntot, 1)))
    rlog = np.empty((N, C))
    for d in range(N):
        for l in range(nl):
            n_in = sizes[l]
            n_out = sizes[l + 1]
            for j in range(n_out):
                rz = vf[boff[l] + j]
                base = woff[l] + j * n_in
                for k in range(n_in):
                    rz += vf[base + k] * _input(X, acts, d, l, aoff, k)
                    if l > 0:
                        rz += wf[base + k] * racts[d, aoff[l - 1] + k]
                if l < nl - 1:
                    a = acts[d, aoff[l] + j]
                    racts[d, aoff[l] + j] = (1.0 - a * a) * rz
                else:
                    rlog[d, j] = rz
    return racts, rlog


@njit(cache=True, nogil=True)
def _ce_out(probs, y):
    """Cross-entropy loss and dL/dlogits (N, C) for mean −ln p_correct."""
    N, C = probs.shape
    loss = 0.0
    dout = np.empty((N, C))
    inv = 1.0 / N
    for d in range(N):
        loss -= np.log(max(probs[d, y[d]], 1e-300))
        for c in range(C):
            dout[d, c] = probs[d, c] * inv
        dout[d, y[d]] -= inv
    return loss * inv, dout


@njit(cache=True, nogil=True)
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z)
    return e / (1.0 + e)


@njit(cache=True, nogil=True)
def _auc_pairs(probs, y, beta):
    """appAUC value A and dA/dq_d for q_d = p_1(x_d) (positive class 1)."""
    N = probs.shape[0]
    npos = 0
    for d in range(N):
        if y[d] == 1:
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
            s = _sigmoid(beta * (probs[p, 1] - probs[n, 1]))
            A += s
            ds = beta * s * (1.0 - s) * norm
            dq[p] += ds
            dq[n] -= ds
    return A * norm, dq, npos, nneg


@njit(cache=True, nogil=True)
def _auc_out(probs, y, beta):
    """appAUC loss −A and dL/dlogits."""
    N, C = probs.shape
    A, dq, _, _ = _auc_pairs(probs, y, beta)
    dout = np.empty((N, C))
    for d in range(N):
        q = probs[d, 1]
        for c in range(C):
            e = 1.0 if c == 1 else 0.0
            dout[d, c] = -dq[d] * q * (e - probs[d, c])
    return -A, dout


@njit(cache=True, nogil=True)
def _rprobs(probs, rlog):
    """R-derivative of the softmax probabilities."""
    N, C = probs.shape
    rp = np.empty((N, C))
    for d in range(N):
        m = 0.0
        for c in range(C):
            m += probs[d, c] * rlog[d, c]
        for c in range(C):
            rp[d, c] = probs[d, c] * (rlog[d, c] - m)
    return rp


@njit(cache=True, nogil=True)
def _ce_rout(probs, rlog):
    """R-derivative of the cross-entropy dL/dlogits."""
    rp = _rprobs(probs, rlog)
    return rp / probs.shape[0]


@njit(cache=True, nogil=True)
def _auc_rout(probs, rlog, y, beta):
    """R-derivative of the appAUC dL/dlogits."""
    N, C = probs.shape
    rp = _rprobs(probs, rlog)
    A, dq, npos, nneg = _auc_pairs(probs, y, beta)
    rdq = np.zeros(N)
    if npos > 0 and nneg > 0:
        norm = beta * beta / (npos * nneg)
        for p in range(N):
            if y[p] != 1:
                continue
            for n in range(N):
                if y[n] == 1:
                    continue
                s = _sigmoid(beta * (probs[p, 1] - probs[n, 1]))
                s2 = s * (1.0 - s) * (1.0 - 2.0 * s) * norm * (rp[p, 1] - rp[n, 1])
                rdq[p] += s2
                rdq[n] -= s2
    rdout = np.empty((N, C))
    for d in range(N):
        q = probs[d, 1]
        rq = rp[d, 1]
        for c in range(C):
            e = 1.0 if c == 1 else 0.0
            rdout[d, c] = -(rdq[d] * q * (e - probs[d, c]) + dq[d] * rq * (e - probs[d, c])
                            - dq[d] * q * rp[d, c])
    return rdout


@njit(cache=True, nogil=True)
def _backward(wf, vf, X, sizes, acts, racts, dout, rdout, with_r):
    """Backpropagate dL/dlogits into the full gradient; with ``with_r`` the R-pass instead,
    returning the full Hessian-vector product (the R-derivative of the gradient)."""
    woff, boff, aoff, nfull, ntot = layer_offsets(sizes)
    nl = sizes.shape[0] - 1
    N = X.shape[0]
    wmax = 0
    for l in range(nl + 1):
        wmax = max(wmax, sizes[l])
    out = np.zeros(nfull)
    delta = np.empty(wmax)
    rdelta = np.empty(wmax)
    e = np.empty(wmax)
    re = np.empty(wmax)
    C = sizes[nl]
    for d in range(N):
        for c in range(C):
            delta[c] = dout[d, c]
            rdelta[c] = rdout[d, c] if with_r else 0.0
        for l in range(nl - 1, -1, -1):
            n_in = sizes[l]
            n_out = sizes[l + 1]
            for j in range(n_out):
                base = woff[l] + j * n_in
                dj = delta[j]
                if with_r:
                    rdj = rdelta[j]
                    for k in range(n_in):
                        a = _input(X, acts, d, l, aoff, k)
                        ra = racts[d, aoff[l - 1] + k] if l > 0 else 0.0
                        out[base + k] += rdj * a + dj * ra
                    out[boff[l] + j] += rdj
                else:
                    for k in range(n_in):
                        out[base + k] += dj * _input(X, acts, d, l, aoff, k)
                    out[boff[l] + j] += dj
            if l == 0:
                break
            for k in range(n_in):
                s = 0.0
                rs = 0.0
                for j in range(n_out):
                    wjk = wf[woff[l] + j * n_in + k]
                    s += wjk * delta[j]
                    if with_r:
                        rs += vf[woff[l] + j * n_in + k] * delta[j] + wjk * rdelta[j]
                e[k] = s
                re[k] = rs
            for k in range(n_in):
                a = acts[d, aoff[l - 1] + k]
                delta[k] = e[k] * (1.0 - a * a)
                if with_r:
                    ra = racts[d, aoff[l - 1] + k]
                    rdelta[k] = re[k] * (1.0 - a * a) - 2.0 * e[k] * a * ra
    return out


@njit(cache=True, nogil=True)
def _outputs(probs, y, loss_kind, beta):
    if loss_kind == APPAUC:
        return _auc_out(probs, y, beta)
    return _ce_out(probs, y)


@njit(cache=True, nogil=True)
def fg(w, args):
    """Loss and gradient with respect to the free parameters ``w``."""
    X, y, sizes, free, reg, lam, loss_kind, beta = args
    nfull = reg.shape[0]
    wf = expand(w, free, nfull)
    acts, probs = forward(wf, X, sizes)
    loss, dout = _outputs(probs, y, loss_kind, beta)
    gfull = _backward(wf, wf, X, sizes, acts, acts, dout, dout, False)
    g = np.empty(free.shape[0])
    for i in range(free.shape[0]):
        fi = free[i]
        loss += lam * reg[fi] * wf[fi] * wf[fi]
        g[i] = gfull[fi] + 2.0 * lam * reg[fi] * wf[fi]
    return loss, g


@njit(cache=True, nogil=True)
def _hvp_prepared(wf, v, args, acts, probs, dout):
    X, y, sizes, free, reg, lam, loss_kind, beta = args
    nfull = reg.shape[0]
    vf = expand(v, free, nfull)
    racts, rlog = _rforward(wf, vf, X, sizes, acts, probs)
    if loss_kind == APPAUC:
        rdout = _auc_rout(probs, rlog, y, beta)
    else:
        rdout = _ce_rout(probs, rlog)
    hfull = _backward(wf, vf, X, sizes, acts, racts, dout, rdout, True)
    hv = np.empty(free.shape[0])
    for i in range(free.shape[0]):
        fi = free[i]
        hv[i] = hfull[fi] + 2.0 * lam * reg[fi] * vf[fi]
    return hv


@njit(cache=True, nogil=True)
def hvp(w, v, args):
    """Exact Hessian-vector product H(w)·v."""
    X, y, sizes, free, reg, lam, loss_kind, beta = args
    wf = expand(w, free, reg.shape[0])
    acts, probs = forward(wf, X, sizes)
    _, dout = _outputs(probs, y, loss_kind, beta)
    return _hvp_prepared(wf, v, args, acts, probs, dout)


@njit(cache=True, nogil=True)
def hessian(w, args):
    """Exact Hessian, assembled column by column from R-operator products and symmetrised."""
    X, y, sizes, free, reg, lam, loss_kind, beta = args
    wf = expand(w, free, reg.shape[0])
    acts, probs = forward(wf, X, sizes)
    _, dout = _outputs(probs, y, loss_kind, beta)
    P = free.shape[0]
    H = np.empty((P, P))
    e = np.zeros(P)
    for i in range(P):
        e[i] = 1.0
        H[:, i] = _hvp_prepared(wf, e, args, acts, probs, dout)
        e[i] = 0.0
    return 0.5 * (H + H.T)


@njit(cache=True, nogil=True)
def predict_proba(w, X, sizes, free, n_full):
    """Class probabilities (N, C) of the network with free parameters ``w`` on inputs ``X``."""
    wf = expand(w, free, n_full)
    _, probs = forward(wf, X, sizes)
    return probs

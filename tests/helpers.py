"""Shared test helpers: finite differences and small random problems."""

from __future__ import annotations

import itertools

import numpy as np


def fd_gradient(f, w, h=1e-6):
    """Central finite-difference gradient of scalar f."""
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)])


def fd_jacobian(g, w, h=1e-6):
    """Central finite-difference Jacobian (columns) of vector function g: the Hessian when g is
    a gradient."""
    return np.array([(g(w + h * e) - g(w - h * e)) / (2 * h) for e in np.eye(w.size)]).T


def layers_of(sizes, w):
    """Per-layer (W, b) of a full weight vector, independently of lmapp's layout code."""
    out, pos = [], 0
    for n_in, n_out in itertools.pairwise(sizes):
        W = w[pos : pos + n_in * n_out].reshape(n_out, n_in)
        pos += n_in * n_out
        b = w[pos : pos + n_out]
        pos += n_out
        out.append((W.copy(), b.copy()))
    return out


def flat(layers):
    return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in layers])


def symmetry_copy(sizes, w, perms, signs):
    """Apply, per hidden layer l, the unit permutation perms[l] and sign flips signs[l]."""
    L = layers_of(sizes, w)
    for l, (layer_perm, layer_signs) in enumerate(zip(perms, signs)):
        s = np.asarray(layer_signs, float)
        perm = list(layer_perm)
        W, b = L[l]
        L[l] = ((W * s[:, None])[perm], (b * s)[perm])
        W2, b2 = L[l + 1]
        L[l + 1] = ((W2 * s[None, :])[:, perm], b2)
    return flat(L)


def group(sizes, permute=True):
    """Every element (perms, signs) of the symmetry group of the hidden layers, by brute force."""
    import itertools

    per_layer = []
    for n in sizes[1:-1]:
        perms = list(itertools.permutations(range(n))) if permute else [tuple(range(n))]
        per_layer.append([(p, s) for p in perms for s in itertools.product((1, -1), repeat=n)])
    for combo in itertools.product(*per_layer):
        yield [c[0] for c in combo], [c[1] for c in combo]


def brute_force_distance(sizes, a, b, permute=True):
    """min over the whole group of ‖a − g·b‖ (full vectors), by enumeration."""
    return min(np.linalg.norm(a - symmetry_copy(sizes, b, p, s)) for p, s in group(sizes, permute))

"""Jitted basin-hopping walker (SPEC §2.2): perturb, quench with L-BFGS, Metropolis accept,
adapt the step size. One call runs a chunk of steps without the GIL; the caller checks its
abort flag and stores results between chunks."""
from __future__ import annotations

import numpy as np
from numba import njit

from .lbfgs import lbfgs

#: Default walker settings (shown by the CLI/GUI parameter editors).
BH_DEFAULTS = {"temperature": 1.0, "step": 1.0, "target_acceptance": 0.5, "adapt_every": 10,
               "adapt_factor": 1.1, "chunk": 25}


@njit(cache=True, nogil=True)
def quench_start(fg, args, x0, gtol, max_iter, m, max_step, max_rise):
    """Quench a starting point: the walker's first minimum."""
    return lbfgs(fg, x0, args, gtol, max_iter, m, max_step, max_rise)


@njit(cache=True, nogil=True)
def bh_chunk(fg, args, x, f, step, temperature, n_steps, seed, gtol, max_iter, m, max_step,
             max_rise, target_acc, adapt_every, adapt_factor, window_acc, window_n):
    """Run ``n_steps`` basin-hopping steps from minimum ``x`` (loss ``f``).

    Returns the walker's new (x, f, step, window_acc, window_n) and per-step arrays of the
    quenched coordinates, losses, RMS gradients, convergence flags, acceptance flags and
    L-BFGS iteration counts. The RNG is reseeded with ``seed`` so a chunk is reproducible.
    """
    np.random.seed(seed)
    P = x.shape[0]
    xs = np.empty((n_steps, P))
    fs = np.empty(n_steps)
    rs = np.empty(n_steps)
    conv = np.zeros(n_steps, np.bool_)
    acc = np.zeros(n_steps, np.bool_)
    iters = np.empty(n_steps, np.int64)
    for s in range(n_steps):
        xt = x + step * (2.0 * np.random.random(P) - 1.0)
        xq, fq, rq, it, ok = lbfgs(fg, xt, args, gtol, max_iter, m, max_step, max_rise)
        xs[s] = xq
        fs[s] = fq
        rs[s] = rq
        conv[s] = ok
        iters[s] = it
        u = np.random.random()
        if ok:
            if fq <= f:
                acc[s] = True
            elif temperature > 0.0 and u < np.exp(-(fq - f) / temperature):
                acc[s] = True
        if acc[s]:
            x = xq
            f = fq
            window_acc += 1
        window_n += 1
        if window_n >= adapt_every:
            if window_acc / window_n > target_acc:
                step *= adapt_factor
            else:
                step /= adapt_factor
            window_acc = 0
            window_n = 0
    return x, f, step, window_acc, window_n, xs, fs, rs, conv, acc, iters

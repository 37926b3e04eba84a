"""Jitted basin-hopping walker (SPEC §2.2): perturb, quench (L-BFGS with a Newton finish,
:mod:`.newton`), Metropolis accept, adapt the step size. One call runs a chunk of steps without
the GIL; an abort flag set by another thread stops it within one iteration, and the caller
stores results between chunks."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .rng import uniform

#: Default walker settings (shown by the CLI/GUI parameter editors).
BH_DEFAULTS = {
    "temperature": 0.1,
    "step": 1.0,
    "target_acceptance": 0.5,
    "adapt_every": 10,
    "adapt_factor": 1.1,
    "step_min": 0.01,
    "step_max": 5.0,
}


class HopSettings(NamedTuple):
    """How a walker hops: Metropolis temperature and the step-size adaptation."""

    temperature: float
    target_acceptance: float
    adapt_every: int
    adapt_factor: float
    step_min: float
    step_max: float


class QuenchSettings(NamedTuple):
    """The L-BFGS settings of every quench (see LBFGS_DEFAULTS)."""

    gtol: float
    max_iter: int
    m: int
    max_step: float
    max_rise: float


class WalkerState(NamedTuple):
    """Where a walker stands: its minimum (x, f), step size and acceptance-window counts."""

    x: np.ndarray
    f: float
    step: float
    window_acc: int
    window_n: int


def QUENCH(x0, args, gtol, max_iter, m, max_step, max_rise, abort):  # placeholder: the kit's
    raise NotImplementedError


def bh_chunk_template(args, state, n_steps, rng, hop, quench, abort):
    """Run ``n_steps`` basin-hopping steps from the walker ``state`` (a :class:`WalkerState`)
    with :class:`HopSettings` ``hop`` and :class:`QuenchSettings` ``quench``.

    The step size adapts towards ``hop.target_acceptance`` within [step_min, step_max].
    Returns the walker's new state and per-step arrays of the quenched coordinates, losses, RMS
    gradients, convergence flags, acceptance flags and L-BFGS iteration counts, for the
    ``n_done`` ≤ ``n_steps`` steps completed before the ``abort`` flag was raised. ``rng``
    (xoshiro256** state) advances in place exactly as far as the completed steps, so a walker
    resumes the same trajectory however its run was chunked.
    """
    x, f, step, window_acc, window_n = state
    temperature, target_acc, adapt_every, adapt_factor, step_min, step_max = hop
    gtol, max_iter, m, max_step, max_rise = quench
    P = x.shape[0]
    saved = rng.copy()
    n_done = 0
    xs = np.empty((n_steps, P))
    fs = np.empty(n_steps)
    rs = np.empty(n_steps)
    conv = np.zeros(n_steps, np.bool_)
    acc = np.zeros(n_steps, np.bool_)
    iters = np.empty(n_steps, np.int64)
    for s in range(n_steps):
        saved[:] = rng
        xt = np.empty(P)
        for i in range(P):
            xt[i] = x[i] + step * (2.0 * uniform(rng) - 1.0)
        xq, fq, rq, it, ok = QUENCH(xt, args, gtol, max_iter, m, max_step, max_rise, abort)
        if abort[0] != 0:
            rng[:] = saved  # the interrupted step is redone on resume
            break
        n_done += 1
        xs[s] = xq
        fs[s] = fq
        rs[s] = rq
        conv[s] = ok
        iters[s] = it
        u = uniform(rng)
        if ok and (fq <= f or (temperature > 0.0 and u < np.exp(-(fq - f) / temperature))):
            acc[s] = True  # Metropolis: downhill, or uphill with probability exp(-ΔL/T)
        if acc[s]:
            x = xq
            f = fq
            window_acc += 1
        window_n += 1
        if window_n >= adapt_every:
            if window_acc / window_n > target_acc:
                step = min(step * adapt_factor, step_max)
            else:
                step = max(step / adapt_factor, step_min)
            window_acc = 0
            window_n = 0
    return (
        WalkerState(x, f, step, window_acc, window_n),
        xs[:n_done],
        fs[:n_done],
        rs[:n_done],
        conv[:n_done],
        acc[:n_done],
        iters[:n_done],
    )

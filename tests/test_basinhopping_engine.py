"""The jitted basin-hopping walker: chunk-independent reproducibility, abort, Metropolis."""

import numpy as np
import pytest

from lmapp.datasets import make_dataset
from lmapp.engines.basinhopping import HopSettings, QuenchSettings, WalkerState
from lmapp.engines.lbfgs import NO_ABORT
from lmapp.engines.rng import seed_state
from lmapp.landscape.model import ModelSpec, build_model
from lmapp.landscape.verify import verify_minimum


def _model():
    d = make_dataset("xor")
    return build_model(ModelSpec(hidden=(3,), lam=1e-2), d.X_train, d.y_train, 2)


HOP = HopSettings(0.1, 0.5, 10, 1.1, 0.01, 5.0)
QUENCH = QuenchSettings(1e-8, 20000, 10, 1.0, 1e-4)


def _run(model, x, f, chunks, abort=NO_ABORT):
    rng = seed_state(3, 0)
    state = WalkerState(x, f, 1.0, 0, 0)
    fs, xs = [], []
    for n in chunks:
        state, qx, qf, *_ = model.kit.bh_chunk(model.args, state, n, rng, HOP, QUENCH, abort)
        fs.extend(qf)
        xs.extend(qx)
    return np.array(fs), np.array(xs), state.x, state.f, state.step, rng


def test_trajectory_does_not_depend_on_chunking():
    m = _model()
    x0, f0, *_ = m.minimize(np.random.default_rng(0).uniform(-1, 1, m.n_params))
    a = _run(m, x0, f0, [40])
    b = _run(m, x0, f0, [7, 13, 1, 19])
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[3] == b[3] and a[4] == b[4] and np.array_equal(a[5], b[5])


def test_quenches_are_minima_and_metropolis_never_accepts_unconverged():
    m = _model()
    x0, f0, *_ = m.minimize(np.random.default_rng(1).uniform(-1, 1, m.n_params))
    rng = seed_state(1, 1)
    state, xs, fs, rs, conv, acc, _ = m.kit.bh_chunk(
        m.args,
        WalkerState(x0, f0, 1.0, 0, 0),
        30,
        rng,
        HOP._replace(temperature=0.0),
        QUENCH,
        NO_ABORT,
    )
    f = state.f
    assert conv.all() and np.all(rs < 1e-8)
    # at T = 0 only downhill moves are accepted: the walker's loss never rises
    assert f <= f0 and f == min(f0, fs[acc].min() if acc.any() else f0)
    for w in xs[:5]:
        assert verify_minimum(m, w, 1e-8).is_minimum


def test_raised_abort_flag_stops_before_any_step():
    m = _model()
    x0, f0, *_ = m.minimize(np.zeros(m.n_params) + 0.1)
    abort = np.ones(1, np.uint8)
    rng = seed_state(0)
    before = rng.copy()
    fs = _run(m, x0, f0, [10], abort)[0]
    assert fs.size == 0
    rng2 = seed_state(0)
    assert np.array_equal(rng2, before)


def test_xor_origin_is_the_trivial_minimum_with_smallest_eigenvalue_2_lambda():
    """Seed 004: the all-zero network is always a (bad) minimum; its curvature along hidden
    weights is only the regulariser's 2λ."""
    d = make_dataset("xor")
    for lam in (1e-2, 1e-4):
        m = build_model(ModelSpec(hidden=(3,), lam=lam), d.X_train, d.y_train, 2)
        v = verify_minimum(m, np.zeros(m.n_params), 1e-8)
        assert v.is_minimum and v.rms_grad == 0.0 and v.hessian_index == 0
        assert v.min_eig == pytest.approx(2 * lam, rel=1e-12)
        assert m.loss(np.zeros(m.n_params)) == pytest.approx(np.log(2), abs=1e-15)

"""DNEB and hybrid eigenvector-following on analytic surfaces (Müller–Brown, a double well) and
the Lanczos lowest mode against exact diagonalisation on an XOR net."""

import dataclasses
import itertools

import numpy as np
import pytest

from lmapp.datasets import make_dataset
from lmapp.engines import hef
from lmapp.engines.kit import make_kit, rebind
from lmapp.engines.lbfgs import NO_ABORT
from lmapp.landscape.model import Model, ModelSpec, build_model
from lmapp.landscape.transition import (
    TransitionParams,
    find_transition_states,
    refine_ts,
    run_dneb,
    verify_transition_state,
)
from tests.surfaces import DOUBLE_WELL, MULLER_BROWN, surface_fg, surface_hessian, surface_hvp

# A disk-cached kit (user_model compiles afresh every session, ~30 s for all engines).
KIT = make_kit(surface_fg, surface_hessian, "test_surfaces_v1", cache=True, hvp=surface_hvp)


def surface(args: tuple) -> Model:
    return Model(ModelSpec(kind="user"), surface_fg, surface_hvp, surface_hessian, KIT, args, 2)


@pytest.fixture(scope="module")
def mb():
    """The Müller–Brown model and its three minima A, B, C, quenched from literature values."""
    m = surface(MULLER_BROWN)
    lit = [(-0.558, 1.442), (0.623, 0.028), (-0.050, 0.467)]
    return m, [m.minimize(np.array(p), gtol=1e-12)[0] for p in lit]


SADDLE_1 = (np.array([-0.822, 0.624]), -40.665)
SADDLE_2 = (np.array([0.212, 0.293]), -72.249)
TIGHT = TransitionParams(ts_tol=1e-10, quench_gtol=1e-10)


def assert_saddle(model, hef, saddle):
    x, e = saddle
    assert hef.converged and hef.rms_grad < 1e-10
    assert np.allclose(hef.x, x, atol=1.5e-3) and abs(hef.energy - e) < 1e-2
    ver = verify_transition_state(model, hef.x, 1e-10)
    assert ver.is_ts and ver.hessian_index == 1 and ver.eigenvalue < 0
    assert abs(ver.eigenvalue - hef.eigenvalue) < 1e-8 * abs(ver.eigenvalue)


def test_mb_minima_energies(mb):
    m, (a, b, c) = mb
    assert [round(m.loss(x), 3) for x in (a, b, c)] == [-146.700, -108.167, -80.768]


def test_mb_band_a_to_b_finds_both_saddles(mb):
    m, (a, b, _) = mb
    band = run_dneb(m, a, b, TIGHT)
    assert band.images.shape == (20, 2)  # 18 interior images for |a − b| = 1.84
    assert len(band.candidates) == 2
    hefs = [
        refine_ts(m, band.images[i], TIGHT, band.images[i + 1] - band.images[i - 1])
        for i in band.candidates
    ]
    assert_saddle(m, hefs[0], SADDLE_1)  # highest image first
    assert_saddle(m, hefs[1], SADDLE_2)


def test_mb_band_c_to_a_finds_saddle_1(mb):
    m, (a, _, c) = mb
    band = run_dneb(m, c, a, TIGHT)
    i = band.candidates[0]
    assert_saddle(
        m, refine_ts(m, band.images[i], TIGHT, band.images[i + 1] - band.images[i - 1]), SADDLE_1
    )


def test_mb_connected_minima(mb):
    """Each saddle's push-offs quench to the two minima it separates."""
    m, (a, b, c) = mb
    res = find_transition_states(m, a, b, TIGHT)
    assert len(res) == 2
    for ts, saddle, ends in zip(res, (SADDLE_1, SADDLE_2), ((a, c), (c, b))):
        assert np.allclose(ts.x, saddle[0], atol=1.5e-3) and abs(ts.energy - saddle[1]) < 1e-2
        assert ts.connected and not ts.self_connected
        got = sorted([ts.minus.x, ts.plus.x], key=m.loss)
        want = sorted(ends, key=m.loss)
        for g, w in zip(got, want):
            assert np.allclose(g, w, atol=1e-6)


def test_band_chunks_continue_exactly(mb):
    """Running the band in chunks of 7 iterations gives the same band as one run."""
    m, (a, b, _) = mb
    p = TransitionParams(dneb_iter=60, band_tol=1e-12)
    one = run_dneb(m, a, b, dataclasses.replace(p, dneb_chunk=60))
    seen = []
    chunked = run_dneb(m, a, b, dataclasses.replace(p, dneb_chunk=7), on_band=seen.append)
    assert len(seen) == 9 and len(chunked.rms_history) == 60
    assert np.array_equal(one.images, chunked.images)
    assert np.array_equal(one.rms_history, chunked.rms_history)


def test_abort_stops_at_once(mb):
    m, (a, b, _) = mb
    flag = np.ones(1, np.uint8)
    band = run_dneb(m, a, b, TIGHT, abort=flag)
    assert len(band.rms_history) == 0 and not band.converged
    hef = refine_ts(m, band.images[5], TIGHT, abort=flag)
    assert hef.n_steps == 0 and not hef.converged


@pytest.mark.parametrize("exact_limit", [200, 0])
def test_hef_double_well_from_perturbed_start(exact_limit):
    m = surface(DOUBLE_WELL)
    p = dataclasses.replace(TIGHT, exact_limit=exact_limit)
    hef = refine_ts(m, np.array([0.3, -0.2]), p)
    assert hef.converged and np.allclose(hef.x, 0.0, atol=1e-10) and abs(hef.energy - 1.0) < 1e-15
    lam = np.linalg.eigvalsh(np.array([[-3.64, -1.2], [-1.2, 4.0]]))[0]
    assert abs(hef.eigenvalue - lam) < 1e-9
    assert verify_transition_state(m, hef.x, 1e-10).is_ts


@pytest.fixture(scope="module")
def xor3():
    d = make_dataset("xor")
    return build_model(ModelSpec(hidden=(3,), lam=1e-3), d.X_train, d.y_train, 2)


@pytest.mark.parametrize("dim", [30, 5])
def test_lanczos_lowest_mode_matches_exact(xor3, dim):
    """Restarted Lanczos (Krylov dimension 5 forces restarts) gives the exact lowest mode."""
    rng = np.random.default_rng(3)
    for _ in range(5):
        w = rng.normal(size=xor3.n_params)
        lam, v = xor3.kit.lowest_mode(w, np.zeros(xor3.n_params), xor3.args, 0, 1e-10, dim)
        exact = np.linalg.eigvalsh(xor3.hessian(w))
        assert abs(lam - exact[0]) < 1e-6
        assert np.linalg.norm(xor3.hvp(w, v) - lam * v) < 1e-6


def test_hef_lanczos_path_equals_exact_path(xor3):
    """From the same band candidate, HEF with exact_limit=0 (Lanczos) reaches the same TS."""
    rng = np.random.default_rng(0)
    mins = [xor3.minimize(xor3.random_start(rng, 2.0))[0] for _ in range(2)]
    band = run_dneb(xor3, mins[0], mins[1])
    i = band.candidates[0]
    tau = band.images[i + 1] - band.images[i - 1]
    exact = refine_ts(xor3, band.images[i], TransitionParams(), tau)
    lanczos = refine_ts(xor3, band.images[i], TransitionParams(exact_limit=0), tau)
    assert exact.converged and lanczos.converged
    assert abs(exact.eigenvalue - lanczos.eigenvalue) < 1e-6
    assert abs(exact.energy - lanczos.energy) < 1e-9
    # the same point up to what ts_tol fixes along soft modes (|Δx| ~ gradient / curvature)
    assert np.allclose(exact.x, lanczos.x, atol=1e-4)
    assert xor3.same_point(
        exact.energy, xor3.canonical(exact.x), lanczos.energy, xor3.canonical(lanczos.x)
    )
    for h in (exact, lanczos):
        assert abs(h.eigenvalue - np.linalg.eigvalsh(xor3.hessian(h.x))[0]) < 1e-6


# the exact eigenvector-following finish of HEF (small P), compiled on its own for the surfaces
EF_FINISH = rebind(
    hef.ef_finish_template, "test_surfaces_v1", True, FG=surface_fg, HESS=surface_hessian
)


def test_ef_finish_converges_quadratically_near_a_saddle(mb):
    """From 0.05 off Müller–Brown's saddle 2 (index 1 there), a handful of exact
    eigenvector-following steps reach an RMS gradient of 1e-12, each step squaring the last
    one's gradient (to round-off)."""
    m, _ = mb
    x0 = SADDLE_2[0] + np.array([0.03, -0.04])
    x, f, lam, v, r, kept, steps = EF_FINISH(x0, MULLER_BROWN, 1e-12, 30, 0.1, 0.5, NO_ABORT)
    assert kept and r < 1e-12 and steps <= 8
    exact = np.linalg.eigh(surface_hessian(x, MULLER_BROWN))
    assert abs(lam - exact[0][0]) < 1e-9 * abs(exact[0][0]) and lam < 0
    assert abs(abs(v @ exact[1][:, 0]) - 1.0) < 1e-12
    assert abs(f - SADDLE_2[1]) < 1e-2 and verify_transition_state(m, x, 1e-12).is_ts
    rms = [EF_FINISH(x0, MULLER_BROWN, 0.0, k, 0.1, 0.5, NO_ABORT)[4] for k in range(1, steps)]
    for before, after in itertools.pairwise(rms):
        assert after < 0.5 * before and (after < 10 * before**2 or after < 1e-11)


def test_ef_finish_tries_nothing_from_another_index(mb):
    """Started where the exact Hessian has no or two negative eigenvalues (near a minimum, on
    a hilltop of Müller–Brown), the finish takes no step and is not kept: the hybrid scheme
    goes on as without it."""
    _, (a, _, _) = mb
    rng = np.random.default_rng(0)
    starts = {0: a + 1e-3}
    while 2 not in starts:  # a random point of index 2
        w = rng.uniform([-1.5, -0.5], [1.2, 2.0])
        if np.all(np.linalg.eigvalsh(surface_hessian(w, MULLER_BROWN)) < -1e-9):
            starts[2] = w
    for x0 in starts.values():
        x, _, _, _, r, kept, steps = EF_FINISH(x0, MULLER_BROWN, 1e-10, 30, 0.1, 0.5, NO_ABORT)
        assert not kept and steps == 0 and np.array_equal(x, x0) and r > 1e-10


def test_hef_with_the_exact_finish_ends_where_the_hybrid_scheme_does():
    """On a narrow spiral net (P = 52 ≤ exact_limit), HEF from band maxima with the exact
    finish reaches the transition state HEF reaches with Lanczos modes and no finish, in
    fewer steps."""
    d = make_dataset("spiral", n_train=200, n_test=50)
    model = build_model(ModelSpec(hidden=(10,), lam=1e-4), d.X_train, d.y_train, 2)
    rng = np.random.default_rng(0)
    mins = [model.minimize(model.random_start(rng, 1.0))[0] for _ in range(2)]
    band = run_dneb(model, mins[0], model.align(mins[0], mins[1]))
    compared = 0
    for i in band.candidates[:3]:
        tau = band.images[i + 1] - band.images[i - 1]
        exact = refine_ts(model, band.images[i], TIGHT, tau)
        hybrid = refine_ts(model, band.images[i], dataclasses.replace(TIGHT, exact_limit=0), tau)
        if not (exact.converged and hybrid.converged):
            continue
        compared += 1
        assert abs(exact.energy - hybrid.energy) < 1e-9
        assert model.same_point(
            exact.energy, model.canonical(exact.x), hybrid.energy, model.canonical(hybrid.x)
        )
        assert exact.n_steps < hybrid.n_steps
        assert verify_transition_state(model, exact.x, 1e-10).is_ts
    assert compared >= 1

"""Transition states and connected minima on XOR nets, and the embedding of stationary points
of a smaller net in a larger one (SPEC §2.4–2.5)."""

from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest

from lmapp.datasets import make_dataset
from lmapp.engines.lbfgs import rms
from lmapp.landscape.model import ModelSpec, build_model
from lmapp.landscape.transition import (
    TransitionParams,
    connected_minima,
    find_transition_states,
    search_from_minimum,
    verify_transition_state,
)
from lmapp.landscape.verify import verify_minimum
from tests.helpers import brute_force_distance


def xor_net(hidden: int, lam: float):
    d = make_dataset("xor")
    return build_model(ModelSpec(hidden=(hidden,), lam=lam), d.X_train, d.y_train, 2)


def distinct_minima(model, n_starts: int, seed: int = 0) -> list[tuple[float, np.ndarray]]:
    """Verified, distinct minima (canonical) from quenching random starts, lowest first."""
    rng = np.random.default_rng(seed)
    reg = model.registry()
    out = []
    for _ in range(n_starts):
        x, f, _, _, ok = model.minimize(model.random_start(rng, 2.0))
        if ok and verify_minimum(model, x, 1e-8).is_minimum:
            c = model.canonical(x)
            if reg.match(f, c) is None:
                reg.add(len(out), f, c)
                out.append((f, c))
    return sorted(out, key=lambda t: t[0])


@pytest.mark.parametrize("lam", [1e-2, 1e-3])
def test_xor_transition_states_are_verified_and_connect_minima(lam):
    model = xor_net(3, lam)
    p = TransitionParams()
    mins = distinct_minima(model, 100)
    assert len(mins) >= 3
    found = []
    for i, j in combinations(range(min(len(mins), 5)), 2):
        found += find_transition_states(model, mins[i][1], mins[j][1], p)
    assert found
    for ts in found:
        ver = verify_transition_state(model, ts.x, p.ts_tol)
        assert ver.is_ts and ver.hessian_index == 1 and ts.rms_grad < p.ts_tol
        assert np.all(np.linalg.eigvalsh(model.hessian(ts.x))[1:] > -p.zero_tol)
        assert abs(ts.eigenvalue - ver.eigenvalue) < 1e-8
        assert np.isclose(np.linalg.norm(ts.eigenvector), 1.0)
        assert ts.connected
        for side in (ts.minus, ts.plus):
            assert verify_minimum(model, side.x, p.quench_gtol).is_minimum
            assert side.energy < ts.energy
            assert np.allclose(model.canonical(side.x), side.x)
        # a TS between two symmetry copies of one minimum is legitimate but flagged
        same = (
            abs(ts.minus.energy - ts.plus.energy) < p.ediff
            and brute_force_distance(
                list(model.sizes), model.full(ts.minus.x), model.full(ts.plus.x)
            )
            < p.geomdiff
        )
        assert ts.self_connected == same
    n_loops = sum(ts.self_connected for ts in found)
    print(f"λ={lam}: {len(mins)} minima, {len(found)} TSs, {n_loops} self-connected")
    if lam == 1e-3:  # at λ = 1e-2 the TSs found all join symmetry copies of one minimum
        assert any(not ts.self_connected for ts in found)


def test_sides_stuck_on_saddles_are_pushed_off_to_minima():
    """XOR λ=1e-2: the TS next to W = 0 (found uphill from it) has a side that descends inside
    the subspace of one active unit to a saddle of the full net. Without further push-offs it
    is unconnected (kept only with keep_unconnected); pushed off that saddle, the side reaches
    a verified minimum below the TS."""
    model = xor_net(3, 1e-2)
    w0 = np.zeros(model.n_params)
    stuck = TransitionParams(keep_unconnected=True, max_descents=0)
    kept = search_from_minimum(model, w0, stuck, 0, 2).found
    dropped = search_from_minimum(model, w0, replace(stuck, keep_unconnected=False), 0, 2).found
    loose = [ts for ts in kept if not ts.connected]
    assert loose and len(dropped) == len(kept) - len(loose)
    for ts in loose:
        bad = [s for s in (ts.minus, ts.plus) if not s.verification.is_minimum]
        assert all(s.verification.hessian_index >= 1 for s in bad)
        minus, plus = connected_minima(model, ts.x, ts.eigenvector)  # default: push off saddles
        for side in (minus, plus):
            assert side.verification.is_minimum and side.energy < ts.energy
            assert np.linalg.eigvalsh(model.hessian(side.x))[0] > 0
        assert {round(minus.energy, 6), round(plus.energy, 6)} >= {round(np.log(2), 6)}


def test_verify_transition_state_rejects_minimum_and_non_stationary_point():
    model = xor_net(3, 1e-2)
    (_f, w), *_ = distinct_minima(model, 5)
    ver = verify_transition_state(model, w, 1e-7)
    assert not ver.is_ts and ver.hessian_index == 0 and "index 0" in ver.reason
    ver = verify_transition_state(model, w + 0.1, 1e-7)
    assert not ver.is_ts and "RMS gradient" in ver.reason


def pad_one_unit(small, w: np.ndarray) -> np.ndarray:
    """Full weight vector of the net with one more hidden unit whose weights are all zero."""
    (l1, l2) = small.layers(w)
    W1 = np.vstack([l1["W"], np.zeros((1, l1["W"].shape[1]))])
    b1 = np.append(l1["b"], 0.0)
    W2 = np.hstack([l2["W"], np.zeros((l2["W"].shape[0], 1))])
    return np.concatenate([W1.ravel(), b1, W2.ravel(), l2["b"]])


def test_embedding_stationary_points_of_smaller_net():
    """A minimum and a TS of a 2-unit XOR net, padded with a zero unit, are stationary points
    of the 3-unit net with the same loss (seed 004 App. A); their index is reported."""
    small, big = xor_net(2, 1e-3), xor_net(3, 1e-3)
    mins = distinct_minima(small, 20)
    w_min, *_ = small.minimize(mins[0][1], gtol=1e-12)
    points = [("minimum", w_min, 0)]
    for j in range(1, len(mins)):
        ts = find_transition_states(small, mins[0][1], mins[j][1], TransitionParams(ts_tol=1e-10))
        if ts:
            points.append(("transition state", ts[0].x, 1))
            break
    assert len(points) == 2
    for kind, w, small_index in points:
        assert rms(small.grad(w)) < 1e-10
        wp = pad_one_unit(small, w)
        assert wp.size == big.n_params
        assert abs(big.loss(wp) - small.loss(w)) < 1e-14
        assert rms(big.grad(wp)) < 1e-8
        index = int(np.sum(np.linalg.eigvalsh(big.hessian(wp)) < -1e-9))
        assert index >= small_index
        print(f"2-unit {kind} (index {small_index}) padded to 3 units: index {index}")

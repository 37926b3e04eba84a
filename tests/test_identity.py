"""Identity of minima (SPEC §2.3): optimal alignment over the whole symmetry group, checked
against brute force over every group element, with convergence noise and near ties; the
canonical form only as the stored representative."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from lmapp.datasets import make_dataset
from lmapp.engines.assignment import assignment
from lmapp.landscape.identity import GEOMDIFF, IdentityRule, PointRegistry
from lmapp.landscape.model import ModelSpec, build_model
from lmapp.landscape.symmetry import NoSymmetry
from tests.helpers import brute_force_distance, group, layers_of, symmetry_copy

XOR = make_dataset("xor")


def xor_model(hidden=(5,), **kw):
    return build_model(ModelSpec(hidden=hidden, **kw), XOR.X_train, XOR.y_train, 2)


def random_model(hidden, n_classes=2, **kw):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(12, 2))
    return build_model(ModelSpec(hidden=hidden, **kw), X, np.arange(12) % n_classes, n_classes)


def xor_minimum(model, seed=0):
    """A verified minimum (RMS gradient < 1e-10) of an XOR net."""
    rng = np.random.default_rng(seed)
    while True:
        x, f, _r, _, ok = model.minimize(model.random_start(rng, 2.0), gtol=1e-10)
        if ok and np.linalg.eigvalsh(model.hessian(x))[0] > 0:
            return x, f


@pytest.mark.parametrize("n", [1, 2, 3, 6, 15])
def test_assignment_is_optimal_like_scipy(n):
    rng = np.random.default_rng(n)
    for trial in range(40):
        C = rng.normal(size=(n, n))
        if trial % 3 == 0:
            C = np.round(C, 1)  # ties
        col = assignment(C)
        assert sorted(col) == list(range(n))
        r, c = linear_sum_assignment(C)
        assert C[np.arange(n), col].sum() == pytest.approx(C[r, c].sum(), abs=1e-12)


def test_every_symmetry_copy_with_noise_and_near_ties_is_the_same_minimum():
    """All 5!·2⁵ = 3840 copies of an XOR 5-unit network whose units 0 and 1 have biases 1e-5
    apart and unit 2 a bias of 1e-9, each with independent noise 1e-6 on every weight and
    noise 1e-12 on the loss (what two quenches into one minimum give; the weights are chosen,
    not a minimum, so the near ties are exact)."""
    model = xor_model((5,), lam=1e-4)
    rng = np.random.default_rng(0)
    w = rng.normal(size=model.n_params)
    sizes = list(model.sizes)
    L = layers_of(sizes, w)
    L[0][1][1] = L[0][1][0] + 1e-5  # near tie of the bias sort
    L[0][1][2] = 1e-9  # near tie of the bias-sign rule
    w = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in L])
    loss = model.loss(w)
    reg = model.registry()
    reg.add(1, loss, model.canonical(w))
    canon_far = 0
    copies = list(group(sizes))
    assert len(copies) == 3840
    for perms, signs in copies:
        exact = symmetry_copy(sizes, w, perms, signs)
        assert model.loss(exact) == pytest.approx(loss, abs=1e-13)
        c = exact + rng.normal(scale=1e-6, size=w.size)
        cc = model.canonical(c)
        canon_far += np.linalg.norm(cc - model.canonical(w)) > GEOMDIFF
        assert reg.match(loss + rng.normal(scale=1e-12), cc) == 1
    # the sort really is broken by the ties: without alignment these would be new minima
    assert canon_far > 100


def test_copies_of_a_real_minimum_are_identified():
    model = xor_model((4,), lam=1e-3)
    x, f = xor_minimum(model)
    reg = model.registry()
    reg.add(7, f, model.canonical(x))
    rng = np.random.default_rng(1)
    sizes = list(model.sizes)
    for perms, signs in group(sizes):
        c = symmetry_copy(sizes, x, perms, signs) + rng.normal(scale=1e-6, size=x.size)
        assert reg.match(model.loss(c), model.canonical(c)) == 7


def test_input_swap_images_stay_distinct():
    """Swapping XOR's two inputs maps minima to minima of equal loss that compute a different
    function: a symmetry of the data, not of the model."""
    model = xor_model((3,), lam=1e-4)
    sizes = list(model.sizes)
    checked = 0
    for seed in range(20):
        x, f = xor_minimum(model, seed)
        L = layers_of(sizes, x)
        L[0] = (L[0][0][:, ::-1], L[0][1])
        xs = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in L])
        assert model.loss(xs) == pytest.approx(f, abs=1e-13)
        if brute_force_distance(sizes, x, xs) < 10 * GEOMDIFF:
            continue  # this minimum is its own swap image (a symmetric solution)
        reg = model.registry()
        reg.add(1, f, model.canonical(x))
        assert reg.match(model.loss(xs), model.canonical(xs)) is None
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("hidden", [(4,), (3, 3), (2, 2, 2)])
def test_alignment_matches_brute_force_over_the_group(hidden):
    model = random_model(hidden)
    sizes = list(model.sizes)
    rng = np.random.default_rng(2)
    for _trial in range(6):
        a = rng.normal(size=model.n_params)
        perms = [rng.permutation(h) for h in hidden]
        signs = [rng.choice([-1, 1], h) for h in hidden]
        b = symmetry_copy(sizes, a, perms, signs) + rng.normal(scale=1e-6, size=a.size)
        aligned, d = model.symmetry.align(a, b)
        brute = brute_force_distance(sizes, a, b)
        assert d == pytest.approx(brute, rel=1e-9, abs=1e-12)
        assert np.linalg.norm(aligned - a) == pytest.approx(d, abs=1e-12)
        assert model.loss(aligned) == pytest.approx(model.loss(b), abs=1e-12)
        # unrelated pairs: never below the true minimum, never above the unaligned distance
        c = rng.normal(size=a.size)
        _, dc = model.symmetry.align(a, c)
        assert brute_force_distance(sizes, a, c) - 1e-12 <= dc <= np.linalg.norm(a - c) + 1e-12
        if len(hidden) == 1:  # one hidden layer: the assignment is exact
            assert dc == pytest.approx(brute_force_distance(sizes, a, c), rel=1e-12)


def test_locality_allows_sign_flips_only():
    model = random_model((4,), n_classes=4, locality=1)
    sizes = list(model.sizes)
    rng = np.random.default_rng(3)
    a = model.full(rng.normal(size=model.n_params))
    flipped = symmetry_copy(sizes, a, [range(4)], [[1, -1, -1, 1]])
    permuted = model.full(symmetry_copy(sizes, a, [[1, 0, 2, 3]], [[1, 1, 1, 1]])[model.free])
    fa = a[model.free]
    assert model.symmetry.align(fa, flipped[model.free])[1] < 1e-14
    brute = brute_force_distance(sizes, a, permuted, permute=False)
    assert model.symmetry.align(fa, permuted[model.free])[1] == pytest.approx(brute, rel=1e-12)
    assert brute > 0.1


def test_output_bias_shift_is_a_symmetry_without_bias_regularisation():
    model = xor_model((3,), lam=1e-3, reg_bias=False)
    x, f = xor_minimum(model)
    shifted = x.copy()
    shifted[-2:] += 3.7  # softmax is invariant to a shift of all logits
    assert model.loss(shifted) == pytest.approx(f, abs=1e-12)
    reg = model.registry()
    reg.add(1, f, model.canonical(x))
    assert reg.match(model.loss(shifted), model.canonical(shifted)) == 1
    assert np.sum(model.layers(model.canonical(x))[1]["b"]) == pytest.approx(0, abs=1e-12)


def test_canonical_form_is_a_loss_preserving_idempotent_representative():
    model = random_model((4, 3))
    w = np.random.default_rng(4).normal(size=model.n_params)
    c = model.canonical(w)
    assert model.loss(c) == pytest.approx(model.loss(w), abs=1e-13)
    assert np.array_equal(model.canonical(c), c)
    assert np.all(model.layers(c)[0]["b"] > 0)


def test_safety_net_merges_points_that_compute_the_same_function():
    """A symmetry the registry was not told about (here: none declared at all) is caught by
    comparing outputs; different outputs are kept apart."""
    rng = np.random.default_rng(5)
    probe = rng.normal(size=20)

    def fingerprint(w):  # depends on w[0] only through its square
        return np.tanh(w[0] ** 2 * probe + w[1])

    reg = PointRegistry(NoSymmetry(), fingerprint, IdentityRule())
    reg.add(1, 0.5, np.array([1.0, 0.2]))
    assert reg.match(0.5, np.array([-1.0, 0.2])) == 1  # mirror image: same outputs
    assert reg.match(0.5, np.array([1.0, 0.3])) is None  # different outputs
    assert reg.match(0.5 + 1e-6, np.array([-1.0, 0.2])) is None  # different loss
    plain = PointRegistry(NoSymmetry(), None, IdentityRule())
    plain.add(1, 0.5, np.array([1.0, 0.2]))
    assert plain.match(0.5, np.array([-1.0, 0.2])) is None


def test_fresh_xor_exploration_stores_no_symmetry_copies(tmp_path):
    """XOR, 5 hidden, λ = 1e-4 (the issue's reproduction): no stored pair is the same minimum
    by an independent brute-force alignment over all 3840 group elements."""
    from lmapp.api import Project

    with Project.create(tmp_path / "x.lmapp", "xor", ModelSpec(hidden=(5,), lam=1e-4)) as p:
        p.explore(steps=800, walkers=2, seed=0, temperature=1.0)
        m = p.minima(order="loss")
        sizes = list(p.model.sizes)
        W = np.array([p.model.full(w) for w in m["weights"]])
    assert len(m["id"]) >= 10
    pairs = 0
    for i, j in itertools.combinations(range(len(m["id"])), 2):
        if abs(m["loss"][i] - m["loss"][j]) < 1e-7:
            pairs += 1
            assert brute_force_distance(sizes, W[i], W[j]) >= GEOMDIFF, (m["id"][i], m["id"][j])
    assert pairs >= 1  # equal-loss pairs exist (input-swap images), and stayed distinct


def test_a_stored_point_keeps_only_its_own_weights_alive():
    """Points arrive as rows of a chunk's canonical matrix; the registry must copy the row, not
    keep the chunk alive (each stored minimum once held its whole chunk: ~208 KB)."""
    import gc
    import tracemalloc

    model = build_model(ModelSpec(hidden=(10, 10)), *_spiral_arrays())
    registry = model.registry()
    P, chunk, n = model.n_params, 64, 150
    rng = np.random.default_rng(0)
    tracemalloc.start()
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for k in range(n):
        rows = model.canonical_rows(rng.normal(size=(chunk, P)))
        registry.add(k, float(k), rows[0])
        del rows
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(registry) == n
    # a few times the weights themselves (8·P bytes each), far from the chunk (64·8·P)
    assert held / n < 4 * 8 * P + 1024, f"{held / n:.0f} bytes per point of {8 * P} bytes"


def _spiral_arrays():
    d = make_dataset("spiral", n_train=50, n_test=10)
    return d.X_train, d.y_train, d.n_classes


def test_bulk_registration_equals_one_by_one():
    """add_many orders points as repeated add does (ties: earlier first), matches the same,
    and copies the rows (the caller's matrix is not kept)."""
    model = build_model(ModelSpec(hidden=(3,)), *_spiral_arrays())
    rng = np.random.default_rng(1)
    W = model.canonical_rows(rng.normal(size=(300, model.n_params)))
    L = np.round(rng.uniform(0, 1, 300), 2)  # many equal losses
    one, bulk = model.registry(), model.registry()
    for i in range(150):
        one.add(i, L[i], W[i])
    bulk.add_many(np.arange(100), L[:100], W[:100])
    bulk.add_many(np.arange(100, 150), L[100:150], W[100:150])  # onto points already there
    assert bulk._ids == one._ids and bulk._loss == one._loss
    assert all(np.array_equal(a, b) for a, b in zip(bulk._coords, one._coords))
    for k in range(300):
        assert bulk.match(L[k], W[k]) == one.match(L[k], W[k])
    first = W[0].copy()
    W[:] = 0.0  # the caller reuses its matrix: the registry's rows are its own
    assert np.array_equal(bulk._coords[bulk._ids.index(0)], first)
    with pytest.raises(ValueError, match="ids"):
        bulk.add_many([1, 2], [0.1], W[:2])

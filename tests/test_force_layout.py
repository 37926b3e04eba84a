"""The Barnes–Hut force layout: its push against the brute-force O(n²) sum, the quadtree's
bookkeeping, and layouts that keep neighbours together, repeat for a seed and stop on abort."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from lmapp.engines.force_layout import build_quadtree, force_layout, repulsion
from lmapp.landscape.graph_layout import layout_iterations, spring_positions


def _brute_push(pos: np.ndarray, k: float) -> np.ndarray:
    d = pos[:, None, :] - pos[None, :, :]
    d2 = (d**2).sum(-1) + 1e-18  # the kernel's softening (keeps coincident points finite)
    np.fill_diagonal(d2, np.inf)
    return (k * k * d / d2[..., None]).sum(axis=1)


def test_quadtree_holds_every_point_once_with_the_right_mass_and_centre():
    pos = np.random.default_rng(0).normal(size=(700, 2))
    child, half, mass, mx, my = build_quadtree(pos.copy())
    leaves = sorted(-(c + 2) for c in child.ravel() if c <= -2)
    assert leaves == list(range(700))
    assert (
        mass[0] == 700
        and mx[0] == pytest.approx(pos[:, 0].mean())
        and my[0] == pytest.approx(pos[:, 1].mean())
    )
    assert np.all(half[1:] < half[0])


@pytest.mark.parametrize("clustered", [False, True])
def test_push_equals_brute_force_exactly_at_theta_0_and_closely_at_0_8(clustered):
    rng = np.random.default_rng(1)
    pos = rng.uniform(size=(600, 2))
    if clustered:  # tight clumps and near-coincident points stress the tree
        pos = np.repeat(rng.uniform(size=(30, 2)), 20, axis=0) + rng.normal(0, 1e-6, (600, 2))
    k = 1 / np.sqrt(600)
    brute = _brute_push(pos, k)
    np.testing.assert_allclose(
        repulsion(pos.copy(), k, 0.0), brute, rtol=1e-9, atol=1e-12 * np.abs(brute).max()
    )
    approx = repulsion(pos.copy(), k, 0.8)
    err = np.linalg.norm(approx - brute, axis=1) / np.linalg.norm(brute, axis=1)
    assert np.median(err) < 0.02 and np.mean(err) < 0.05


def test_layout_keeps_neighbours_close_repeats_and_stops_on_abort():
    g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(20, 20))
    A = nx.to_scipy_sparse_array(g, format="csr")
    P = spring_positions(A)
    assert P.shape == (400, 2) and np.abs(P).max() == pytest.approx(1.0)
    assert np.allclose(P.mean(axis=0), 0, atol=1e-12)
    a, b = np.array(g.edges()).T
    edge = np.linalg.norm(P[a] - P[b], axis=1)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, 400, (2, 2000))
    other = np.linalg.norm(P[i] - P[j], axis=1)
    assert np.median(edge) < 0.25 * np.median(other)
    assert np.std(edge) < 0.6 * np.mean(edge)  # near-uniform edge lengths
    assert np.array_equal(P, spring_positions(A))  # same graph, same seed: same picture
    start = np.random.default_rng(0).uniform(size=(400, 2))
    stopped = force_layout(
        A.indptr.astype(np.int64),
        A.indices.astype(np.int64),
        start.copy(),
        100,
        0.8,
        np.ones(1, np.uint8),
    )
    assert np.array_equal(stopped, start)


def test_iterations_scale_with_size():
    assert layout_iterations(10) == 500 and layout_iterations(10_000) == 300
    assert layout_iterations(100_000) == 100 and layout_iterations(10**7) == 100

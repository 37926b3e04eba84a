"""LJAT3: potential, analytic gradient, minima classification and the generated outcome data."""

import math

import numpy as np
import pytest

from lmapp.datasets import DatasetError, make_dataset
from lmapp.datasets.ljat3 import CUBES, MATCH_TOL, UNCONVERGED, cube_side, quench_outcomes
from lmapp.datasets.ljat3_potential import (
    LINEAR_BOND,
    LINEAR_ENERGY,
    TRIANGLE_BOND,
    TRIANGLE_ENERGY,
    classify_minimum,
    distances,
    fg,
)

Z = (2.0,)


def triangle(r=TRIANGLE_BOND):
    return np.array([0.0, 0, 0, r, 0, 0, r / 2, r * math.sqrt(3) / 2, 0])


def linear(centre, a=LINEAR_BOND):
    """Linear geometry along x with atom ``centre`` (1-based) in the middle."""
    positions = {centre: 0.0}
    ends = [k for k in (1, 2, 3) if k != centre]
    positions[ends[0]], positions[ends[1]] = -a, a
    return np.array([c for k in (1, 2, 3) for c in (positions[k], 0.0, 0.0)])


def test_reference_minima_energies_and_zero_gradient():
    f, g = fg(triangle(), Z)
    assert f == pytest.approx(-2.185, abs=5e-4) and f == pytest.approx(TRIANGLE_ENERGY, abs=1e-9)
    assert np.abs(g).max() < 1e-6
    for centre in (1, 2, 3):
        f, g = fg(linear(centre), Z)
        assert f == pytest.approx(-2.219, abs=5e-4) and f == pytest.approx(LINEAR_ENERGY, abs=1e-9)
        assert np.abs(g).max() < 1e-6
    # the equilateral minimum really is a minimum along the breathing mode
    assert fg(triangle(1.15), Z)[0] > TRIANGLE_ENERGY and fg(triangle(1.19), Z)[0] > TRIANGLE_ENERGY


def test_energy_matches_pair_plus_three_body_formula():
    x = np.array([0.1, -0.2, 0.3, 1.2, 0.1, -0.1, 0.4, 1.0, 0.2])
    p = x.reshape(3, 3)
    r12, r13, r23 = (np.linalg.norm(p[i] - p[j]) for i, j in ((0, 1), (0, 2), (1, 2)))
    cos = [
        np.dot(p[j] - p[i], p[k] - p[i])
        / (np.linalg.norm(p[j] - p[i]) * np.linalg.norm(p[k] - p[i]))
        for i, j, k in ((0, 1, 2), (1, 0, 2), (2, 0, 1))
    ]
    lj = sum(4 * (r**-12 - r**-6) for r in (r12, r13, r23))
    at = 2.0 * (1 + 3 * cos[0] * cos[1] * cos[2]) / (r12 * r13 * r23) ** 3
    assert fg(x, Z)[0] == pytest.approx(lj + at, rel=1e-12)
    assert distances(x) == pytest.approx((r12, r13, r23), rel=1e-14)


def test_gradient_matches_central_differences():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.uniform(0, 2.0, 9)
        if min(distances(x)) < 0.7:
            continue
        _f, g = fg(x, Z)
        h = 1e-6
        numeric = np.array(
            [(fg(x + h * e, Z)[0] - fg(x - h * e, Z)[0]) / (2 * h) for e in np.eye(9)]
        )
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-7 * max(1.0, np.abs(g).max()))


def test_classify_minimum():
    for centre in (1, 2, 3):
        x = linear(centre)
        assert classify_minimum(*distances(x), fg(x, Z)[0], MATCH_TOL) == centre
    assert classify_minimum(*distances(triangle()), TRIANGLE_ENERGY, MATCH_TOL) == 0
    assert classify_minimum(*distances(triangle(1.2)), TRIANGLE_ENERGY, MATCH_TOL) == -1
    assert classify_minimum(1.0, 1.0, 1.0, -1.0, MATCH_TOL) == -1


def test_quenched_minima_have_reference_energies():
    rng = np.random.default_rng(1)
    starts = rng.uniform(0, CUBES["D1"], (300, 9))
    labels, energies = quench_outcomes(starts, 2.0, 1e-10, 10000, 4, 0.1, 1e-4)
    assert np.all(labels >= 0)
    assert set(labels) == {0, 1, 2, 3}
    np.testing.assert_allclose(energies[labels == 0], TRIANGLE_ENERGY, atol=1e-9)
    np.testing.assert_allclose(energies[labels > 0], LINEAR_ENERGY, atol=1e-9)
    assert quench_outcomes(starts[:5], 2.0, 1e-10, 1, 4, 0.1, 1e-4)[0].tolist() == [UNCONVERGED] * 5


def test_generated_dataset_shapes_spec_and_determinism():
    d = make_dataset("ljat3", seed=2, n_train=200, n_test=100, cube="D1")
    assert d.X_train.shape == (200, 2) and d.X_test.shape == (100, 2)
    assert d.feature_names == ("r12", "r13")
    assert d.class_names == ("equilateral", "linear-1", "linear-2", "linear-3") and d.n_classes == 4
    assert np.all(d.X_train > 0) and np.all(d.X_train <= math.sqrt(3) * 2 * math.sqrt(3))
    info = d.spec["ljat3"]
    assert info["cube_side"] == pytest.approx(2 * math.sqrt(3)) and info["Z"] == 2.0
    assert info["minimiser"] == {
        "name": "lmapp.engines.lbfgs (GMIN-style L-BFGS)",
        "gtol": 1e-10,
        "max_iter": 10000,
        "m": 4,
        "max_step": 0.1,
        "max_rise": 1e-4,
    }
    assert info["starts"] == 300 + sum(info["discarded"].values())
    assert d.spec["params"]["cube"] == "D1" and d.spec["standardize"] == {"applied": False}
    again = make_dataset("ljat3", seed=2, n_train=200, n_test=100, cube="D1")
    np.testing.assert_array_equal(again.X_train, d.X_train)
    np.testing.assert_array_equal(again.y_test, d.y_test)
    three = make_dataset("ljat3", seed=2, n_train=200, n_test=100, cube="D1", inputs=3)
    np.testing.assert_array_equal(three.X_train[:, :2], d.X_train)
    r12, r13, r23 = three.X_train.T
    assert np.all(r23 <= r12 + r13 + 1e-12) and three.feature_names == ("r12", "r13", "r23")
    noisy = make_dataset("ljat3", seed=2, n_train=200, n_test=100, cube="D1", mislabel=0.1)
    assert (noisy.y_train != d.y_train).sum() == 20
    np.testing.assert_array_equal(noisy.y_test, d.y_test)


def test_cube_accepts_names_and_numbers():
    assert cube_side("D1") == pytest.approx(2 * math.sqrt(3)) and cube_side("d3") == pytest.approx(
        2 * math.sqrt(2)
    )
    assert cube_side("1.5") == 1.5 and cube_side(2) == 2.0 and CUBES["D2"] == 1.385


@pytest.mark.parametrize(
    ("cube", "triangle_range"),
    [("D1", (0.12, 0.26)), ("D2", (0.65, 0.82)), ("D3", (0.17, 0.31))],
)
def test_class_fractions_are_plausible(cube, triangle_range):
    d = make_dataset("ljat3", seed=0, cube=cube)
    fractions = np.array(d.spec["ljat3"]["class_fractions"])
    assert fractions.sum() == pytest.approx(1.0)
    assert triangle_range[0] < fractions[0] < triangle_range[1]
    # the three linear isomers are equivalent by atom permutation
    linear_mean = fractions[1:].mean()
    assert np.all(np.abs(fractions[1:] - linear_mean) < 0.04)
    y = np.concatenate([d.y_train, d.y_test])
    np.testing.assert_allclose(np.bincount(y, minlength=4) / len(y), fractions)


def test_inputs_are_start_distances_and_labels_their_outcomes():
    # L-BFGS steps are combinations of gradients, so a quench is equivariant under rigid motions:
    # rebuilding a start from its three distances must (up to round-off near basin boundaries)
    # reproduce the recorded outcome.
    d = make_dataset("ljat3", seed=4, cube="D2", n_train=300, n_test=0, inputs=3)
    r12, r13, r23 = d.X_train.T
    x3 = (r12**2 + r13**2 - r23**2) / (2 * r12)
    y3 = np.sqrt(np.maximum(r13**2 - x3**2, 0.0))
    zeros = np.zeros_like(r12)
    starts = np.column_stack([zeros, zeros, zeros, r12, zeros, zeros, x3, y3, zeros])
    labels, _ = quench_outcomes(starts, 2.0, 1e-10, 10000, 4, 0.1, 1e-4)
    assert np.mean(labels == d.y_train) > 0.97


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cube": "D4"}, "cube must be D1, D2, D3 or a positive number, got 'D4'"),
        ({"cube": -1.0}, "cube side must be a positive number"),
        ({"cube": [1]}, "cube must be D1, D2, D3 or a positive number"),
        ({"inputs": 4}, "inputs must be 2"),
        ({"n_train": 0}, "n_train >= 1"),
        ({"gtol": 0.0}, "minimiser settings must be positive"),
        (
            {"max_iter": 1, "n_train": 5, "n_test": 0},
            "only 0 of .* LJAT3 starts reached a known minimum",
        ),
    ],
)
def test_ljat3_parameter_errors(params, message):
    with pytest.raises(DatasetError, match=message):
        make_dataset("ljat3", **params)

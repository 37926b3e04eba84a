"""Conserved weights (SPEC §3.7, seed 002 §2.4): weights that hardly vary across a group of
related minima (a disconnectivity-graph node or a monotonic sequence basin) point to what the
model relies on; input→hidden conserved weights mark their input feature as relevant, and
perturbing them should hurt more than perturbing other weights.

The stored minima are canonical (SPEC §2.3); canonical forms of nearby minima may still differ
by a unit permutation or sign flip, so by default each group is first aligned to its lowest
minimum (:meth:`lmapp.landscape.model.Model.align`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.mlp import layer_offsets
from .dgraph import DGraph
from .metrics import auc
from .model import Model
from .msb import monotonic_sequence_basins


def conserved_weights(W_group: np.ndarray, eta: float) -> np.ndarray:
    """Mask of the weights (columns of ``W_group``, one minimum per row) whose standard
    deviation across the group is below ``eta``."""
    W_group = np.atleast_2d(np.asarray(W_group, float))
    if W_group.shape[0] < 2:
        raise ValueError(f"a group needs at least 2 minima, got {W_group.shape[0]}")
    return W_group.std(axis=0) < eta


def aligned_group(model: Model, W_group: np.ndarray) -> np.ndarray:
    """The group's weight vectors, each moved to its symmetry copy nearest the group's lowest
    minimum (by training loss)."""
    W_group = np.atleast_2d(np.asarray(W_group, float))
    ref = W_group[int(np.argmin([model.loss(w) for w in W_group]))]
    return np.array([model.align(ref, w) for w in W_group])


def group_conserved(
    model: Model, W_group: np.ndarray, eta: float, aligned: bool = True
) -> np.ndarray:
    """:func:`conserved_weights` of a group of minima, aligned first unless ``aligned`` is False."""
    return conserved_weights(aligned_group(model, W_group) if aligned else W_group, eta)


def weight_labels(model: Model) -> list[tuple[int, int, int | None]]:
    """(layer, unit, input) of each free parameter, from the input side; input is None for a
    bias. Layer 0 holds the input→hidden weights, whose input is the feature index."""
    if not model.is_network:
        raise ValueError("weight labels need a network model")
    sizes = model.sizes
    woff, boff, _, n_full, _ = layer_offsets(sizes)
    labels: list[tuple[int, int, int | None]] = [(0, 0, None)] * int(n_full)
    for l in range(sizes.size - 1):
        n_in, n_out = int(sizes[l]), int(sizes[l + 1])
        for unit in range(n_out):
            for k in range(n_in):
                labels[woff[l] + unit * n_in + k] = (l, unit, k)
            labels[boff[l] + unit] = (l, unit, None)
    return [labels[i] for i in model.free]


@dataclass(frozen=True)
class Relevance:
    """Feature relevance from conserved weights over groups of minima."""

    counts: np.ndarray  #: (n_features,) groups conserving ≥ 1 input→hidden weight of a feature
    table: np.ndarray  #: (n_groups, n_features) bool: group conserves a weight of the feature
    masks: np.ndarray  #: (n_groups, P) conserved-weight mask of each group


def feature_relevance(
    model: Model, groups: list[np.ndarray], W: np.ndarray, eta: float, aligned: bool = True
) -> Relevance:
    """Count, per input feature, the groups (index arrays into the rows of ``W``) that conserve
    at least one weight from that feature into the first hidden layer."""
    masks = np.array(
        [group_conserved(model, W[np.asarray(g)], eta, aligned) for g in groups], bool
    ).reshape(len(groups), model.n_params)
    n_features = int(model.sizes[0])
    first = np.zeros((model.n_params, n_features), bool)
    for i, (layer, _, k) in enumerate(weight_labels(model)):
        if layer == 0 and k is not None:
            first[i, k] = True
    table = (masks.astype(np.int64) @ first.astype(np.int64)) > 0
    return Relevance(counts=table.sum(axis=0), table=table, masks=masks)


def dg_level_groups(dg: DGraph, level: int) -> list[tuple[str, np.ndarray]]:
    """The superbasins that exist at level index ``level`` of a disconnectivity graph (levels
    ascend from the global minimum) and hold ≥ 2 minima, as (``level_node`` label, minimum
    indices). A superbasin formed at a lower level keeps that level's label."""
    if not 0 <= level < dg.levels.size:
        raise ValueError(f"level must be 0…{dg.levels.size - 1}, got {level}")
    top = np.where(
        dg.node_parent >= 0, dg.node_level[np.maximum(dg.node_parent, 0)], dg.levels.size
    )
    alive = np.flatnonzero((dg.node_level <= level) & (level < top) & (dg.node_size >= 2))
    return [(dg.label(int(k)), dg.members(int(k))) for k in alive]


def msb_groups(energies: np.ndarray, ts_min1: np.ndarray, ts_min2: np.ndarray) -> list[np.ndarray]:
    """Monotonic sequence basins with ≥ 2 minima, each as minimum indices (its bottom first)."""
    bottom = monotonic_sequence_basins(energies, ts_min1, ts_min2)
    groups = []
    for b in np.unique(bottom):
        members = np.flatnonzero(bottom == b)
        if members.size >= 2:
            groups.append(np.r_[b, members[members != b]])
    return groups


def perturbation_test(
    model: Model,
    W_group: np.ndarray,
    mask: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    scale: float,
    R: int,
    rng: np.random.Generator,
    positive_class: int = 1,
    relative: bool = True,
) -> dict[str, float | np.ndarray]:
    """AUC drop when the conserved weights (``mask``) of every group member are perturbed,
    against the same number of other weights chosen at random (seed 002 §2.4.3), each
    repeated R times.

    Perturbation: w ← w·(1 + scale·ε) with ε ~ N(0, 1) (``relative``), or w ← w + scale·ε.
    Relative noise asks how much the minimum relies on a weight; additive noise on a weight
    near zero instead creates a dependence the minimum never had. Returns mean drops
    ``conserved`` and ``random`` (a member's AUC minus its AUC after the perturbation,
    averaged over members and repeats) and the per-repeat means.
    """
    W_group = np.atleast_2d(np.asarray(W_group, float))
    mask = np.asarray(mask, bool)
    chosen = np.flatnonzero(mask)
    others = np.flatnonzero(~mask)
    if chosen.size == 0 or others.size < chosen.size:
        raise ValueError(
            f"need ≥ 1 conserved weight and as many others; got {chosen.size} "
            f"conserved of {mask.size}"
        )
    pos = np.asarray(y) == positive_class

    def score(w: np.ndarray) -> float:
        return auc(model.predict_proba(w, X)[:, positive_class], pos)

    base = np.array([score(w) for w in W_group])

    def mean_drop(random_weights: bool) -> float:
        drops = []
        for b, w in zip(base, W_group):
            idx = rng.choice(others, chosen.size, replace=False) if random_weights else chosen
            v = w.copy()
            eps = rng.normal(0.0, scale, idx.size)
            v[idx] += v[idx] * eps if relative else eps
            drops.append(b - score(v))
        return float(np.mean(drops))

    cons = np.array([mean_drop(False) for _ in range(R)])
    rand = np.array([mean_drop(True) for _ in range(R)])
    return {
        "conserved": float(cons.mean()),
        "random": float(rand.mean()),
        "conserved_drops": cons,
        "random_drops": rand,
    }

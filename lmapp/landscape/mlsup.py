"""MLSUP — a superposition of minima (SPEC §3.6, seed 000): pick a few complementary minima,
train a gate network that chooses one of them per input item, and compare the result with the
members, a majority vote and the theoretical maximum (TMA).

Member selection works on plain arrays and returns distinct minimum indices: MMDBM (best-AUC
minimum plus the minima farthest from it in misclassification space), C_V-peak contributors,
the relaxed quadratic programme over pairwise distances, or random draws (baseline).

For a binary problem the AUC of the positive class obeys, item pair by item pair,
best individual ≤ TMA and MLSUP ≤ TMA: the TMA gives every positive item the members' largest
positive-class probability and every negative item the smallest, which no single member and no
gate can beat. For more than two classes these bounds need not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse.linalg

from ..engines.lbfgs import NO_ABORT
from .distances import distance_to
from .metrics import auc
from .model import Model, ModelSpec, build_model
from .thermo import find_peaks, heat_capacity, top_contributors

GATE_HIDDEN = (3,)
GATE_LAM = 1e-4
#: keys of :func:`evaluate` that compare MLSUP with its baselines (AUCs on the given data)
AUC_KEYS = ("best_individual", "mlsup", "majority_vote", "tma")


# --------------------------------------------------------------------------- selection


def select_by_hand(ids: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Positions in ``ids`` of the minimum ids ``wanted`` (≥ 2, distinct, all present)."""
    ids = np.asarray(ids, np.int64)
    wanted = [int(i) for i in wanted]
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"members must be distinct, got {wanted}")
    if len(wanted) < 2:
        raise ValueError(f"MLSUP needs at least 2 members, got {len(wanted)}")
    pos = {int(i): k for k, i in enumerate(ids)}
    missing = [i for i in wanted if i not in pos]
    if missing:
        raise ValueError(f"no minimum with id {', '.join(map(str, missing))}")
    return np.array([pos[i] for i in wanted], np.int64)


def select_mmdbm(
    auc_test: np.ndarray,
    pred_test: np.ndarray,
    y_test: np.ndarray,
    m: int = 2,
    kind: str = "differ",
) -> np.ndarray:
    """MMDBM: the best-AUC minimum, then the ``m − 1`` minima at the largest misclassification
    distance (``kind`` of :mod:`.distances`) from it; seed 000 §4.2 uses m = 2.
    ``pred_test`` holds the predicted classes (n_minima, N)."""
    auc_test = np.asarray(auc_test, float)
    _check_m(m, auc_test.size)
    best = int(np.nanargmax(auc_test))
    d = distance_to(pred_test, y_test, best, kind).astype(float)
    d[best] = -np.inf
    far = np.argsort(-d, kind="stable")[: m - 1]
    return np.r_[best, far].astype(np.int64)


def cv_peak_temperatures(
    L: np.ndarray, lpphe: np.ndarray, T: np.ndarray | None = None
) -> np.ndarray:
    """Temperatures of the C_V peaks of minima (L, LPPHE), highest peak first.

    The default grid spans 10⁻⁴…10 times the loss range (log-spaced, 600 points). κ/2 only
    shifts C_V, so it is left out here.
    """
    L = np.asarray(L, float)
    if T is None:
        span = float(np.ptp(L)) or 1.0
        T = span * np.logspace(-4, 1, 600)
    th = heat_capacity(L, lpphe, T, 0)
    return th.T[find_peaks(th.T, th.Cv)]


def select_cv_peak(
    L: np.ndarray, lpphe: np.ndarray, m: int = 2, peak: int = 0, T: np.ndarray | None = None
) -> np.ndarray:
    """C_V-peak members: at the ``peak``-th highest C_V peak, the minima with the largest
    positive and most negative g_α = dp_α/dT, alternately (positive first)."""
    L = np.asarray(L, float)
    _check_m(m, L.size)
    peaks = cv_peak_temperatures(L, lpphe, T)
    if peaks.size <= peak:
        raise ValueError(
            f"C_V has {peaks.size} peak(s) on the temperature grid; cannot use peak {peak + 1}"
        )
    pos, neg = top_contributors(L, lpphe, float(peaks[peak]), m)
    order = [k for pair in zip(pos, neg) for k in pair]
    order += [int(k) for k in np.r_[pos[len(neg) :], neg[len(pos) :]]]
    if len(order) < m:
        raise ValueError(f"only {len(order)} minima contribute to C_V at that peak; asked for {m}")
    return np.array(order[:m], np.int64)


def select_qp(
    D: np.ndarray,
    m: int,
    starts: int = 8,
    rng: np.random.Generator | None = None,
    max_iter: int = 5000,
) -> np.ndarray:
    """Pairwise selection (seed 000 appendix): maximise yᵀDy subject to 0 ≤ y ≤ 1, Σy = m,
    then keep the m largest yᵢ.

    D (symmetric, ≥ 0, zero diagonal) makes the objective indefinite, so several starts run
    (uniform y = m/n, then random points); the start whose rounded selection has the largest
    summed pairwise distance wins. Each costs about a hundred products D·y.
    """
    D = np.asarray(D, float)
    n = int(D.shape[0])
    if D.shape != (n, n):
        raise ValueError(f"D must be square, got shape {D.shape}")
    _check_m(m, n)
    rng = np.random.default_rng(0) if rng is None else rng
    lam_min = (
        np.linalg.eigvalsh(D)[0]
        if n <= 1000
        else scipy.sparse.linalg.eigsh(D, k=1, which="SA", return_eigenvectors=False)[0]
    )
    step = 0.9 / max(-lam_min, 1e-12)
    best, best_val = np.arange(m), -np.inf
    for s in range(max(starts, 1)):
        y0 = np.full(n, m / n) if s == 0 else _capped_simplex(rng.uniform(0.0, 1.0, n), m)
        y = _qp_ascent(D, m, y0, step, max_iter)
        pick = np.sort(np.argsort(-y, kind="stable")[:m])
        val = spread(D, pick)
        if val > best_val:
            best, best_val = pick, val
    return best.astype(np.int64)


def _qp_ascent(D: np.ndarray, m: int, y: np.ndarray, step: float, max_iter: int) -> np.ndarray:
    """Projected gradient ascent on yᵀDy with Nesterov momentum, restarted whenever the
    objective would fall. A plain step of 0.9/|λ_min(D)| never lowers it, because
    f(y + d) − f(y) ≥ (1/step + λ_min)‖d‖² for a projected step d. One product D·y per step:
    D·z follows linearly from D·y."""
    Dy = D @ y
    f = y @ Dy
    z, Dz, t = y, Dy, 1.0
    for _ in range(max_iter):
        y_new = _capped_simplex(z + 2.0 * step * Dz, m)
        Dy_new = D @ y_new
        f_new = y_new @ Dy_new
        if f_new < f and t > 1.0:  # momentum overshot: restart from y
            z, Dz, t = y, Dy, 1.0
            continue
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_new
        done = np.max(np.abs(y_new - y)) < 1e-7
        z, Dz = y_new + beta * (y_new - y), Dy_new + beta * (Dy_new - Dy)
        y, Dy, f, t = y_new, Dy_new, f_new, t_new
        if done:
            break
    return y


def _capped_simplex(v: np.ndarray, m: float) -> np.ndarray:
    """Euclidean projection of ``v`` onto {0 ≤ y ≤ 1, Σy = m} (bisection on the shift)."""
    lo, hi = float(v.min()) - 1.0, float(v.max())
    for _ in range(64):
        tau = 0.5 * (lo + hi)
        if np.clip(v - tau, 0.0, 1.0).sum() > m:
            lo = tau
        else:
            hi = tau
    return np.clip(v - 0.5 * (lo + hi), 0.0, 1.0)


def select_random(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """``m`` distinct minima drawn uniformly (the baseline selection)."""
    _check_m(m, n)
    return np.sort(rng.choice(n, size=m, replace=False)).astype(np.int64)


def spread(D: np.ndarray, members: np.ndarray) -> float:
    """Summed pairwise distance Σ_{i<j} D[i, j] within a selection."""
    sub = np.asarray(D, float)[np.ix_(members, members)]
    return float(np.triu(sub, 1).sum())


def _check_m(m: int, n: int) -> None:
    if not 2 <= m <= n:
        raise ValueError(f"MLSUP needs 2 ≤ members ≤ {n} (the minima available), got {m}")


# --------------------------------------------------------------------------- members and gate


def member_probabilities(model: Model, W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Class probabilities (m, N, C) of each member (rows of ``W``) on inputs X."""
    return np.stack([model.predict_proba(w, X) for w in np.atleast_2d(W)])


def correct_class_probabilities(P: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each member's probability of each item's correct class, (m, N): its confidence."""
    y = np.asarray(y, np.int64)
    return P[:, np.arange(y.size), y]


def best_members(P: np.ndarray, y: np.ndarray) -> np.ndarray:
    """b_d = argmax_m p^m_{c(d)}(x_d): the gate's training target (ties: first member)."""
    return np.argmax(correct_class_probabilities(P, y), axis=0)


def gate_network(
    n_features: int,
    n_members: int,
    hidden: tuple[int, ...] = GATE_HIDDEN,
    lam: float = GATE_LAM,
    X: np.ndarray | None = None,
    b: np.ndarray | None = None,
) -> Model:
    """The gate as a model of lmapp's engine: inputs → ``hidden`` tanh → one output per member.

    Bound to training data (X, b) when given; without data it serves for predictions only.
    """
    if X is None or b is None:
        X, b = np.zeros((n_members, n_features)), np.arange(n_members)
    return build_model(ModelSpec(hidden=tuple(hidden), lam=lam), X, b, n_members)


class Cancelled(Exception):
    """Gate training stopped because its abort flag was raised."""


def train_gate(
    X: np.ndarray,
    b: np.ndarray,
    n_members: int,
    hidden: tuple[int, ...] = GATE_HIDDEN,
    lam: float = GATE_LAM,
    starts: int = 5,
    rng: np.random.Generator | None = None,
    gtol: float = 1e-6,
    abort: np.ndarray = NO_ABORT,
) -> tuple[np.ndarray, float]:
    """Fit the gate to targets ``b`` with lmapp's L-BFGS from ``starts`` random points
    (uniform in [−1, 1]); returns the weights of the lowest loss found and that loss.
    Raising ``abort`` (uint8[1], any thread) stops it within one L-BFGS iteration
    (:class:`Cancelled`)."""
    rng = np.random.default_rng(0) if rng is None else rng
    gate = gate_network(X.shape[1], n_members, hidden, lam, X, b)
    best_w, best_f = None, np.inf
    for _ in range(max(starts, 1)):
        w, f, _, _, _ = gate.minimize(gate.random_start(rng), abort, gtol=gtol)
        if abort[0]:
            raise Cancelled("gate training cancelled")
        if f < best_f:
            best_w, best_f = w, f
    if best_w is None:
        raise ValueError("gate training reached no finite loss from any start")
    return best_w, float(best_f)


# --------------------------------------------------------------------------- the ensemble


@dataclass
class Ensemble:
    """A trained MLSUP: member minima, their weights and the gate that chooses among them."""

    members: np.ndarray  #: minimum ids (or indices) of the members, in gate-output order
    member_weights: np.ndarray  #: (m, P) weight vectors of the members
    gate_weights: np.ndarray  #: free parameters of the gate network
    gate_hidden: tuple[int, ...] = GATE_HIDDEN
    gate_lam: float = GATE_LAM
    positive_class: int = 1  #: class whose probability the AUCs rank
    selection: str = "hand"  #: how the members were chosen (mmdbm, cv, qp, random, hand)
    metrics: dict[str, Any] = field(default_factory=dict)  #: results of :func:`evaluate`

    def __post_init__(self) -> None:
        self.members = np.asarray(self.members, np.int64)
        self.member_weights = np.atleast_2d(np.asarray(self.member_weights, float))
        self.gate_weights = np.asarray(self.gate_weights, float)
        self.gate_hidden = tuple(int(h) for h in self.gate_hidden)

    @property
    def n_members(self) -> int:
        return int(self.members.size)

    def choose(self, X: np.ndarray) -> np.ndarray:
        """Index (into ``members``) of the member the gate picks for each row of X."""
        X = np.asarray(X, float)
        gate = gate_network(X.shape[1], self.n_members, self.gate_hidden, self.gate_lam)
        return gate.predict(self.gate_weights, X)

    def predict_proba(self, model: Model, X: np.ndarray) -> np.ndarray:
        """MLSUP class probabilities (N, C): each row from the member the gate picks."""
        P = member_probabilities(model, self.member_weights, X)
        return P[self.choose(X), np.arange(P.shape[1])]


def fit_mlsup(
    model: Model,
    member_weights: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    members: np.ndarray | None = None,
    *,
    gate_hidden: tuple[int, ...] = GATE_HIDDEN,
    gate_lam: float = GATE_LAM,
    starts: int = 5,
    seed: int = 0,
    gtol: float = 1e-6,
    positive_class: int = 1,
    selection: str = "hand",
    abort: np.ndarray = NO_ABORT,
) -> Ensemble:
    """Train the gate of an MLSUP on training data (X, y): each item's target is the member
    most confident in its correct class. ``members`` are the ids recorded (default 0…m−1);
    ``abort`` as in :func:`train_gate`."""
    W = np.atleast_2d(np.asarray(member_weights, float))
    if W.shape[0] < 2:
        raise ValueError(f"MLSUP needs at least 2 members, got {W.shape[0]}")
    b = best_members(member_probabilities(model, W, X), y)
    w_gate, _ = train_gate(
        np.asarray(X, float),
        b,
        W.shape[0],
        gate_hidden,
        gate_lam,
        starts,
        np.random.default_rng(seed),
        gtol,
        abort,
    )
    ids = np.arange(W.shape[0]) if members is None else members
    return Ensemble(ids, W, w_gate, gate_hidden, gate_lam, positive_class, selection)


def evaluate(ens: Ensemble, model: Model, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """MLSUP against its baselines on data (X, y), AUCs for ``ens.positive_class``.

    Keys: ``best_individual`` (best member AUC), ``mlsup``, ``majority_vote`` (AUC whose score is
    the fraction of members voting for the positive class; with two members it is 0, ½ or 1),
    ``tma`` (each item takes the member most confident in its correct class), ``member_auc``,
    ``mlsup_accuracy``, ``majority_vote_accuracy`` (an item counts as correct when its class
    gets at least as many votes as any other: ties correct, as in seed 000), ``tma_accuracy``,
    ``gate_accuracy`` (gate picks the most confident member) and ``members``.
    """
    y = np.asarray(y, np.int64)
    c = ens.positive_class
    pos = y == c
    rows = np.arange(y.size)
    P = member_probabilities(model, ens.member_weights, X)
    choice = ens.choose(X)
    target = best_members(P, y)
    p_mlsup = P[choice, rows]
    p_tma = P[target, rows]
    votes = P.argmax(axis=2)  # (m, N)
    counts = (votes[None] == np.arange(P.shape[2])[:, None, None]).sum(axis=1)  # (C, N)
    member_auc = [auc(P[k, :, c], pos) for k in range(ens.n_members)]
    return {
        "members": ens.members.tolist(),
        "best_individual": float(np.nanmax(member_auc)),
        "mlsup": auc(p_mlsup[:, c], pos),
        "majority_vote": auc(counts[c] / ens.n_members, pos),
        "tma": auc(p_tma[:, c], pos),
        "member_auc": member_auc,
        "mlsup_accuracy": float(np.mean(p_mlsup.argmax(axis=1) == y)),
        "majority_vote_accuracy": float(np.mean(counts[y, rows] == counts.max(axis=0))),
        "tma_accuracy": float(np.mean(p_tma.argmax(axis=1) == y)),
        "gate_accuracy": float(np.mean(choice == target)),
    }


def random_baseline(
    model: Model,
    W: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    m: int,
    repeats: int,
    rng: np.random.Generator,
    **fit: Any,
) -> dict[str, np.ndarray]:
    """MLSUP on ``repeats`` random member sets of size m drawn from the rows of ``W``: the
    per-draw AUCs (``AUC_KEYS``) on test data and the drawn rows; report their means."""
    out: dict[str, list] = {k: [] for k in (*AUC_KEYS, "members")}
    for _ in range(repeats):
        pick = select_random(W.shape[0], m, rng)
        ens = fit_mlsup(model, W[pick], *train, pick, selection="random", **fit)
        res = evaluate(ens, model, *test)
        for k in AUC_KEYS:
            out[k].append(res[k])
        out["members"].append(pick)
    return {k: np.array(v) for k, v in out.items()}

"""CLI commands that turn minima into ML insight: ``mlsup`` (combine minima with a gate
network) and ``conserved`` (conserved weights and feature relevance of groups of minima)."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..api import Project
from ..landscape.conserved import dg_level_groups, feature_relevance, msb_groups, weight_labels
from ..landscape.dgraph import disconnectivity_graph
from ..landscape.distances import misclassification_matrix
from ..landscape.metrics import auc
from ..landscape.mlsup import (
    AUC_KEYS,
    GATE_LAM,
    evaluate,
    fit_mlsup,
    member_probabilities,
    select_by_hand,
    select_cv_peak,
    select_mmdbm,
    select_qp,
    select_random,
)
from ..store.codec import json_text
from ..store.ensembles import save_ensemble
from .errors import UsageError
from .numbers import count, index, nonnegative, positive, ranged

SELECTIONS = ("mmdbm", "cv", "qp", "random")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 3 or 5,5, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be ≥ 1, got {text!r}")
    return sizes


def add_parsers(sub: Any) -> None:
    """Register the subcommands on the main parser's subparsers."""
    p = sub.add_parser("mlsup", help="combine minima with a gate network (MLSUP) and compare AUCs")
    p.add_argument("project")
    p.add_argument(
        "--select",
        default="mmdbm",
        metavar="HOW",
        help="mmdbm, cv, qp, random, or comma-separated minimum ids (default mmdbm)",
    )
    p.add_argument(
        "--members", type=ranged(int, 2, 1000), metavar="M", help="number of members (default 2)"
    )
    p.add_argument("--peak", type=count, default=1, help="C_V peak for --select cv (1 = highest)")
    p.add_argument(
        "--gate-hidden",
        type=_sizes,
        default=(3,),
        metavar="H",
        help="gate hidden layer sizes, e.g. 3 or 5,5 (default 3)",
    )
    p.add_argument(
        "--gate-lam", type=nonnegative, default=GATE_LAM, help=f"gate λ (default {GATE_LAM:g})"
    )
    p.add_argument(
        "--starts", type=ranged(int, 1, 1000), default=5, help="gate training starts (default 5)"
    )
    p.add_argument(
        "--positive-class", type=index, default=1, help="class ranked by the AUCs (default 1)"
    )
    p.add_argument(
        "--seed",
        type=ranged(int, 0, 2**63 - 1),
        default=0,
        help="random seed (selection and gate starts)",
    )
    p.add_argument("--save", metavar="NAME", help="save the ensemble in the project under NAME")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser(
        "conserved", help="conserved weights and feature relevance of groups of minima"
    )
    p.add_argument("project")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--level",
        type=index,
        metavar="L",
        help="groups: disconnectivity-graph superbasins at level index L (0 = lowest)",
    )
    how.add_argument("--msb", action="store_true", help="groups: monotonic sequence basins")
    p.add_argument(
        "--threshold",
        type=positive,
        default=0.01,
        metavar="ETA",
        help="conserved if the std across the group is below ETA (default 0.01)",
    )
    p.add_argument(
        "--levels",
        type=ranged(int, 2, 10_000),
        default=20,
        help="disconnectivity-graph levels (default 20)",
    )
    p.add_argument(
        "--no-align",
        action="store_true",
        help="compare canonical forms as stored, without aligning to the lowest minimum",
    )
    p.add_argument("--json", action="store_true")


# --------------------------------------------------------------------------- mlsup


def _select(
    a: argparse.Namespace, how: str, project: Project, minima: dict[str, np.ndarray]
) -> np.ndarray:
    """Row positions in ``minima`` of the members chosen by ``how``."""
    n = minima["id"].size
    if how not in SELECTIONS:
        try:
            wanted = [int(s) for s in how.split(",")]
        except ValueError:
            raise UsageError(
                f"--select must be one of {', '.join(SELECTIONS)} or comma-separated "
                f"minimum ids, got {a.select!r}"
            ) from None
        if a.members is not None and a.members != len(wanted):
            raise UsageError(f"--members {a.members} disagrees with the {len(wanted)} ids given")
        return select_by_hand(minima["id"], wanted)
    m = 2 if a.members is None else a.members
    if how == "random":
        return select_random(n, m, np.random.default_rng(a.seed))
    if how == "cv":
        return select_cv_peak(minima["loss"], minima["lpphe"], m, peak=a.peak - 1)
    d = project.dataset
    P = member_probabilities(project.model, minima["weights"], d.X_test)
    pred = P.argmax(axis=2)
    if how == "qp":
        return select_qp(
            misclassification_matrix(pred, d.y_test), m, rng=np.random.default_rng(a.seed)
        )
    aucs = np.array([auc(p[:, a.positive_class], d.y_test == a.positive_class) for p in P])
    return select_mmdbm(aucs, pred, d.y_test, m)


def cmd_mlsup(a: argparse.Namespace) -> int:
    with Project.open(a.project, readonly=a.save is None) as project:
        d, model = project.dataset, project.model
        if not model.is_network:
            raise UsageError("MLSUP combines classifier minima; this project is a regression model")
        if not 0 <= a.positive_class < d.n_classes:
            raise UsageError(
                f"--positive-class must be 0…{d.n_classes - 1}, got {a.positive_class}"
            )
        if d.X_test.shape[0] == 0:
            raise UsageError("MLSUP is evaluated on test data; this project has none")
        minima = project.minima(order="loss")
        how = a.select.strip().lower()
        try:
            rows = _select(a, how, project, minima)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        ens = fit_mlsup(
            model,
            minima["weights"][rows],
            d.X_train,
            d.y_train,
            minima["id"][rows],
            gate_hidden=a.gate_hidden,
            gate_lam=a.gate_lam,
            starts=a.starts,
            seed=a.seed,
            positive_class=a.positive_class,
            selection=how if how in SELECTIONS else "hand",
        )
        ens.metrics = evaluate(ens, model, d.X_test, d.y_test)
        if a.save:
            save_ensemble(project.file, a.save, ens)
    res = {"selection": ens.selection, **ens.metrics}
    if a.json:
        print(json_text(res))
        return 0
    print(f"members          {', '.join(map(str, res['members']))} ({ens.selection})")
    print(f"member AUCs      {', '.join(f'{v:.4f}' for v in res['member_auc'])}")
    names = {
        "best_individual": "best individual",
        "mlsup": "MLSUP",
        "majority_vote": "majority vote",
        "tma": "TMA",
    }
    for k in AUC_KEYS:
        print(f"{names[k]:<16} {res[k]:.4f}")
    print(
        f"accuracy         MLSUP {res['mlsup_accuracy']:.4f}, majority vote (ties correct) "
        f"{res['majority_vote_accuracy']:.4f}, TMA {res['tma_accuracy']:.4f}; "
        f"gate picks the best member for {res['gate_accuracy']:.1%} of test items"
    )
    if a.save:
        print(f"saved as ensemble {a.save!r}")
    return 0


# --------------------------------------------------------------------------- conserved


def cmd_conserved(a: argparse.Namespace) -> int:
    with Project.open(a.project, readonly=True) as project:
        model = project.model
        if not model.is_network:
            raise UsageError("conserved weights need a network model; this is a regression project")
        arr = project.landscape_arrays()
        W = project.minima(order="id")["weights"]
        features = project.dataset.feature_names
    ids = arr["ids"]
    if a.msb:
        groups = [
            (f"msb_{ids[g[0]]}", g)
            for g in msb_groups(arr["energies"], arr["ts_min1"], arr["ts_min2"])
        ]
    else:
        if not 0 <= a.level < a.levels:
            raise UsageError(
                f"--level must be 0…{a.levels - 1} for --levels {a.levels}, got {a.level}"
            )
        if ids.size == 0:
            raise UsageError(f"{a.project} has no minima yet")
        dg = disconnectivity_graph(
            arr["energies"], arr["ts_energy"], arr["ts_min1"], arr["ts_min2"], n_levels=a.levels
        )
        groups = dg_level_groups(dg, a.level)
    rel = feature_relevance(model, [g for _, g in groups], W, a.threshold, aligned=not a.no_align)
    labels = weight_labels(model)
    out = {
        "threshold": a.threshold,
        "level": a.level,
        "groups": [
            {
                "label": name,
                "members": ids[g].tolist(),
                "conserved": [
                    {"layer": labels[i][0], "unit": labels[i][1], "input": labels[i][2]}
                    for i in np.flatnonzero(mask)
                ],
            }
            for (name, g), mask in zip(groups, rel.masks)
        ],
        "feature_relevance": dict(zip(features, rel.counts.tolist())),
    }
    if a.json:
        print(json_text(out))
        return 0
    where = "monotonic sequence basins" if a.msb else f"level {a.level} of {a.levels}"
    if not groups:
        print(
            f"no group of ≥ 2 minima ({where}; {arr['ts_ids'].size} transition states — "
            "`lmapp connect` joins minima)"
        )
        return 0
    print(f"{len(groups)} groups ({where}), conserved: std < {a.threshold:g}")
    n_layers = model.sizes.size - 1
    for g in out["groups"]:
        print(f"group {g['label']}: minima {', '.join(map(str, g['members']))}")
        for c in g["conserved"]:
            print(f"    {_weight_name(c['layer'], c['unit'], c['input'], n_layers, features)}")
        if not g["conserved"]:
            print("    none")
    print(
        "feature relevance (groups conserving a weight from the feature): "
        + ", ".join(f"{k} {v}" for k, v in out["feature_relevance"].items())
    )
    return 0


def _weight_name(
    layer: int, unit: int, src: int | None, n_layers: int, features: tuple[str, ...]
) -> str:
    """``x1 → hidden1[0]``, ``hidden1[2] → output[1]`` or ``bias → output[0]``."""

    def name(l: int, u: int) -> str:
        return f"output[{u}]" if l == n_layers - 1 else f"hidden{l + 1}[{u}]"

    origin = "bias" if src is None else (features[src] if layer == 0 else name(layer - 1, src))
    return f"{origin} → {name(layer, unit)}"


COMMANDS = {"mlsup": cmd_mlsup, "conserved": cmd_conserved}

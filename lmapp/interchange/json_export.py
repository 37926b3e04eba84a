"""JSON export of a project: model spec, dataset spec, every minimum and transition state as
per-layer arrays, so any tool can rebuild the network and its loss (format in the README)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import Dataset
from ..landscape.model import Model
from ..store import ProjectFile
from ..store.codec import json_text

FORMAT = "lmapp-export"
FORMAT_VERSION = 1


def _model_block(model: Model) -> dict[str, Any]:
    d: dict[str, Any] = dict(model.spec.to_dict())
    d["n_params"] = model.n_params
    if model.is_network:
        d.update(
            sizes=[int(s) for s in model.sizes],
            activation="tanh",
            output="softmax",
            layer_arrays="W (out x in), b (out), from the input side",
            loss_formula=(
                "mean cross-entropy + lam * sum(V^2)"
                if model.spec.loss == "ce"
                else "-appAUC(beta) + lam * sum(V^2)"
            ),
            regularised="all weights and biases"
            if model.spec.reg_bias
            else "weights only (no biases)",
        )
    else:
        d.update(formula="y = exp(-q1 x) sin(q2 x + q3) sin(q4 x + q5); E = sum (t - y)^2")
    return d


def _params_block(model: Model, w: np.ndarray) -> dict[str, Any]:
    if model.is_network:
        return {"layers": [{"W": l["W"].tolist(), "b": l["b"].tolist()} for l in model.layers(w)]}
    return {"layers": [], "q": np.asarray(w, float).tolist()}


def _num(x: float) -> float | None:
    """JSON has no NaN/inf: such values become null."""
    return float(x) if math.isfinite(x) else None


def export_json(
    pf: ProjectFile, data: Dataset, model: Model, out: str | Path, with_data: bool = False
) -> dict[str, int]:
    """Write the export file; returns counts of what was written."""
    m = pf.minima(with_weights=True, order="id")
    minima = []
    for i in range(m["id"].size):
        minima.append(
            {
                "id": int(m["id"][i]),
                "loss": _num(m["loss"][i]),
                "rms_grad": _num(m["rms_grad"][i]),
                "hessian_index": int(m["hessian_index"][i]),
                "lpphe": _num(m["lpphe"][i]),
                **_params_block(model, m["weights"][i]),
            }
        )
    t = pf.transition_states(with_weights=True)
    states = [
        {
            "id": int(t["id"][i]),
            "loss": _num(t["loss"][i]),
            "rms_grad": _num(t["rms_grad"][i]),
            "eigenvalue": _num(t["eigenvalue"][i]),
            "min1": int(t["min1"][i]),
            "min2": int(t["min2"][i]),
            **_params_block(model, t["weights"][i]),
        }
        for i in range(t["id"].size)
    ]
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": _model_block(model),
        "dataset": data.spec,
        "minima": minima,
        "transition_states": states,
    }
    if with_data:
        doc["data"] = {k: v.tolist() for k, v in data.arrays().items()}
    Path(out).write_text(json_text(doc))
    return {"minima": len(minima), "transition_states": len(states)}

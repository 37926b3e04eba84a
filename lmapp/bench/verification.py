"""Minimum verification at MNIST size (seeds 001 and 003: [784, 10, 10], ~8000 parameters): the
time of one quench plus its verification against one ``numpy.linalg.eigvalsh`` of a Hessian of
that size (what verification cost before the Cholesky check), and their agreement."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..engines.spectrum import classify_spectrum
from ..landscape.model import ModelSpec, build_model
from ..landscape.verify import verify_minimum

#: (zoom of sklearn's 8×8 digits, items): 3.5 → 28×28 pixels as in MNIST; quick: 14×14
SIZES = {"full": (3.5, 1000), "quick": (1.75, 500)}
HIDDEN, LAM, GTOL = 10, 1e-4, 1e-8


def digits_like_mnist(zoom: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """sklearn's handwritten digits, interpolated up to MNIST's 28×28 pixels, in [0, 1]."""
    from scipy.ndimage import zoom as interpolate
    from sklearn.datasets import load_digits

    d = load_digits()
    X = np.array([interpolate(im, zoom, order=1) for im in d.images[:n]]).reshape(n, -1)
    return X / 16.0, d.target[:n].astype(np.int64)


def run(folder: Path, quick: bool) -> list[dict]:
    zoom, n = SIZES["quick" if quick else "full"]
    X, y = digits_like_mnist(zoom, n)
    model = build_model(ModelSpec(hidden=(HIDDEN,), lam=LAM), X, y, 10)
    w0 = model.random_start(np.random.default_rng(0))
    model.minimize(w0, max_iter=2)  # compile / load the kernels
    t = time.perf_counter()
    x, _, _, iterations, _ = model.minimize(w0, gtol=GTOL)
    quench = time.perf_counter() - t
    t = time.perf_counter()
    v = verify_minimum(model, x, GTOL)
    verify = time.perf_counter() - t
    H = model.hessian(x)
    t = time.perf_counter()
    eigs = np.linalg.eigvalsh(H)
    eigvalsh = time.perf_counter() - t
    index, _, lpphe = classify_spectrum(eigs, 1e-9)
    return [
        {
            "case": f"[{X.shape[1]}, {HIDDEN}, 10] on {n} items",
            "params": model.n_params,
            "quench_s": quench,
            "iterations": int(iterations),
            "verify_s": verify,
            "eigvalsh_s": eigvalsh,
            "ratio": (quench + verify) / eigvalsh,
            "is_minimum": v.is_minimum,
            "index_agrees": v.hessian_index == int(index),
            "lpphe_rel_diff": abs(v.lpphe - lpphe) / abs(lpphe) if v.is_minimum else None,
        }
    ]


def report(r: dict) -> str:
    lp = "—" if r["lpphe_rel_diff"] is None else f"{r['lpphe_rel_diff']:.0e}"
    return (
        f"verify {r['case']} (P = {r['params']}): quench {r['quench_s']:.2f} s "
        f"({r['iterations']} it) + verification {r['verify_s']:.2f} s = "
        f"{r['ratio']:.2f} x one eigvalsh ({r['eigvalsh_s']:.2f} s); minimum "
        f"{r['is_minimum']}, index agrees {r['index_agrees']}, LPPHE rel. diff {lp}"
    )

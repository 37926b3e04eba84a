"""CLI commands that analyse a project's minima: ``thermo`` (heat capacity, SPEC §3.3),
``metrics`` (per-minimum classifier metrics, §3.4) and ``distances`` (§3.5)."""

from __future__ import annotations

import argparse
import csv
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..api import Project
from ..landscape.distances import (
    KINDS,
    PARTS,
    euclidean_matrix,
    misclassification_matrix,
    pearson,
    predicted_classes,
)
from ..landscape.msb import minimax_barrier_to
from ..landscape.thermo import Thermo, find_peaks, g_alpha, heat_capacity, top_contributors
from ..store import ProjectError
from ..store.metrics_cache import minimum_metrics
from ..words import minima
from .errors import UsageError
from .numbers import index, positive, ranged

CSV_COLUMNS = ("T", "Cv", "Cplus", "Cminus", "S", "F")
METRIC_COLUMNS = (
    "id",
    "loss",
    "train_acc",
    "test_acc",
    "train_auc",
    "test_auc",
    "sparsity",
    "disconnected_units",
    "lpphe",
    "hessian_index",
)
DISTANCE_KINDS = ("misclass", "euclid")


def add_parsers(sub: Any) -> None:
    """Register the subcommands on the main parser's subparsers."""
    p = sub.add_parser("thermo", help="heat capacity, entropy and frustration of the minima")
    p.add_argument("project")
    p.add_argument("--tmin", type=positive, default=1e-4, help="lowest temperature (default 1e-4)")
    p.add_argument("--tmax", type=positive, default=1.0, help="highest temperature (default 1)")
    p.add_argument(
        "--n",
        type=ranged(int, 2, 100_000),
        default=200,
        help="temperatures, log-spaced (default 200)",
    )
    p.add_argument("--out", metavar="FILE", help="write the curves: .csv table or .png plot")
    p.add_argument(
        "--top", type=index, default=5, help="contributors listed per C_V peak (default 5)"
    )
    p = sub.add_parser("metrics", help="per-minimum loss, accuracy, AUC, sparsity (cached)")
    p.add_argument("project")
    p.add_argument("--out", metavar="FILE.csv", help="write a CSV table instead of printing")
    p.add_argument(
        "--positive",
        type=index,
        metavar="C",
        help="AUC positive class (default 1; 0 for LJAT3 data)",
    )
    p = sub.add_parser("distances", help="distance matrix between minima (.npy)")
    p.add_argument("project")
    p.add_argument("--kind", choices=DISTANCE_KINDS, default="misclass")
    p.add_argument(
        "--definition",
        choices=KINDS,
        default="differ",
        help="misclassification: items classified differently (default) or "
        "misclassified by exactly one of the two",
    )
    p.add_argument("--data", choices=PARTS, default="test")
    p.add_argument("--out", required=True, metavar="FILE.npy")


def _output(path: str | None, suffixes: tuple[str, ...]) -> Path | None:
    """The output path, checked before any work is done."""
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"--out must end in {' or '.join(suffixes)}, got {out.name!r}")
    if not out.parent.exists():
        raise UsageError(f"output folder {out.parent} does not exist")
    return out


def _open_caching(path: str) -> Project:
    """Open for writing so derived metrics are cached; read-only where that is refused."""
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such project file")
    try:
        return Project.open(path)
    except ProjectError:
        return Project.open(path, readonly=True)


# ------------------------------------------------------------------ thermo
def _temperatures(a: argparse.Namespace) -> np.ndarray:
    if a.tmin >= a.tmax:
        raise UsageError(f"--tmin ({a.tmin:g}) must be below --tmax ({a.tmax:g})")
    return np.logspace(math.log10(a.tmin), math.log10(a.tmax), a.n)


def _thermo_inputs(project: Project) -> dict[str, Any]:
    """What ``lmapp thermo`` feeds heat_capacity: minima with a Hessian (ids, L, LPPHE,
    positive-mode counts), κ of the global minimum and minimax barriers (None without TS)."""
    m = project.minima(with_weights=False, order="id")
    a = project.landscape_arrays()
    sel = np.flatnonzero(np.isfinite(m["lpphe"]))
    if sel.size == 0:
        raise UsageError(
            f"{project.path}: no minima with a Hessian spectrum (LPPHE); explore first"
        )
    n_pos = project.model.n_params - np.maximum(m["n_zero_modes"], 0)
    gmin = sel[np.argmin(m["loss"][sel])]
    barrier = None
    if a["ts_energy"].size:
        barrier = minimax_barrier_to(
            int(gmin), a["energies"], a["ts_energy"], a["ts_min1"], a["ts_min2"]
        )[sel]
    return {
        "ids": m["id"][sel],
        "L": m["loss"][sel],
        "lpphe": m["lpphe"][sel],
        "n_pos": n_pos[sel],
        "kappa": int(n_pos[gmin]),
        "barrier": barrier,
        "left_out": m["id"].size - sel.size,
    }


def cmd_thermo(a: argparse.Namespace) -> int:
    T = _temperatures(a)
    out = _output(a.out, (".csv", ".png"))
    if not Path(a.project).is_file():
        raise UsageError(f"{a.project}: no such project file")
    with Project.open(a.project, readonly=True) as project:
        inp = _thermo_inputs(project)
    ids, L, lpphe = inp["ids"], inp["L"], inp["lpphe"]
    th = heat_capacity(L, lpphe, T, inp["kappa"], inp["barrier"], inp["n_pos"])
    print(
        f"{minima(ids.size)}, κ = {th.kappa} positive modes (global minimum id {ids[th.gmin]}), "
        f"T = {T[0]:g} … {T[-1]:g} ({T.size} points, k_B = 1)"
    )
    if inp["left_out"]:
        print(f"note: {inp['left_out']} minima without LPPHE left out")
    if th.mode_mismatch.size:
        listed = ", ".join(str(i) for i in ids[th.mode_mismatch][:10])
        print(
            f"note: {th.mode_mismatch.size} minima (ids {listed}"
            f"{', …' if th.mode_mismatch.size > 10 else ''}) have a different number of "
            f"positive modes; κ = {th.kappa} is used for all"
        )
    if inp["barrier"] is None:
        print("note: no transition states, so frustration F is NaN (run lmapp connect first)")
    elif th.excluded.size:
        print(
            f"note: {th.excluded.size} minima are not connected to the global minimum and "
            "are left out of F"
        )
    peaks = find_peaks(T, th.Cv)
    if peaks.size == 0:
        print("no C_V peak in this temperature range")
    for i in peaks:
        print(
            f"C_V peak at T = {T[i]:.4g}: C_V = {th.Cv[i]:.6g}, C+ = {th.Cplus[i]:.4g}, "
            f"C- = {th.Cminus[i]:.4g}, S = {th.S[i]:.4g}, F = {th.F[i]:.4g}"
        )
        g = g_alpha(L, lpphe, T[i])
        for label, idx in zip(("gaining", "losing"), top_contributors(L, lpphe, T[i], a.top)):
            for k in idx:
                print(f"  {label:<7}  id {ids[k]:>6}  loss {L[k]:.10g}  g {g[k]:+.4g}")
    if out is not None:
        if out.suffix.lower() == ".csv":
            _write_csv(out, th)
        else:
            _write_png(out, th, peaks)
        print(f"wrote {out}")
    return 0


def _write_csv(path: Path, th: Thermo) -> None:
    cols = np.column_stack((th.T, th.Cv, th.Cplus, th.Cminus, th.S, th.F))
    np.savetxt(path, cols, delimiter=",", header=",".join(CSV_COLUMNS), comments="", fmt="%.17g")


def _write_png(path: Path, th: Thermo, peaks: np.ndarray) -> None:
    """Plot C_V − κ/2, C⁺, C⁻ (top) and S, F (bottom) on log T with pyqtgraph, offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt starts: no display needed
    import pyqtgraph as pg
    from pyqtgraph.exporters import ImageExporter
    from pyqtgraph.Qt import QtCore

    app = pg.mkQApp()
    win = pg.GraphicsLayoutWidget()
    win.setBackground("w")
    win.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    win.resize(1000, 750)
    win.show()
    top = win.addPlot(row=0, col=0, title=f"heat capacity (κ/2 = {th.kappa / 2:g} not shown)")
    bottom = win.addPlot(row=1, col=0, title="entropy of occupations and frustration")
    for plot in (top, bottom):
        plot.setLogMode(x=True, y=False)
        plot.addLegend()
        plot.setLabel("bottom", "T")
    bottom.setXLink(top)
    for y, name, colour, width in (
        (th.Cv - th.kappa / 2, "C_V − κ/2", "k", 5),
        (th.Cplus, "C+", "r", 2),
        (th.Cminus, "C−", "b", 2),
    ):
        top.plot(th.T, y, pen=pg.mkPen(colour, width=width), name=name)
    for i in peaks:
        top.addItem(
            pg.InfiniteLine(np.log10(th.T[i]), pen=pg.mkPen("k", style=QtCore.Qt.PenStyle.DashLine))
        )
    bottom.plot(th.T, th.S, pen=pg.mkPen("g", width=2), name="S")
    if np.any(np.isfinite(th.F)):
        bottom.plot(th.T, th.F, pen=pg.mkPen("m", width=2), name="F")
    app.processEvents()
    exporter = ImageExporter(win.scene())
    exporter.parameters()["width"] = win.width()
    exporter.export(str(path))
    win.close()


# ------------------------------------------------------------------ metrics
def cmd_metrics(a: argparse.Namespace) -> int:
    out = _output(a.out, (".csv",))
    with _open_caching(a.project) as project:
        n_classes = project.model.n_classes
        if a.positive is not None and project.model.is_network and not 0 <= a.positive < n_classes:
            raise UsageError(f"--positive must be a class 0…{n_classes - 1}, got {a.positive}")
        r = minimum_metrics(project.file, project.model, project.dataset, a.positive)
    rows = [[_cell(r[c][i]) for c in METRIC_COLUMNS] for i in range(r["id"].size)]
    if out is not None:
        with open(out, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(METRIC_COLUMNS)
            writer.writerows(rows)
        print(f"wrote {out}: {minima(len(rows))}")
        return 0
    widths = [max([len(c), *(len(row[k]) for row in rows)]) for k, c in enumerate(METRIC_COLUMNS)]
    for row in [list(METRIC_COLUMNS), *rows]:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))
    return 0


def _cell(v: Any) -> str:
    """A table cell: integers as such, reals with 10 significant digits."""
    return str(int(v)) if isinstance(v, np.integer) else f"{float(v):.10g}"


# ------------------------------------------------------------------ distances
def cmd_distances(a: argparse.Namespace) -> int:
    out = _output(a.out, (".npy",))
    with _open_caching(a.project) as project:
        model, d = project.model, project.dataset
        if not model.is_network and a.kind == "misclass":
            raise UsageError(
                "misclassification distance needs a classifier; this project's "
                "model is a regression"
            )
        X, y = (d.X_test, d.y_test) if a.data == "test" else (d.X_train, d.y_train)
        if model.is_network and X.shape[0] == 0:
            raise UsageError(f"the project has no {a.data} data; use the other --data")
        m = project.minima(with_weights=True, order="id")
        if m["id"].size == 0:
            raise UsageError(f"{a.project}: no minima yet; explore first")
        misclass = None
        if model.is_network:
            if a.data == "test":  # cached; read after m, so it holds every minimum of m
                r = minimum_metrics(project.file, model, d)
                pred = r["predictions"][np.searchsorted(r["id"], m["id"])]
            else:
                pred = predicted_classes(model, m["weights"], X)
            misclass = misclassification_matrix(pred, y, a.definition)
    euclid = euclidean_matrix(m["weights"])
    D = misclass if a.kind == "misclass" else euclid
    np.save(out, D)
    what = (
        f"misclassification ({a.definition}, {a.data} data)"
        if a.kind == "misclass"
        else "Euclidean"
    )
    print(
        f"wrote {out}: {D.shape[0]} × {D.shape[1]} {what} distances, rows and columns in "
        "minimum id order"
    )
    if misclass is None:
        print("Pearson r (Euclidean vs misclassification): n/a for a regression model")
    else:
        n = D.shape[0]
        print(
            f"Pearson r (Euclidean vs misclassification, {n * (n - 1) // 2} pairs): "
            f"{pearson(euclid, misclass):.6g}"
        )
    return 0


COMMANDS = {"thermo": cmd_thermo, "metrics": cmd_metrics, "distances": cmd_distances}

"""Decision maps (SPEC §3.8): a minimum's (or an MLSUP ensemble's) output over a grid of the
input plane, with the data drawn on top; small multiples for several selected minima; the
per-member confidence of an ensemble; the XOR robustness score.

Grids are computed off the GUI thread (:class:`Background`); ``compute_now`` does the same work
synchronously for headless rendering (:func:`render_decision`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...landscape.decision_map import (
    XOR_BOUNDS,
    XOR_STEP,
    Plane,
    decision_map,
    ensemble_map,
    feature_plane,
    pca_plane,
    xor_robustness,
)
from ...landscape.minimum_metrics import default_positive_class
from ...landscape.mlsup import Ensemble, correct_class_probabilities, member_probabilities
from ..core import theme
from ..core.background import Background, error_line
from ..core.layouts import FlowLayout, group_of
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot, empty_snapshot

#: Grid points per axis of the big map and of each small multiple.
GRID_N = 140
SMALL_GRID_N = 70
MAX_SMALL = 9
#: Data-point colours by class (saturated, on the pale map) and member colours.
CLASS_COLORS = ("#1f4e9e", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#17202a")
MEMBER_COLORS = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#9a6324",
    "#469990",
    "#800000",
)
#: Pale map colours: class 0 side blue, class 1 side red, white at p = ½.
PROBA_CMAP = pg.ColorMap([0.0, 0.5, 1.0], [(120, 150, 215), (250, 250, 250), (225, 120, 110)])
TRAIN_SYMBOL, TEST_SYMBOL = "o", "t"
#: Up to this many data points are drawn large (XOR's four points on a big map).
FEW_POINTS = 40

OUTPUTS = {
    "proba": "probability of class {c}",
    "class": "predicted class",
    "member": "member the gate picks",
}


def _pale(color: str, alpha: float = 0.45) -> tuple[int, int, int]:
    c = QColor(color)
    return tuple(int(255 - alpha * (255 - v)) for v in (c.red(), c.green(), c.blue()))


@dataclass
class MapRequest:
    """What to draw: weights of minima (``ids``/``W``) or one ensemble, over a plane."""

    ids: list[int]
    W: np.ndarray
    ensemble: Ensemble | None = None
    ensemble_name: str = ""
    output: str = "proba"
    plane: Plane | None = None
    bounds: tuple[float, float, float, float] = XOR_BOUNDS
    step: float | None = None
    n: int | None = GRID_N
    positive_class: int = 1
    is_xor: bool = False


@dataclass
class MapResult:
    request: MapRequest
    maps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    xor_scores: list[float] = field(default_factory=list)
    confidence: np.ndarray | None = None  #: (m, N_test) each member's prob. of the correct class


def compute_maps(model: Any, dataset: Any, req: MapRequest) -> MapResult:
    """Grids for a request (pure; runs on a worker thread)."""
    out = MapResult(req)
    if req.ensemble is not None:
        em = ensemble_map(
            req.ensemble, model, req.bounds, req.step, req.n, req.plane, req.positive_class
        )
        if req.output == "member":
            vals = em["member"]
        elif req.output == "class":
            vals = _ensemble_class_map(req.ensemble, model, req)
        else:
            vals = em["proba"]
        out.maps.append((em["xs"], em["ys"], vals))
        P = member_probabilities(model, req.ensemble.member_weights, dataset.X_test)
        out.confidence = correct_class_probabilities(P, dataset.y_test)
        return out
    for w in req.W:
        out.maps.append(
            decision_map(
                model,
                w,
                req.bounds,
                req.step,
                req.n,
                req.plane,
                "class" if req.output == "class" else "proba",
                req.positive_class,
            )
        )
        if req.is_xor and req.plane is None:
            out.xor_scores.append(xor_robustness(model, w))
    return out


def _ensemble_class_map(ens: Ensemble, model: Any, req: MapRequest) -> np.ndarray:
    from ...landscape.decision_map import _grid_inputs, grid_axes

    xs, ys = grid_axes(req.bounds, req.step, req.n)
    return (
        ens.predict_proba(model, _grid_inputs(xs, ys, req.plane))
        .argmax(axis=1)
        .reshape(ys.size, xs.size)
    )


class MapPlot(pg.PlotItem):
    """One decision map: the image, the data on top."""

    def __init__(self, title: str = "") -> None:
        super().__init__(title=title)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.points: list[pg.ScatterPlotItem] = []
        self.setMenuEnabled(False)
        self.hideButtons()

    def show_map(
        self,
        xs: np.ndarray,
        ys: np.ndarray,
        values: np.ndarray,
        cmap: pg.ColorMap,
        levels: tuple[float, float],
    ) -> None:
        self.image.setImage(np.asarray(values, float), levels=levels)
        self.image.setColorMap(cmap)
        dx = (xs[-1] - xs[0]) / max(xs.size - 1, 1)
        dy = (ys[-1] - ys[0]) / max(ys.size - 1, 1)
        self.image.setRect(
            QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)
        )
        self.setRange(xRange=(xs[0], xs[-1]), yRange=(ys[0], ys[-1]), padding=0)

    def show_points(self, XY: list[np.ndarray], labels: list[np.ndarray], size: float = 7) -> None:
        """Train (circles) and test (triangles) points, coloured by label. A handful of points
        (XOR's four) are drawn large with a dark outline, so they stand out on the map."""
        for item in self.points:
            self.removeItem(item)
        self.points = []
        few = sum(0 if xy is None else len(xy) for xy in XY) <= FEW_POINTS
        for part, (xy, y) in enumerate(zip(XY, labels)):
            if xy is None or not len(xy):
                continue
            brushes = [pg.mkBrush(CLASS_COLORS[int(c) % len(CLASS_COLORS)]) for c in y]
            pen = pg.mkPen((30, 30, 30), width=1.2) if few else pg.mkPen("w", width=0.6)
            scale = (2.4 if part == 0 else 1.4) if few else 1.0  # test marks inside train ones
            item = pg.ScatterPlotItem(
                xy[:, 0],
                xy[:, 1],
                size=size * scale,
                symbol=TRAIN_SYMBOL if part == 0 else TEST_SYMBOL,
                brush=brushes,
                pen=pen,
            )
            self.addItem(item)
            self.points.append(item)


class DecisionView(QWidget):
    """Decision map of the current minimum, of several selected minima (small multiples) or of
    a trained ensemble (with its members' per-item confidence)."""

    computed = Signal()

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.selection = selection
        self.snapshot: Snapshot = empty_snapshot()
        self.project: Any = None
        self.ensembles: dict[str, Ensemble] = {}
        self.result: MapResult | None = None
        self._bg = Background(self)
        self._bg.finished.connect(self._on_result)
        self._bg.failed.connect(lambda _t, exc: self._status(html.escape(error_line(exc)), True))

        self.source = QComboBox()
        self.source.setToolTip("Draw the current minimum, all selected minima, or an ensemble")
        self.output = QComboBox()
        self.plane = QComboBox()
        self.plane.setToolTip(
            "Inputs with more than two features: a slice through two features "
            "(the others at their training mean) or the first two principal "
            "components"
        )
        self.fx, self.fy = QComboBox(), QComboBox()
        self.show_test = QCheckBox("test points")
        self.show_test.setChecked(True)
        self.show_train = QCheckBox("train points")
        self.show_train.setChecked(True)
        bar = FlowLayout()
        for group in (
            (QLabel("Show"), self.source),
            (QLabel("as"), self.output),
            (self.plane, self.fx, self.fy),
            (self.show_train, self.show_test),
        ):
            bar.addWidget(group_of(*group))
        self.info = QLabel()
        self.info.setTextFormat(Qt.TextFormat.RichText)  # names in it are escaped
        self.info.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.info)
        lay.addWidget(self.canvas, 1)
        lay.addWidget(self.legend)
        self.figure_chrome = [bar, self.info]  # a figure: the maps and their legend
        self.plots: list[MapPlot] = []
        self.colorbar: pg.ColorBarItem | None = None
        for combo in (self.source, self.output, self.plane, self.fx, self.fy):
            combo.activated.connect(self.refresh)
        for box in (self.show_test, self.show_train):
            box.toggled.connect(self._redraw)
        self.source.activated.connect(self._fill_outputs)
        selection.changed.connect(self.refresh)
        self._fill_sources()
        self._fill_outputs()
        self.refresh()

    # -- inputs ---------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        self.project = project
        self.ensembles = {}
        d = None if project is None else project.dataset
        names = list(d.feature_names) if d is not None else []
        for combo, k in ((self.fx, 0), (self.fy, 1)):
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(min(k, max(len(names) - 1, 0)))
        self.plane.clear()
        self.plane.addItems(["two features", "PCA plane"])
        many = len(names) > 2
        for w in (self.plane, self.fx, self.fy):
            w.setVisible(many)
        self._fill_sources()
        self._fill_outputs()
        self.refresh()

    def set_snapshot(self, land: Snapshot) -> None:
        self.snapshot = land
        self.refresh()

    def set_ensemble(self, name: str, ens: Ensemble | None, show: bool = True) -> None:
        """Offer (or, with None, withdraw) a trained ensemble; ``show`` switches to it."""
        if ens is None:
            self.ensembles.pop(name, None)
        else:
            self.ensembles[name] = ens
        self._fill_sources(f"ensemble {name}" if show and ens is not None else None)
        self._fill_outputs()
        self.refresh()

    def _fill_sources(self, choose: str | None = None) -> None:
        keep = choose or self.source.currentText()
        self.source.clear()
        self.source.addItems(
            ["current minimum", "selected minima (small multiples)"]
            + [f"ensemble {n}" for n in self.ensembles]
        )
        k = self.source.findText(keep)
        self.source.setCurrentIndex(max(k, 0))

    def _fill_outputs(self) -> None:
        keep = self.output.currentData()
        self.output.clear()
        c = self._positive_class()
        for key, text in OUTPUTS.items():
            if key == "member" and not self._ensemble_name():
                continue
            self.output.addItem(text.format(c=self._class_name(c)), key)
        k = self.output.findData(keep)
        self.output.setCurrentIndex(max(k, 0))

    def _ensemble_name(self) -> str:
        t = self.source.currentText()
        return t[len("ensemble ") :] if t.startswith("ensemble ") else ""

    def _positive_class(self) -> int:
        d = None if self.project is None else self.project.dataset
        return 1 if d is None else default_positive_class(d)

    def _class_name(self, c: int) -> str:
        names = self.snapshot.class_names or ()
        return names[c] if c < len(names) else str(c)

    # -- request --------------------------------------------------------------------------------
    def make_request(self) -> MapRequest | None:
        """What the controls ask for now, or None (with a message) if nothing can be drawn."""
        p = self.project
        if p is None or not p.model.is_network:
            self._status(
                "Decision maps need a classifier project."
                if p is not None
                else "Open a project to draw decision maps."
            )
            return None
        d = p.dataset
        name = self._ensemble_name()
        output = self.output.currentData() or "proba"
        ens = self.ensembles.get(name) if name else None
        if name and ens is None:
            self._status(f"ensemble {html.escape(name)} is gone")
            return None
        ids: list[int] = []
        if ens is None:
            sel = [i for i in self.selection.ids() if self.snapshot.row_of(i) is not None]
            if self.source.currentIndex() == 1:
                ids = sel[-MAX_SMALL:]
            else:
                cur = self.selection.current
                ids = (
                    [cur] if cur is not None and self.snapshot.row_of(cur) is not None else sel[-1:]
                )
            if not ids:
                self._status("Select a minimum (graph or table) to draw its decision map.")
                return None
        W = self.snapshot.weights[self.snapshot.rows_of(ids)] if ids else np.zeros((0, 0))
        plane = None
        if d.n_features > 2:
            if self.plane.currentIndex() == 1:
                plane = pca_plane(d.X_train)
            else:
                i, j = self.fx.currentIndex(), self.fy.currentIndex()
                if i == j:
                    self._status("Choose two different features.", True)
                    return None
                plane = feature_plane(d.X_train, i, j)
        is_xor = d.name == "xor"
        many = len(ids) > 1
        if is_xor and plane is None:
            bounds, step, n = (
                XOR_BOUNDS,
                (XOR_STEP if not many else None),
                (None if not many else SMALL_GRID_N),
            )
        else:
            bounds = _data_bounds(d, plane)
            step, n = None, SMALL_GRID_N if many else GRID_N
        return MapRequest(
            ids, W, ens, name, output, plane, bounds, step, n, self._positive_class(), is_xor
        )

    def refresh(self) -> None:
        """Recompute the maps for the current controls (off the GUI thread)."""
        req = self.make_request()
        if req is None:
            self._bg.cancel()  # a map still computing is of inputs that are gone
            self.result = None
            self._clear()
            return
        what = (
            f"ensemble {req.ensemble_name}"
            if req.ensemble is not None
            else "minimum " + ", ".join(map(str, req.ids))
        )
        self._status(f"computing the decision map of {what}…")
        model, dataset = self.project.model, self.project.dataset
        self._bg.submit(lambda _state: compute_maps(model, dataset, req), tag=req)

    def compute_now(self) -> MapResult | None:
        """Compute and draw on this thread (headless rendering, tests); a map still computing
        in the background is dropped."""
        self._bg.cancel()
        req = self.make_request()
        if req is None:
            return None
        self._on_result(req, compute_maps(self.project.model, self.project.dataset, req))
        return self.result

    def wait_idle(self, timeout: float = 20.0) -> bool:
        """Block until the maps asked for are drawn (tests)."""
        return self._bg.wait_idle(timeout)

    @property
    def busy(self) -> bool:
        return self._bg.busy

    def _on_result(self, _req: MapRequest, result: MapResult) -> None:
        self.result = result
        self._redraw()
        self.computed.emit()

    # -- drawing --------------------------------------------------------------------------------
    def _clear(self) -> None:
        self.canvas.clear()
        self.plots, self.colorbar = [], None
        self.legend.setText("")

    def _status(self, text: str, error: bool = False) -> None:
        self.info.setStyleSheet(theme.ERROR_STYLE if error else "")
        self.info.setText(text)

    def _redraw(self) -> None:
        self._clear()
        res = self.result
        if res is None or self.project is None:
            return
        req, d = res.request, self.project.dataset
        XY = [None, None]
        for part, X in ((0, d.X_train), (1, d.X_test)):
            if (self.show_train if part == 0 else self.show_test).isChecked():
                XY[part] = X if req.plane is None else req.plane.project(X)
        labels = [d.y_train, d.y_test]
        cmap, levels, bar_label = self._colouring(req)
        names = list(d.feature_names)
        xl, yl = (
            (names[0], names[1])
            if req.plane is None
            else (
                ("PC 1", "PC 2")
                if self.plane.currentIndex() == 1
                else (names[self.fx.currentIndex()], names[self.fy.currentIndex()])
            )
        )
        small = len(res.maps) > 1
        cols = int(np.ceil(np.sqrt(len(res.maps))))
        for k, (xs, ys, vals) in enumerate(res.maps):
            title = ""
            if req.ensemble is None:
                title = f"minimum {req.ids[k]}"
                if res.xor_scores:
                    title += f" · XOR robustness {res.xor_scores[k]:.3f}"
            plot = MapPlot(title)
            plot.show_map(xs, ys, vals, cmap, levels)
            plot.show_points(XY, labels, size=4 if small else 7)
            if not small:
                plot.setLabel("bottom", xl)
                plot.setLabel("left", yl)
            self.canvas.addItem(plot, row=k // cols, col=k % cols)
            self.plots.append(plot)
        if self.plots:
            self.colorbar = theme.color_bar(cmap, levels, bar_label)
            if req.output == "member" and req.ensemble is not None:
                m = req.ensemble.n_members
                self.colorbar.axis.setTicks(
                    [[(k, str(i)) for k, i in enumerate(req.ensemble.members.tolist())], []]
                )
                self.colorbar.setLevels((-0.5, m - 0.5))
            elif req.output == "class":
                self.colorbar.axis.setTicks(
                    [[(k, self._class_name(k)) for k in range(d.n_classes)], []]
                )
            self.colorbar.setImageItem([p.image for p in self.plots])
            self.colorbar.setLevels(levels)
            self.canvas.addItem(
                self.colorbar, row=0, col=cols, rowspan=max(1, (len(self.plots) + cols - 1) // cols)
            )
        if res.confidence is not None:
            self._draw_confidence(req, res, XY[1], d.y_test, xl, yl, cols + 1)
        self._write_info(req, res)
        self._write_legend(req)

    def _colouring(self, req: MapRequest) -> tuple[pg.ColorMap, tuple[float, float], str]:
        n_classes = self.project.dataset.n_classes
        if req.output == "member" and req.ensemble is not None:
            m = req.ensemble.n_members
            colors = [_pale(MEMBER_COLORS[k % len(MEMBER_COLORS)], 0.55) for k in range(m)]
            pos = np.linspace(0, 1, m) if m > 1 else [0.0]
            return pg.ColorMap(pos, colors, mapping=pg.ColorMap.CLIP), (0.0, m - 1.0), "member"
        if req.output == "class":
            if n_classes == 2:
                return PROBA_CMAP, (0.0, 1.0), "predicted class"
            colors = [_pale(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(n_classes)]
            return (
                pg.ColorMap(np.linspace(0, 1, n_classes), colors),
                (0.0, n_classes - 1.0),
                "predicted class",
            )
        return PROBA_CMAP, (0.0, 1.0), f"p(class {self._class_name(req.positive_class)})"

    def _draw_confidence(
        self,
        req: MapRequest,
        res: MapResult,
        xy: np.ndarray | None,
        y: np.ndarray,
        xl: str,
        yl: str,
        col: int,
    ) -> None:
        """Which member is most confident of the correct class on each test item (colour =
        member, size ∝ its probability, shape = label): one mark per item, no overplotting."""
        plot = pg.PlotItem(title="most confident member per test item")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setLabel("bottom", xl)
        plot.setLabel("left", yl)
        d = self.project.dataset
        pts = d.X_test if req.plane is None else req.plane.project(d.X_test)
        symbols = ("o", "s", "t", "d", "+", "x")
        best = np.argmax(res.confidence, axis=0)
        top = res.confidence[best, np.arange(best.size)]
        for k, mid in enumerate(req.ensemble.members.tolist()):
            mine = best == k
            if not mine.any():
                continue
            color = QColor(MEMBER_COLORS[k % len(MEMBER_COLORS)])
            fill = QColor(color)
            fill.setAlpha(170)
            item = pg.ScatterPlotItem(
                pts[mine, 0],
                pts[mine, 1],
                size=4 + 8 * top[mine],
                symbol=[symbols[int(c) % len(symbols)] for c in y[mine]],
                pen=pg.mkPen(color.darker(140), width=0.8),
                brush=pg.mkBrush(fill),
                name=f"member {mid}",
            )
            plot.addItem(item)
        plot.addLegend(offset=(5, 5))
        for k, mid in enumerate(req.ensemble.members.tolist()):
            c = QColor(MEMBER_COLORS[k % len(MEMBER_COLORS)])
            plot.legend.addItem(
                pg.ScatterPlotItem(symbol="o", size=9, pen=pg.mkPen(c), brush=pg.mkBrush(c)),
                f"member {mid}",
            )
        self.canvas.addItem(plot, row=0, col=col)

    def _write_info(self, req: MapRequest, res: MapResult) -> None:
        if req.ensemble is not None:
            ens = req.ensemble
            text = (
                f"<b>Ensemble {html.escape(req.ensemble_name)}</b>: members "
                f"{', '.join(map(str, ens.members.tolist()))} ({html.escape(ens.selection)})"
            )
            mlsup = ens.metrics.get("mlsup") if ens.metrics else None
            if mlsup is not None:
                text += f" · test AUC {mlsup:.3f}"
        elif len(req.ids) == 1:
            text = f"<b>Minimum {req.ids[0]}</b>"
            if res.xor_scores:
                text += (
                    f" · XOR robustness {res.xor_scores[0]:.3f} (fraction of grid cells "
                    "agreeing with the ideal map: class 0 where |x − y| ≤ 0.5)"
                )
        else:
            text = f"<b>{len(req.ids)} selected minima</b>"
            n_sel = len(self.selection)
            if n_sel > MAX_SMALL:
                text += f" (the last {MAX_SMALL} of {n_sel} picked)"
        if req.plane is not None and self.plane.currentIndex() == 0:
            text += " · other features at their training mean"
        self._status(text)

    def _write_legend(self, req: MapRequest) -> None:
        d = self.project.dataset
        marks = " &nbsp; ".join(
            f'<span style="color:{CLASS_COLORS[k % len(CLASS_COLORS)]}">● class '
            f"{self._class_name(k)}</span>"
            for k in range(d.n_classes)
        )
        text = f"Data: {marks} &nbsp; · &nbsp; ● train &nbsp; ▼ test"
        if req.ensemble is not None:
            text += (
                " &nbsp;·&nbsp; right: the member most confident of the correct class on "
                "each test item (colour), its probability (size), the label (● class 0, "
                "■ class 1)"
            )
        self.legend.setText(text)

    def export_widget(self, width: int, height: int) -> QWidget:
        copy = DecisionView(self.selection)
        copy.set_project(self.project)
        copy.set_snapshot(self.snapshot)
        for name, ens in self.ensembles.items():
            copy.ensembles[name] = ens
        copy._fill_sources(self.source.currentText())
        copy._fill_outputs()
        copy.output.setCurrentIndex(max(copy.output.findData(self.output.currentData()), 0))
        copy.plane.setCurrentIndex(self.plane.currentIndex())
        copy.fx.setCurrentIndex(self.fx.currentIndex())
        copy.fy.setCurrentIndex(self.fy.currentIndex())
        copy.compute_now()
        copy.resize(width, height)
        return copy


def _data_bounds(
    dataset: Any, plane: Plane | None, pad: float = 0.08
) -> tuple[float, float, float, float]:
    X = np.vstack([dataset.X_train, dataset.X_test])
    P = X if plane is None else plane.project(X)
    lo, hi = P[:, :2].min(axis=0), P[:, :2].max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def render_decision(
    project: Any,
    minimum_id: int | None,
    out_path: str | Path,
    style: Any = None,
    dpi: int = 96,
    output: str = "proba",
) -> Path:
    """Render the decision map of one minimum (default: the global minimum) to PNG/SVG/PDF.

    ``project`` is an open :class:`lmapp.api.Project` or a project path (opened read-only).
    Raises ValueError for a missing minimum or a non-classifier project.
    """
    from ...api import Project
    from ..core.snapshots import read_snapshot
    from ..figures.figure import FigureStyle, save_figure
    from ..figures.render import ensure_app

    ensure_app()
    own = not hasattr(project, "model")
    proj = Project.open(project, readonly=True) if own else project
    try:
        if not proj.model.is_network:
            raise ValueError("decision maps need a classifier project")
        land = read_snapshot(proj.file, proj.model, proj.dataset)
        if land.n_minima == 0:
            raise ValueError(f"{proj.path} has no minima yet")
        if minimum_id is None:
            minimum_id = int(land.ids[land.values("loss").argmin()])
        if land.row_of(minimum_id) is None:
            raise ValueError(f"no minimum with id {minimum_id} in {proj.path}")
        selection = SelectionModel()
        view = DecisionView(selection)
        view.set_project(proj)
        view.set_snapshot(land)
        view.output.setCurrentIndex(max(view.output.findData(output), 0))
        selection.set([minimum_id])
        view.compute_now()
        try:
            return save_figure(view, out_path, style or FigureStyle(9.4, 7.3), dpi)
        finally:
            view.close()
            view.deleteLater()
    finally:
        if own:
            proj.close()

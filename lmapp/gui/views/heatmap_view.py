"""Misclassification-distance heatmap (SPEC §3.5): the pairwise matrix of the stored minima as
one image with a colour bar, rows ordered like the disconnectivity graph's leaves or by
clustering; hover names both minima and their distance, a click selects that pair, and the
selected minima are outlined on their rows and columns.

Also holds :class:`DistanceSource`, the per-minimum predicted classes (computed once per
minimum and data part, thread-safe) that the scatter view shares.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QComboBox, QPushButton, QToolTip, QWidget

from ...landscape.distances import (
    misclassification_matrix,
    order_by_clustering,
    order_by_leaves,
    predicted_classes,
    upper_mean,
)
from ...words import minima
from ..core import theme
from ..core.layouts import control_bar, note_label, view_column
from ..core.plots import picking_plot
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot
from ..core.view import LazyView
from .dgraph_view import GraphSettings, layout_graph

#: Up to this many minima the axes name each cell's minimum id.
ID_TICKS = 40
KIND_LABELS = {"differ": "classified differently", "exactly_one": "misclassified by exactly one"}
PART_LABELS = {"test": "test data", "train": "training data"}
ORDER_LABELS = {"dgraph": "disconnectivity-graph leaves", "cluster": "clustering", "id": "id"}
#: Short axis wording of each order (axis labels must fit a journal-column figure).
ORDER_AXIS = {"dgraph": "graph order", "cluster": "cluster order", "id": "id order"}


class DistanceSource:
    """Predicted classes of minima on the project's test or training data, each minimum
    evaluated once per part (keyed by id; safe to call from worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._project: Any = None
        self._cache: dict[str, dict[int, np.ndarray]] = {"test": {}, "train": {}}

    def set_project(self, project: Any) -> None:
        with self._lock:
            if project is not self._project:
                self._project = project
                self._cache = {"test": {}, "train": {}}

    @property
    def project(self) -> Any:
        return self._project

    def usable(self) -> str:
        """ "" if distances can be computed, else why not."""
        p = self._project
        if p is None:
            return "no project open"
        if not getattr(p.model, "is_network", False) or p.model.n_classes < 2:
            return "misclassification distances need a classifier"
        return ""

    def predictions(self, land: Snapshot, part: str) -> tuple[np.ndarray, np.ndarray]:
        """(n_minima, n_items) predicted classes in the snapshot's row order, and the true
        labels, both of one project even if another is set meanwhile."""
        with self._lock:
            project, cache = self._project, self._cache[part]
        X, y = _part(project, part)
        ids = land.ids.tolist()
        todo = [r for r, i in enumerate(ids) if i not in cache]
        if todo:
            new = predicted_classes(project.model, land.weights[todo], X)
            with self._lock:
                for r, row in zip(todo, new):
                    cache[ids[r]] = row
        if not ids:
            return np.zeros((0, len(X)), np.int8), y
        return np.stack([cache[i] for i in ids]), y

    def misclassification(
        self, land: Snapshot, part: str, kind: str, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """The (float32) distance matrix of the snapshot's minima, in ``rows`` order if given."""
        pred, y = self.predictions(land, part)
        return misclassification_matrix(pred if rows is None else pred[rows], y, kind)


def _part(project: Any, part: str) -> tuple[np.ndarray, np.ndarray]:
    d = project.dataset
    return (d.X_test, d.y_test) if part == "test" else (d.X_train, d.y_train)


def matrix_order(land: Snapshot, how: str) -> np.ndarray:
    """Row permutation that needs no distances: DG leaf order (default graph settings) or id."""
    n = land.n_minima
    if how == "dgraph" and n > 1:
        dg = layout_graph(land, GraphSettings())
        return order_by_leaves(dg.leaf_order, n)
    return np.arange(n)


@dataclass(frozen=True)
class HeatmapResult:
    land: Snapshot
    order: np.ndarray  #: position → row of the snapshot
    M: np.ndarray  #: (n, n) float32 distances in drawing order (rows and columns by ``order``)
    settings: tuple[str, str, str]  #: kind, part, order


def compute_heatmap(
    source: DistanceSource, land: Snapshot, kind: str, part: str, how: str
) -> HeatmapResult:
    """The matrix in drawing order; one n × n matrix at a time (10⁴ minima: 400 MB) except
    for clustering, which needs the distances before the order."""
    if how == "cluster":
        D = source.misclassification(land, part, kind)
        order = order_by_clustering(D)
        M = D[np.ix_(order, order)]
        del D
    else:
        order = matrix_order(land, how)
        M = source.misclassification(land, part, kind, rows=order)
    return HeatmapResult(land, order, M, (kind, part, how))


class HeatmapView(LazyView):
    """The matrix image, its controls, hover and click-to-select-pair."""

    def __init__(
        self,
        selection: SelectionModel,
        source: DistanceSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(selection, parent)
        self.source = source or DistanceSource()
        self.result: HeatmapResult | None = None
        self._pos_of_row = np.zeros(0, np.int64)

        self.kind = QComboBox()
        for k, text in KIND_LABELS.items():
            self.kind.addItem(text, k)
        self.kind.setToolTip(
            "differ: fraction of items two minima classify differently; "
            "exactly one: fraction misclassified by exactly one of the two "
            "(equal for two classes)"
        )
        self.part = QComboBox()
        for k, text in PART_LABELS.items():
            self.part.addItem(text, k)
        self.order = QComboBox()
        for k, text in ORDER_LABELS.items():
            self.order.addItem(text, k)
        self.order.setToolTip(
            "row/column order: like the disconnectivity graph's leaves, by "
            "hierarchical clustering of the distances, or by id"
        )
        fit = QPushButton("Fit")
        fit.clicked.connect(lambda: self.plot.getPlotItem().enableAutoRange())

        self.plot, self._vb = picking_plot(
            "minimum (position in order)", "minimum (position in order)"
        )
        self._vb.setDefaultPadding(0.0)  # the matrix fills the axes
        pi = self.plot.getPlotItem()
        pi.showGrid(x=False, y=False)
        self._vb.invertY(True)
        self._vb.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        self.image.setColorMap(pg.colormap.get("viridis"))
        pi.addItem(self.image)
        self._bar = theme.color_bar(pg.colormap.get("viridis"))
        self._bar.setImageItem(self.image)
        pi.layout.addItem(self._bar, 2, 5)
        pi.layout.setColumnFixedWidth(4, 8)
        self._outline = pg.PlotCurveItem(
            pen=pg.mkPen(theme.SELECTION_COLOR, width=1), connect="pairs"
        )
        self._cells = pg.ScatterPlotItem(
            symbol="s", pxMode=False, brush=None, pen=pg.mkPen("w", width=2)
        )
        for z, item in enumerate((self._outline, self._cells), 1):
            item.setZValue(z)
            pi.addItem(item, ignoreBounds=True)
        self._vb.pointClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)

        self.info = note_label()
        bar = control_bar(
            (("Distance", self.kind), ("on", self.part), ("order", self.order)), right=(fit,)
        )
        view_column(self, bar, self.plot, self.info)
        for combo in (self.kind, self.part, self.order):
            combo.currentIndexChanged.connect(self.schedule)
        self.message("no project open")

    def set_project(self, project: Any) -> None:
        self.source.set_project(project)
        super().set_project(project)

    # -- computing -------------------------------------------------------------------------------
    def make_job(self):
        why = self.source.usable()
        land = self.snapshot
        if why or land.n_minima == 0:
            self._clear(why or "no minima yet")
            return None
        kind, part, how = self.kind.currentData(), self.part.currentData(), self.order.currentData()
        src = self.source
        self.message(f"computing {land.n_minima}×{land.n_minima} distances…")
        return (lambda: compute_heatmap(src, land, kind, part, how)), None

    def _clear(self, text: str) -> None:
        self.result = None
        self.image.clear()
        self._outline.setData([], [])
        self._cells.setData([], [])
        self.message(text)

    def draw(self, _tag: Any, r: HeatmapResult) -> None:
        self.result = r
        n = r.land.n_minima
        self._pos_of_row = np.empty(n, np.int64)
        self._pos_of_row[r.order] = np.arange(n)
        M = r.M
        hi = float(M.max()) if M.size and M.max() > 0 else 1.0
        self.image.setImage(M, levels=(0.0, hi), autoLevels=False)
        self.image.setRect(QRectF(0, 0, n, n))
        self._bar.setLevels((0.0, hi))
        _kind, part, how = r.settings
        self._bar.axis.setLabel(f"misclassification distance ({part})")
        # few minima: each cell labelled by its minimum's id; many: positions in the order
        ids = n <= ID_TICKS
        ticks = (
            [[(k + 0.5, str(int(r.land.ids[row]))) for k, row in enumerate(r.order)]]
            if ids
            else None
        )
        label = f"minimum {'id' if ids else 'position'} ({ORDER_AXIS[how]})"
        for side in ("bottom", "left"):
            self.plot.getPlotItem().getAxis(side).setTicks(ticks)
            self.plot.getPlotItem().setLabel(side, label)
        self.plot.getPlotItem().enableAutoRange()  # follows the data until the user zooms
        mean = upper_mean(M)
        top = float(M.max()) if M.size else 0.0
        self.message(
            f"{minima(n)} · mean distance {mean:.3g}, max {top:.3g} · hover a cell for "
            "its pair; click to select the pair"
        )

    # -- picking ---------------------------------------------------------------------------------
    def cell_at(self, point: QPointF) -> tuple[int, int] | None:
        """(row, column) positions of the cell under a view point, or None."""
        r = self.result
        if r is None:
            return None
        n = r.land.n_minima
        i, j = int(np.floor(point.y())), int(np.floor(point.x()))
        return (i, j) if 0 <= i < n and 0 <= j < n else None

    def cell_center(self, i: int, j: int) -> QPointF:
        """View point of the centre of cell (row position i, column position j)."""
        return QPointF(j + 0.5, i + 0.5)

    def pair_at(self, i: int, j: int) -> tuple[int, int, float]:
        """Minimum ids of row/column positions i, j and their distance."""
        r = self.result
        a, b = int(r.order[i]), int(r.order[j])
        return int(r.land.ids[a]), int(r.land.ids[b]), float(r.M[i, j])

    def _on_click(self, point: QPointF, modifiers: Any = None) -> None:
        cell = self.cell_at(point)
        if cell is None:
            return
        a, b, _ = self.pair_at(*cell)
        mods = modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self.selection.add([a, b] if a != b else [a])
        else:
            self.selection.set([a, b] if a != b else [a], current=b)

    def describe(self, cell: tuple[int, int] | None) -> str:
        if cell is None:
            return ""
        a, b, d = self.pair_at(*cell)
        kind, part, _ = self.result.settings
        return (
            f"minima {a} and {b}: distance {d:.4g}\n"
            f"(fraction of {PART_LABELS[part]} {KIND_LABELS[kind]})"
        )

    def _on_move(self, scene_pos: QPointF) -> None:
        if self.result is None or not self._vb.sceneBoundingRect().contains(scene_pos):
            return
        text = self.describe(self.cell_at(self._vb.mapSceneToView(scene_pos)))
        if text:
            QToolTip.showText(QCursor.pos(), text, self)
            self.info.setText(text.replace("\n", " "))
        else:
            QToolTip.hideText()

    def show_selection(self) -> None:
        r = self.result
        if r is None:
            return
        n = r.land.n_minima
        rows = r.land.rows_of(self.selection.ids())
        pos = np.unique(self._pos_of_row[rows]) if rows.size else np.zeros(0, np.int64)
        if pos.size > 2000:  # a huge selection: outline only its first rows
            pos = pos[:2000]
        xs, ys = [], []
        for p in pos.tolist():
            for e in (p, p + 1):
                xs += [0, n, e, e]
                ys += [e, e, 0, n]
        self._outline.setData(np.array(xs, float), np.array(ys, float))
        if pos.size and pos.size <= 50:
            pi, pj = np.meshgrid(pos, pos)
            self._cells.setData(pj.ravel() + 0.5, pi.ravel() + 0.5, size=1.0)
        else:
            self._cells.setData([], [])

    def clone(self) -> LazyView:
        return type(self)(SelectionModel(), self.source)

"""Euclidean vs misclassification distance of every pair of minima (SPEC §3.5), with their
Pearson correlation over all pairs in the title (seed 000 found 0.06: minima far apart in
weight space may classify alike). At most MAX_POINTS pairs are drawn (a fixed random
subsample); the coefficient always uses all pairs. A click selects the pair under the mouse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QComboBox, QWidget

from ...landscape.distances import euclidean_matrix, pearson
from ...words import minima
from ..core import theme
from ..core.layouts import control_bar, note_label, view_column
from ..core.plots import PICK_PIXELS, on_scene_click, picking_plot
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot
from ..core.view import LazyView
from .heatmap_view import KIND_LABELS, PART_LABELS, DistanceSource

#: Most pairs kept (and pickable).
MAX_POINTS = 200_000
#: Above this many kept pairs the points are drawn as a density image (bins of pairs):
#: painting 200k dots takes ~0.3–1 s of the GUI thread on every repaint, an image ~1 ms.
DRAW_POINTS = 20_000
DENSITY_BINS = (300, 200)


def points_polygon(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    """Points as one QPolygonF (filled through numpy; fine on a worker thread)."""
    if x.size == 0:
        return QPolygonF()
    poly = fn.create_qpolygonf(int(x.size))
    arr = fn.ndarray_from_qpolygonf(poly)
    arr[:, 0], arr[:, 1] = x, y
    return poly


def point_style(n_points: int) -> tuple[QColor, float]:
    """Dot colour and size for ``n_points`` dots: few are large and solid, many small and
    translucent so that overlaps read as density."""
    alpha, size = (220, 8.0) if n_points <= 500 else (150, 5.0) if n_points <= 5000 else (90, 4.0)
    return QColor(30, 60, 150, alpha), size


class PointsItem(pg.GraphicsObject):
    """Many equal dots drawn with one ``drawPoints`` call: 200k pairs draw in a fraction of
    the time a ScatterPlotItem takes, and the polygon is built off the GUI thread."""

    def __init__(self, color: QColor, size: float = 3.0) -> None:
        super().__init__()
        self.set_style(color, size)
        self._poly = QPolygonF()
        self._bounds: tuple | None = None

    def set_style(self, color: QColor, size: float) -> None:
        """Dot colour (with alpha) and diameter in pixels."""
        self.prepareGeometryChange()
        self._pen = pg.mkPen(color, width=size)
        self._pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.update()

    def set_points(self, x: np.ndarray, y: np.ndarray, poly: QPolygonF | None = None) -> None:
        self.prepareGeometryChange()
        self._poly = points_polygon(x, y) if poly is None else poly
        self._bounds = (
            None
            if x.size == 0
            else (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
        )
        self.informViewBoundsChanged()
        self.update()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None) -> tuple:
        if self._bounds is None:
            return (None, None)
        return self._bounds[0:2] if ax == 0 else self._bounds[2:4]

    def pixelPadding(self) -> float:
        return self._pen.widthF()

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            return QRectF()
        x0, x1, y0, y1 = self._bounds
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        pad = self._pen.widthF()
        return QRectF(x0 - pad * px, y0 - pad * py, x1 - x0 + 2 * pad * px, y1 - y0 + 2 * pad * py)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setPen(self._pen)
        painter.drawPoints(self._poly)


@dataclass(frozen=True)
class ScatterResult:
    land: Snapshot
    i: np.ndarray  #: rows of the drawn pairs (i < j)
    j: np.ndarray
    euclid: np.ndarray  #: distances of the drawn pairs
    mis: np.ndarray
    r: float  #: Pearson coefficient over all pairs
    n_pairs: int
    settings: tuple[str, str]
    poly: Any = None  #: the drawn points as a QPolygonF (None: density image)
    density: np.ndarray | None = None  #: (bx, by) pair counts when there are many points
    extent: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)  #: x0, x1, y0, y1


def compute_scatter(
    source: DistanceSource, land: Snapshot, kind: str, part: str, max_points: int = MAX_POINTS
) -> ScatterResult:
    D_mis = source.misclassification(land, part, kind)
    D_euc = euclidean_matrix(land.weights)
    r = pearson(D_euc, D_mis)
    i, j = np.triu_indices(land.n_minima, 1)
    n_pairs = int(i.size)
    if n_pairs > max_points:
        keep = np.sort(np.random.default_rng(0).choice(n_pairs, max_points, replace=False))
        i, j = i[keep], j[keep]
    e, m = D_euc[i, j], D_mis[i, j].astype(float)
    if e.size <= DRAW_POINTS:
        return ScatterResult(land, i, j, e, m, r, n_pairs, (kind, part), points_polygon(e, m))
    x0, x1, y0, y1 = float(e.min()), float(e.max()), float(m.min()), float(m.max())
    x1, y1 = max(x1, x0 + 1e-12), max(y1, y0 + 1e-12)
    H, _, _ = np.histogram2d(e, m, bins=DENSITY_BINS, range=((x0, x1), (y0, y1)))
    return ScatterResult(land, i, j, e, m, r, n_pairs, (kind, part), None, H, (x0, x1, y0, y1))


class DistanceScatterView(LazyView):
    """Scatter of all pairs (subsampled), Pearson r in the title, click selects a pair."""

    def __init__(
        self,
        selection: SelectionModel,
        source: DistanceSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(selection, parent)
        self.source = source or DistanceSource()
        self.result: ScatterResult | None = None
        self.kind = QComboBox()
        for k, text in KIND_LABELS.items():
            self.kind.addItem(text, k)
        self.part = QComboBox()
        for k, text in PART_LABELS.items():
            self.part.addItem(text, k)
        self.plot, self._vb = picking_plot(
            "Euclidean distance (aligned weights)", "misclassification distance"
        )
        pi = self.plot.getPlotItem()
        self.points = PointsItem(*point_style(0))
        self.selected = pg.ScatterPlotItem(
            size=8, pen=pg.mkPen("k", width=1), brush=pg.mkBrush(theme.SELECTION_COLOR)
        )
        pi.addItem(self.points)
        self.density = pg.ImageItem(axisOrder="col-major")
        # empty bins transparent, then pale to dark blue with the (log) number of pairs
        self.density.setColorMap(
            pg.ColorMap(
                [0.0, 0.001, 1.0], [(255, 255, 255, 0), (170, 190, 230, 255), (10, 30, 110, 255)]
            )
        )
        pi.addItem(self.density)
        self.selected.setZValue(5)
        pi.addItem(self.selected, ignoreBounds=True)
        on_scene_click(self.plot, self._vb, self._on_click)
        self.info = note_label()
        view_column(
            self, control_bar((("Distance", self.kind), ("on", self.part))), self.plot, self.info
        )
        self.kind.currentIndexChanged.connect(self.schedule)
        self.part.currentIndexChanged.connect(self.schedule)
        self.message("no project open")

    def set_project(self, project: Any) -> None:
        self.source.set_project(project)
        super().set_project(project)

    def make_job(self):
        why = self.source.usable()
        land = self.snapshot
        if why or land.n_minima < 2:
            self.result = None
            self.points.set_points(np.zeros(0), np.zeros(0))
            self.selected.setData([], [])
            self.plot.getPlotItem().setTitle("")
            self.message(why or "needs at least two minima")
            return None
        kind, part, src = self.kind.currentData(), self.part.currentData(), self.source
        self.message(f"computing distances of {land.n_minima * (land.n_minima - 1) // 2} pairs…")
        return (lambda: compute_scatter(src, land, kind, part)), None

    def draw(self, _tag: Any, r: ScatterResult) -> None:
        self.result = r
        if r.density is None:
            self.points.set_style(*point_style(r.i.size))
            self.points.set_points(r.euclid, r.mis, r.poly)
            self.density.clear()
            self.density.hide()
        else:
            self.points.set_points(np.zeros(0), np.zeros(0))
            H = np.log1p(r.density)
            self.density.setImage(H, levels=(0.0, max(float(H.max()), 1e-9)), autoLevels=False)
            x0, x1, y0, y1 = r.extent
            self.density.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            self.density.show()
        _kind, part = r.settings
        rtext = "undefined (a distance is constant)" if not np.isfinite(r.r) else f"{r.r:.3f}"
        self.plot.getPlotItem().setTitle(
            f"Pearson r = {rtext} over {r.n_pairs:,} pairs", size="11pt", color=QColor(20, 20, 20)
        )
        self.plot.getPlotItem().setLabel("left", f"misclassification distance ({part})")
        self.plot.getPlotItem().enableAutoRange()
        shown = "" if r.i.size == r.n_pairs else f" · showing a random {r.i.size:,} of them"
        if r.density is not None:
            shown += " as a density (darker: more pairs, log scale)"
        self.message(
            f"{minima(r.land.n_minima)}, {r.n_pairs:,} pairs{shown} · "
            "click a point to select its pair"
        )

    @property
    def pearson_r(self) -> float:
        return float("nan") if self.result is None else self.result.r

    def point_of(self, k: int) -> QPointF:
        """View point of drawn pair k (tests, scripted clicks)."""
        return QPointF(float(self.result.euclid[k]), float(self.result.mis[k]))

    def pair_near(self, point: QPointF) -> int | None:
        """Index of the drawn pair nearest a view point, within PICK_PIXELS."""
        r = self.result
        if r is None or r.i.size == 0:
            return None
        px, py = self._vb.viewPixelSize()
        d = np.hypot((r.euclid - point.x()) / px, (r.mis - point.y()) / py)
        k = int(np.argmin(d))
        return k if d[k] <= PICK_PIXELS else None

    def _on_click(self, point: QPointF, modifiers: Any = None) -> None:
        k = self.pair_near(point)
        if k is None:
            return
        r = self.result
        a, b = int(r.land.ids[r.i[k]]), int(r.land.ids[r.j[k]])
        self.selection.set(
            [a, b], label=f"pair: Euclidean {r.euclid[k]:.3g}, misclassification {r.mis[k]:.3g}"
        )

    def show_selection(self) -> None:
        r = self.result
        if r is None:
            return
        rows = r.land.rows_of(self.selection.ids())
        if rows.size < 2 or rows.size > 200:
            self.selected.setData([], [])
            return
        sel = np.zeros(r.land.n_minima, bool)
        sel[rows] = True
        k = np.flatnonzero(sel[r.i] & sel[r.j])
        self.selected.setData(r.euclid[k], r.mis[k])

    def clone(self) -> LazyView:
        return type(self)(SelectionModel(), self.source)

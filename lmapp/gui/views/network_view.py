"""Network of minima (SPEC §3.2): minima as nodes joined where a transition state connects
them, laid out off the GUI thread (a Barnes–Hut spring layout, or Kamada–Kawai), node size by
degree and colour by a per-minimum value, with the network statistics beside it; a click selects
a minimum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QToolTip, QWidget

from ...landscape.graph_layout import spring_positions
from ...landscape.network import (
    adjacency,
    describe_ts_count,
    minima_edges,
    minima_graph,
    network_stats,
)
from ...words import minima, plural
from ..core import theme
from ..core.layouts import control_bar, note_label, view_column
from ..core.plots import PICK_PIXELS, on_scene_click, picking_plot
from ..core.selection import SelectionModel
from ..core.snapshots import VALUE_LABELS, Snapshot, describe_minimum
from ..core.view import LazyView

#: Kamada–Kawai is O(n²) in memory and time: above this many minima spring is used.
MAX_KAMADA = 1500
#: Node sizes (pixels): isolated minima, and growth with √degree.
BASE_SIZE, SIZE_PER_SQRT_DEGREE, MAX_SIZE = 6.0, 3.0, 30.0
#: above CROWD minima nodes shrink with 1/√n, down to MIN_CROWD_SCALE of their size
CROWD, MIN_CROWD_SCALE = 1000, 0.35
COLOR_CHOICES = ("loss", *(k for k in VALUE_LABELS if k not in ("loss", "id")))

#: Node colours: the value range is split into this many (one cached symbol each).
PALETTE = 64


@dataclass(frozen=True)
class NetworkResult:
    land: Snapshot
    pos: np.ndarray  #: (n, 2) node positions
    edges: np.ndarray  #: (m, 2) rows
    degree: np.ndarray
    stats: dict
    layout: str


def compute_network(land: Snapshot, layout: str = "spring") -> NetworkResult:
    """Graph, layout and statistics of a snapshot (pure; any thread). Minima without any
    transition state are put on a grid below the connected part, lowest loss first."""
    n = land.n_minima
    edges = minima_edges(n, land.ts_a, land.ts_b)
    stats = network_stats(n, land.ts_a, land.ts_b)
    A = adjacency(n, edges)
    degree = np.diff(A.indptr).astype(np.int64)
    pos = np.zeros((n, 2))
    linked = np.flatnonzero(degree > 0)
    used = layout
    if linked.size:
        if layout == "kamada-kawai" and linked.size > MAX_KAMADA:
            used = "spring"
        if used == "kamada-kawai":
            sub = minima_graph(n, land.ts_a, land.ts_b).subgraph(linked.tolist())
            p = nx.kamada_kawai_layout(sub, scale=1.0)
            xy = np.array([p[i] for i in linked.tolist()], float)
            if xy.shape[0] > 1:
                xy -= xy.mean(axis=0)
                xy /= max(np.abs(xy).max(), 1e-12)
        else:
            xy = spring_positions(A[linked][:, linked])
        pos[linked] = xy
    lonely = np.flatnonzero(degree == 0)
    if lonely.size:
        lonely = lonely[np.argsort(land.values("loss")[lonely], kind="stable")]
        cols = int(np.ceil(np.sqrt(lonely.size * 2)))
        step = 2.0 / max(cols - 1, 1)
        k = np.arange(lonely.size)
        top = -1.3 if linked.size else 1.0
        pos[lonely, 0] = -1.0 + (k % cols) * step if cols > 1 else 0.0
        pos[lonely, 1] = top - (k // cols) * step
    return NetworkResult(land, pos, edges, degree, stats, used)


class NetworkView(LazyView):
    """The drawn network with colour/layout controls and a statistics panel."""

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(selection, parent)
        self.result: NetworkResult | None = None
        self.layout_choice = QComboBox()
        self.layout_choice.addItems(["spring", "kamada-kawai"])
        self.layout_choice.setToolTip(
            f"force-directed layout (Kamada–Kawai up to {MAX_KAMADA} connected minima)"
        )
        self.color = QComboBox()
        for key in COLOR_CHOICES:
            self.color.addItem(VALUE_LABELS[key], key)
        fit = QPushButton("Fit")
        fit.clicked.connect(lambda: self.plot.getPlotItem().enableAutoRange())

        self.plot, self._vb = picking_plot("", "")
        pi = self.plot.getPlotItem()
        pi.hideAxis("bottom")
        pi.hideAxis("left")
        pi.showGrid(x=False, y=False)
        self._vb.setAspectLocked(True)
        self.edges = pg.PlotCurveItem(pen=pg.mkPen((150, 150, 150, 160), width=1), connect="pairs")
        self.nodes = pg.ScatterPlotItem(pen=pg.mkPen((40, 40, 40), width=0.6))
        self._palette = [
            pg.mkBrush(theme.value_colormap().map(x, mode="qcolor"))
            for x in np.linspace(0.0, 1.0, PALETTE)
        ] + [pg.mkBrush(theme.MISSING_COLOR)]  #: PALETTE map colours, then "no value"
        self.selected = pg.ScatterPlotItem(pen=pg.mkPen(theme.SELECTION_COLOR, width=3), brush=None)
        for z, item in enumerate((self.edges, self.nodes, self.selected)):
            item.setZValue(z)
            pi.addItem(item, ignoreBounds=item is self.selected)
        self._bar = theme.color_bar(theme.value_colormap())
        pi.layout.addItem(self._bar, 2, 5)
        pi.layout.setColumnFixedWidth(4, 8)
        on_scene_click(self.plot, self._vb, self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)

        self.stats = QLabel()
        self.stats.setTextFormat(Qt.TextFormat.RichText)
        self.stats.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.stats.setMinimumWidth(170)
        self.info = note_label()
        bar = control_bar((("Layout", self.layout_choice), ("colour", self.color)), right=(fit,))
        mid = QHBoxLayout()
        mid.addWidget(self.plot, 1)
        mid.addWidget(self.stats)
        view_column(self, bar, mid, self.info)
        self.figure_chrome.append(self.stats)  # the figure is the network drawing
        self.layout_choice.currentIndexChanged.connect(self.schedule)
        self.color.currentIndexChanged.connect(self._draw_nodes)
        self.message("no minima yet")

    def make_job(self):
        land, how = self.snapshot, self.layout_choice.currentText()
        self.message(f"laying out {minima(land.n_minima)}…")
        return (lambda: compute_network(land, how)), None

    def draw(self, _tag: Any, r: NetworkResult) -> None:
        self.result = r
        e = r.edges
        if e.size:
            xy = r.pos[e.ravel()]
            self.edges.setData(xy[:, 0], xy[:, 1])
        else:
            self.edges.setData([], [])
        self._draw_nodes()
        s = r.stats
        rows = [
            ("minima (nodes)", f"{s['nodes']}"),
            ("edges (joined pairs)", f"{s['edges']}"),
            ("transition states", f"{s['transition_states']}"),
            ("  degenerate (one minimum)", f"{s['degenerate_ts']}"),
            ("  more per joined pair", f"{s['parallel_ts']}"),
            ("mean degree", f"{s['mean_degree']:.3g}"),
            ("components", f"{s['components']}"),
            ("largest component", f"{s['largest_component']}"),
            (
                "mean shortest path",
                f"{'' if s['paths_exact'] else '≈ '}{s['mean_shortest_path']:.3g}",
            ),
            ("diameter", f"{'' if s['paths_exact'] else '≥ '}{s['diameter']}"),
            ("clustering coefficient", f"{s['clustering']:.3g}"),
        ]
        self.stats.setText(
            "<b>Network</b><table cellspacing=3>"
            + "".join(f"<tr><td>{k}</td><td align=right>{v}</td></tr>" for k, v in rows)
            + "</table>"
            "<br><small>paths and diameter<br>within the largest component"
            + (
                ""
                if s["paths_exact"]
                else f"<br>estimated from {s['path_sources']}<br>breadth-first searches"
            )
            + "</small>"
        )
        self.plot.getPlotItem().enableAutoRange()  # follows the data until the user zooms
        note = "" if r.land.n_ts else " · no transition states yet: every minimum is isolated"
        if describe_ts_count(s):
            note += f" · {describe_ts_count(s)}"
        if r.layout != self.layout_choice.currentText():
            note += f" · too many minima for Kamada–Kawai: {r.layout} layout"
        self.message(
            f"{minima(r.land.n_minima)}, {plural(s['edges'], 'edge')}{note} · node size: degree · "
            "click a node to select it"
        )

    def _node_sizes(self) -> np.ndarray:
        """Pixels per node: growing with √degree, and smaller in networks of many minima (so
        that 10⁴ nodes do not cover each other)."""
        d = self.result.degree.astype(float)
        crowd = float(np.clip(np.sqrt(CROWD / max(d.size, 1)), MIN_CROWD_SCALE, 1.0))
        return crowd * np.minimum(BASE_SIZE + SIZE_PER_SQRT_DEGREE * np.sqrt(d), MAX_SIZE)

    def _draw_nodes(self) -> None:
        r = self.result
        if r is None:
            return
        n = r.land.n_minima
        if n == 0:
            self.nodes.setData([], [])
            self._bar.hide()
            self.show_selection()
            return
        key = self.color.currentData()
        v = r.land.values(key)
        ok = np.isfinite(v)
        lo, hi = (float(v[ok].min()), float(v[ok].max())) if ok.any() else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        t = np.clip((np.where(ok, v, lo) - lo) / (hi - lo), 0, 1)
        # a fixed palette and half-pixel sizes: pyqtgraph renders each distinct (size, brush)
        # symbol once and caches it, instead of one new symbol per node on every redraw
        index = np.where(ok, np.round(t * (PALETTE - 1)).astype(np.int64), PALETTE)
        sizes = np.round(2 * self._node_sizes()) / 2
        order = np.argsort(-v if key == "loss" else v, kind="stable")  # lowest loss on top
        self.nodes.setData(
            r.pos[order, 0],
            r.pos[order, 1],
            size=sizes[order],
            brush=[self._palette[i] for i in index[order].tolist()],
            data=order,
        )
        self._bar.setLevels((lo, hi))
        self._bar.axis.setLabel(VALUE_LABELS[key])
        self._bar.show()
        self.show_selection()

    def show_selection(self) -> None:
        r = self.result
        if r is None:
            return
        rows = r.land.rows_of(self.selection.ids())
        if rows.size == 0:
            self.selected.setData([], [])
            return
        self.selected.setData(r.pos[rows, 0], r.pos[rows, 1], size=self._node_sizes()[rows] + 6)

    # -- picking ---------------------------------------------------------------------------------
    def node_point(self, row: int) -> QPointF:
        return QPointF(float(self.result.pos[row, 0]), float(self.result.pos[row, 1]))

    def node_at(self, point: QPointF) -> int | None:
        """Row of the node under a view point (within its radius + PICK_PIXELS)."""
        r = self.result
        if r is None or r.land.n_minima == 0:
            return None
        px, py = self._vb.viewPixelSize()
        d = np.hypot((r.pos[:, 0] - point.x()) / px, (r.pos[:, 1] - point.y()) / py)
        k = int(np.argmin(d))
        return k if d[k] <= self._node_sizes()[k] / 2 + PICK_PIXELS else None

    def _on_click(self, point: QPointF, modifiers: Any = None) -> None:
        row = self.node_at(point)
        mods = modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier
        if row is None:
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
                self.selection.clear()
            return
        min_id = int(self.result.land.ids[row])
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.selection.toggle(min_id)
        elif mods & Qt.KeyboardModifier.ShiftModifier:
            self.selection.add([min_id])
        else:
            self.selection.set([min_id])

    def _on_move(self, scene_pos: QPointF) -> None:
        if self.result is None or not self._vb.sceneBoundingRect().contains(scene_pos):
            return
        row = self.node_at(self._vb.mapSceneToView(scene_pos))
        if row is None:
            QToolTip.hideText()
            return
        text = describe_minimum(self.result.land, row) + f"\ndegree {self.result.degree[row]}"
        QToolTip.showText(QCursor.pos(), text, self)

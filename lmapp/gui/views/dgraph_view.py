"""Disconnectivity graph view: the tree of minima (``lmapp.landscape.dgraph``) drawn as one
graphics item, coloured by a per-minimum value, with hover, click, Ctrl/Shift-click,
Shift-drag rubber band and branch selection feeding the shared selection."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolTip,
    QWidget,
)

from ...landscape.dgraph import DGraph, disconnectivity_graph, leaf_at, node_at
from ...words import minima, transition_states
from ..core import theme
from ..core.background import Background, error_line
from ..core.layouts import control_bar, note_label, view_column
from ..core.plots import PickingViewBox
from ..core.selection import SelectionModel
from ..core.snapshots import VALUE_LABELS, Snapshot, describe_minimum, empty_snapshot

#: Colours a value range is split into (one path per colour).
N_COLORS = 64
#: Pick tolerance of hover and clicks, in screen pixels.
PICK_PIXELS = 6
#: Branch line width in pixels: bold for small graphs, thin when leaves crowd.
WIDE_LINES, THIN_LINES, CROWDED_LEAVES = 2.0, 1.0, 300
#: Selected branches: a translucent halo drawn under the lines, so their colours stay readable.
HALO_WIDTH, HALO_ALPHA = 9.0, 110
#: Extra line width when branches are coloured (hue needs area to be read).
COLORED_EXTRA = 1.0
#: Most levels a spacing may ask for.
MAX_LEVELS = 5000
#: Values the branches can be coloured by ("none": plain black lines).
COLOR_CHOICES = ("none", *(k for k in VALUE_LABELS if k != "id"))


@dataclass(frozen=True)
class GraphSettings:
    """How to lay out and colour the graph (``disconnectivity_graph`` options)."""

    n_levels: int = 20
    spacing: float | None = None  #: level spacing in loss units; overrides n_levels
    top: float | None = None  #: highest level; None: highest TS (or just above the minima)
    order: str = "size"
    color_by: str = "none"
    #: hide minima not connected to the global minimum (their count is shown instead)
    connected_only: bool = True


@dataclass(frozen=True, eq=False)
class ColorValues:
    """Per-minimum colour values that are not stored columns but computed from a snapshot by
    another part of the app (e.g. g_α at the C_V cursor's T, distance to the selected minimum).
    """

    label: str  #: what the values are (status line, exports)
    values: Callable[[Snapshot], np.ndarray]  #: pure (any thread): snapshot → one per row
    diverging: bool = False  #: signed values: red–grey–blue map symmetric about 0
    branch_value: str = "min"  #: how a branch combines its minima (dgraph BRANCH_VALUES)

    @property
    def short_label(self) -> str:
        """The colour-bar title: the label without its parenthesised explanation."""
        return self.label.split("  (")[0]


def layout_graph(
    snapshot: Snapshot, settings: GraphSettings, colors: ColorValues | None = None
) -> DGraph:
    """Lay out the graph of a snapshot (pure; safe on any thread); ``colors`` replaces the
    stored column ``settings.color_by`` as the colour values.

    The automatic top level is the highest transition state, raised if needed a little above
    the highest minimum so that every minimum is drawn (without transition states each
    minimum is its own tree, side by side).
    """
    e = snapshot.values("loss")
    if colors is not None:
        values = np.asarray(colors.values(snapshot), float)
    else:
        values = None if settings.color_by == "none" else snapshot.values(settings.color_by)
    top = settings.top
    if top is None and e.size and e.max() > e.min():
        top = float(e.max() + 0.05 * (e.max() - e.min()))
        if snapshot.n_ts:
            top = max(top, float(snapshot.ts_loss.max()))
    if e.size and top is not None and not top > e.min():
        raise ValueError(f"top ({top:g}) must be above the lowest loss ({e.min():.6g})")
    if e.size and settings.spacing is not None:
        hi = top if top is not None else (snapshot.ts_loss.max() if snapshot.n_ts else e.max())
        if (hi - e.min()) / settings.spacing > MAX_LEVELS:
            raise ValueError(f"spacing {settings.spacing:g} gives more than {MAX_LEVELS} levels")
    return disconnectivity_graph(
        e,
        snapshot.ts_loss,
        snapshot.ts_a,
        snapshot.ts_b,
        n_levels=settings.n_levels,
        spacing=settings.spacing,
        top=top,
        order=settings.order,
        # without any TS every minimum is its own tree: show them all
        connected_only=settings.connected_only and snapshot.n_ts > 0,
        values=values,
        branch_value="min" if colors is None else colors.branch_value,
    )


def fully_selected_nodes(dg: DGraph, rows: np.ndarray) -> np.ndarray:
    """Mask of nodes all of whose minima are in ``rows`` (a selected branch lights up whole)."""
    n_min = dg.leaf_x.size
    sel = np.zeros(n_min, bool)
    sel[rows[(rows >= 0) & (rows < n_min)]] = True
    cs = np.concatenate(([0], np.cumsum(sel[dg.leaf_order])))
    return (cs[dg.node_start + dg.node_size] - cs[dg.node_start]) == dg.node_size


class SegmentsItem(pg.GraphicsObject):
    """Many line segments as one graphics item: one painter path per colour."""

    def __init__(
        self, width: float = WIDE_LINES, cap: Qt.PenCapStyle = Qt.PenCapStyle.FlatCap
    ) -> None:
        super().__init__()
        self._width, self._cap = width, cap
        self._paths: list[tuple[QPen, QPainterPath]] = []
        self._bounds = np.array([[np.nan, np.nan], [np.nan, np.nan]])

    def set_segments(
        self,
        segments: np.ndarray,
        colors: list[QColor],
        color_index: np.ndarray | None = None,
        width: float | None = None,
        on_top: np.ndarray | None = None,
    ) -> None:
        """Draw ``segments`` (m, 4); segment i gets ``colors[color_index[i]]`` (or colors[0]).
        Colours with larger ``on_top[c]`` are painted later, over the others."""
        self.prepareGeometryChange()
        self._width = width or self._width
        self._paths = []
        idx = np.zeros(len(segments), np.int64) if color_index is None else color_index
        used = np.unique(idx)
        if on_top is not None:
            used = used[np.argsort(on_top[used], kind="stable")]
        for c in used:
            s = segments[idx == c]
            path = pg.arrayToQPath(s[:, [0, 2]].ravel(), s[:, [1, 3]].ravel(), connect="pairs")
            pen = pg.mkPen(colors[int(c)], width=self._width)
            pen.setCapStyle(self._cap)
            self._paths.append((pen, path))
        if len(segments):
            xs, ys = segments[:, [0, 2]], segments[:, [1, 3]]
            self._bounds = np.array([[xs.min(), xs.max()], [ys.min(), ys.max()]])
        else:
            self._bounds = np.array([[np.nan, np.nan], [np.nan, np.nan]])
        self.informViewBoundsChanged()
        self.update()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None) -> tuple:
        lo, hi = self._bounds[ax]
        return (None, None) if np.isnan(lo) else (float(lo), float(hi))

    def pixelPadding(self) -> float:
        return self._width

    def boundingRect(self) -> QRectF:
        if np.isnan(self._bounds[0, 0]):
            return QRectF()
        (x0, x1), (y0, y1) = self._bounds
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        pad = 2 * self._width
        return QRectF(x0 - pad * px, y0 - pad * py, x1 - x0 + 2 * pad * px, y1 - y0 + 2 * pad * py)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the pixel padding of the bounding rect changed

    def paint(self, painter: QPainter, *args: object) -> None:
        for pen, path in self._paths:
            painter.setPen(pen)
            painter.drawPath(path)


class DGraphPlot(pg.PlotWidget):
    """Draws one laid-out graph with colours, selection and hover; reports picks as rows of
    the snapshot (it knows nothing of the shared selection)."""

    leafClicked = Signal(int, object)  #: row, modifiers
    branchClicked = Signal(int, object)  #: node, modifiers
    emptyClicked = Signal(object)  #: modifiers
    rectPicked = Signal(object, object)  #: rows (array) inside the rectangle, modifiers
    hovered = Signal(str)  #: description of what is under the mouse ("" for nothing)

    def __init__(self, parent: QWidget | None = None) -> None:
        theme.configure_pyqtgraph()
        self._vb = PickingViewBox()
        super().__init__(parent, background="w", viewBox=self._vb)
        self.snapshot: Snapshot = empty_snapshot()
        self.graph: DGraph | None = None
        self.settings = GraphSettings()
        self.colors: ColorValues | None = None
        self._rows = np.empty(0, np.int64)
        self._label_text = ""
        self._label_node: int | None = None
        self._hover_node: int | None = None
        self._hover_text = ""
        pi = self.getPlotItem()
        pi.hideAxis("bottom")
        pi.setLabel("left", "loss")
        pi.getAxis("left").setWidth(70)
        pi.getAxis("left").enableAutoSIPrefix(False)
        pi.hideButtons()
        pi.setMenuEnabled(False)
        self._lines = SegmentsItem()
        self._hover = SegmentsItem(3.0)
        self._selected = SegmentsItem(HALO_WIDTH, Qt.PenCapStyle.RoundCap)
        self._halo = QColor(theme.SELECTION_COLOR)
        self._halo.setAlpha(HALO_ALPHA)
        self._markers = pg.ScatterPlotItem(
            size=9,
            useCache=False,
            pen=pg.mkPen("k", width=0.8),
            brush=pg.mkBrush(theme.SELECTION_COLOR),
        )
        self._label = pg.TextItem(
            color=theme.SELECTION_COLOR.darker(130), anchor=(0.5, 1.2), ensureInBounds=True
        )
        self._label.setZValue(10)
        pi.addItem(self._lines)
        self._selected.setZValue(-1)
        pi.addItem(self._selected, ignoreBounds=True)
        for z, item in enumerate((self._hover, self._markers, self._label), 1):
            item.setZValue(z)
            pi.addItem(item, ignoreBounds=True)
        self._bar = theme.color_bar(theme.value_colormap())
        pi.layout.addItem(self._bar, 2, 5)
        pi.layout.setColumnFixedWidth(4, 8)
        self._bar.hide()
        self._vb.pointClicked.connect(self._on_click)
        self._vb.rectPicked.connect(self._on_rect)
        self.scene().sigMouseMoved.connect(self._on_move)

    # -- drawing -----------------------------------------------------------------------------
    def show_graph(
        self,
        snapshot: Snapshot,
        graph: DGraph,
        settings: GraphSettings,
        colors: ColorValues | None = None,
    ) -> None:
        """Draw a laid-out graph of ``snapshot`` (keeps the selection rows, remapped by the
        caller via :meth:`show_selection`); ``colors``: as given to :func:`layout_graph`."""
        self.snapshot, self.graph, self.settings = snapshot, graph, settings
        self.colors = colors
        self._hover_node, self._hover_text = None, ""
        self._hover.set_segments(np.empty((0, 4)), [theme.HOVER_COLOR])
        width = THIN_LINES if graph.leaf_order.size > CROWDED_LEAVES else WIDE_LINES
        if graph.segment_value is None or not np.isfinite(graph.segment_value).any():
            color = theme.LINE_COLOR if graph.segment_value is None else theme.MISSING_COLOR
            self._lines.set_segments(graph.segments, [color], width=width)
            self._bar.hide()  # nothing to read off a colour bar
        else:
            diverging = colors is not None and colors.diverging
            drawn = graph.leaf_node[graph.leaf_node >= 0]  # minima above top are not drawn
            table, index, lo, hi = _colorize(
                graph.segment_value, diverging, graph.node_value[drawn]
            )
            # diverging: the strongest colours last, so crowded grey lines never hide them
            on_top = None
            if diverging:  # by distance from the neutral middle; missing values (grey) first
                on_top = np.r_[np.abs(np.arange(N_COLORS) - (N_COLORS - 1) / 2), -1.0]
            self._lines.set_segments(graph.segments, table, index, width + COLORED_EXTRA, on_top)
            self._bar.setColorMap(
                theme.diverging_colormap() if diverging else theme.value_colormap()
            )
            self._bar.setLevels((lo, hi))
            self._bar.axis.setLabel(
                colors.short_label
                if colors is not None
                else VALUE_LABELS.get(settings.color_by, settings.color_by)
            )
            self._bar.show()
        self._draw_selection()

    def show_selection(self, rows: np.ndarray, label: str = "", node: int | None = None) -> None:
        """Highlight minima ``rows`` (and every branch they fill); label branch ``node``."""
        self._rows = np.asarray(rows, np.int64)
        self._label_text, self._label_node = label, node
        self._draw_selection()

    def _draw_selection(self) -> None:
        dg, rows = self.graph, self._rows
        if dg is None or dg.leaf_x.size == 0:
            self._selected.set_segments(np.empty((0, 4)), [self._halo])
            self._markers.setData([], [])
            self._label.setText("")
            return
        rows = rows[rows < dg.leaf_x.size]
        full = fully_selected_nodes(dg, rows)
        self._selected.set_segments(dg.segments[full[dg.segment_node]], [self._halo])
        x = dg.leaf_x[rows]
        ok = np.isfinite(x)
        self._markers.setData(x[ok], self.snapshot.values("loss")[rows][ok])
        node = self._label_node
        if node is not None and node < dg.node_x.size:
            self._label.setText(self._label_text)
            self._label.setPos(float(dg.node_x[node]), float(dg.node_energy[node]))
        else:
            self._label.setText("")

    def clone(self, width: int, height: int) -> DGraphPlot:
        """A new plot of the same graph, selection and (if zoomed) view range."""
        plot = DGraphPlot()
        plot.resize(width, height)
        if self.graph is not None:
            plot.show_graph(self.snapshot, self.graph, self.settings, self.colors)
            plot.show_selection(self._rows, self._label_text, self._label_node)
            if not any(self._vb.autoRangeEnabled()):
                (x0, x1), (y0, y1) = self._vb.viewRange()
                plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        return plot

    def _show_hover(self, node: int | None) -> None:
        if node == self._hover_node:
            return
        self._hover_node = node
        dg = self.graph
        segs = np.empty((0, 4)) if node is None or dg is None else self._subtree_segments(node)
        self._hover.set_segments(segs, [theme.HOVER_COLOR])

    def _subtree_segments(self, node: int) -> np.ndarray:
        dg = self.graph
        inside = (dg.node_start >= dg.node_start[node]) & (
            dg.node_start + dg.node_size <= dg.node_start[node] + dg.node_size[node]
        )
        return dg.segments[inside[dg.segment_node]]

    # -- picking ---------------------------------------------------------------------------
    def pick(self, point: QPointF) -> tuple[str, int] | None:
        """What lies under a view point: ("leaf", row) or ("branch", node), or None."""
        dg = self.graph
        if dg is None or dg.segments.size == 0:
            return None
        tol = PICK_PIXELS * float(self._vb.viewPixelSize()[0])
        row = leaf_at(dg, point.x(), point.y(), tol)
        if row is not None:
            return "leaf", row
        node = node_at(dg, point.x(), point.y(), tol)
        return None if node is None else ("branch", node)

    def rows_in(self, rect: QRectF) -> np.ndarray:
        """Minima whose leaf bottom (x, loss) lies inside a view rectangle."""
        dg = self.graph
        if dg is None or dg.leaf_x.size == 0:
            return np.empty(0, np.int64)
        x, y = dg.leaf_x, self.snapshot.values("loss")
        inside = (x >= rect.left()) & (x <= rect.right()) & (y >= rect.top()) & (y <= rect.bottom())
        return np.flatnonzero(inside)

    def leaf_point(self, row: int) -> QPointF:
        """A view point on the leaf line of minimum ``row`` (for tests and scripted picks)."""
        dg = self.graph
        seg = dg.segments[dg.segment_node == dg.leaf_node[row]][0]
        return QPointF(float(seg[0]), float((seg[1] + seg[3]) / 2 if seg[3] != seg[1] else seg[1]))

    def describe(self, hit: tuple[str, int] | None) -> str:
        """Tooltip text of a pick."""
        if hit is None:
            return ""
        kind, k = hit
        land, dg = self.snapshot, self.graph
        if kind == "leaf":
            return describe_minimum(land, k, position=int(dg.leaf_x[k])) + self._color_line(
                int(dg.leaf_node[k])
            )
        members = dg.members(k)
        low = members[np.argmin(land.values("loss")[members])]
        return (
            f"superbasin {dg.label(k)}: {minima(members.size)}\n"
            f"lowest loss {land.values('loss')[low]:.6g} (minimum {int(land.ids[low])})\n"
            f"joins at loss {dg.node_energy[k]:.6g}" + self._color_line(k)
        )

    def _color_line(self, node: int) -> str:
        """The colour value of a drawn node, as a tooltip line ("" when not coloured)."""
        dg, key = self.graph, self.settings.color_by
        if dg.node_value is None or node < 0:
            return ""
        label = self.colors.short_label if self.colors is not None else VALUE_LABELS.get(key, key)
        return f"\n{label}: {dg.node_value[node]:.4g}"

    def _on_click(self, point: QPointF, modifiers: object) -> None:
        hit = self.pick(point)
        if hit is None:
            self.emptyClicked.emit(modifiers)
        elif hit[0] == "leaf":
            self.leafClicked.emit(hit[1], modifiers)
        else:
            self.branchClicked.emit(hit[1], modifiers)

    def _on_rect(self, rect: QRectF, modifiers: object) -> None:
        self.rectPicked.emit(self.rows_in(rect), modifiers)

    def _on_move(self, scene_pos: QPointF) -> None:
        if not self._vb.sceneBoundingRect().contains(scene_pos):
            self._show_hover(None)
            self._hover_text = ""
            return
        hit = self.pick(self._vb.mapSceneToView(scene_pos))
        dg = self.graph
        self._show_hover(
            None if hit is None else (int(dg.leaf_node[hit[1]]) if hit[0] == "leaf" else hit[1])
        )
        text = self.describe(hit)
        if text == self._hover_text:
            return
        self._hover_text = text
        if text:
            QToolTip.showText(QCursor.pos(), text, self)
        else:
            QToolTip.hideText()
        self.hovered.emit(text)


def _colorize(
    values: np.ndarray, diverging: bool = False, leaf_values: np.ndarray | None = None
) -> tuple[list[QColor], np.ndarray, float, float]:
    """Colour table (N_COLORS map colours + grey for NaN), index per value, and the range.

    ``diverging``: symmetric about 0 on the red–grey–blue map, spanning the largest |value|
    among ``leaf_values`` (the minima; larger branch sums saturate) or else all values.
    """
    finite = np.isfinite(values)
    if diverging:
        span = values if leaf_values is None else leaf_values
        span = np.abs(span[np.isfinite(span)])
        m = float(span.max()) if span.size else 0.0
        lo, hi = (-m, m) if m > 0 else (-1.0, 1.0)
    else:
        lo, hi = (
            (float(values[finite].min()), float(values[finite].max())) if finite.any() else (0, 1)
        )
    if hi <= lo:  # one value: put it at the top of a short range below it
        lo, hi = (hi - 0.1 * abs(hi), hi) if hi != 0 else (0.0, 1.0)
    cmap = theme.diverging_colormap() if diverging else theme.value_colormap()
    colors = [cmap.map(t, mode="qcolor") for t in np.linspace(0, 1, N_COLORS)] + [
        theme.MISSING_COLOR
    ]
    t = np.clip((np.where(finite, values, lo) - lo) / (hi - lo), 0, 1)
    index = np.where(finite, np.round(t * (N_COLORS - 1)).astype(np.int64), N_COLORS)
    return colors, index, lo, hi


class DGraphView(QWidget):
    """The graph with its controls, wired to the shared selection; layouts are computed off
    the GUI thread (:class:`~lmapp.gui.core.background.Background`); one asked for while another
    runs waits for it (only the newest waiting one is kept), and each is drawn when it arrives."""

    layoutReady = Signal()  #: a new layout was drawn

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.snapshot: Snapshot = empty_snapshot()
        self.project: object = None
        self._computed: dict[str, ColorValues] = {}
        self.plot = DGraphPlot()
        self._bg = Background(self)
        self._bg.finished.connect(self._on_layout)
        self._bg.failed.connect(lambda _t, exc: self._message(html.escape(error_line(exc)), True))

        self.levels = QSpinBox(minimum=2, maximum=MAX_LEVELS, value=GraphSettings.n_levels)
        self.levels.setToolTip("number of evenly spaced energy levels")
        self.spacing = QLineEdit(placeholderText="auto")
        self.spacing.setToolTip("level spacing in loss units (overrides the number of levels)")
        self.top = QLineEdit(placeholderText="auto")
        self.top.setToolTip("highest level (energy window); auto: the highest transition state")
        for edit in (self.spacing, self.top):
            edit.setMaximumWidth(80)
        self.order = QComboBox()
        self.order.addItems(["size", "energy"])
        self.order.setToolTip("sibling branches sorted outwards by size or by lowest loss")
        self.color = QComboBox()
        for key in COLOR_CHOICES:
            self.color.addItem("plain" if key == "none" else VALUE_LABELS[key], key)
        self.color.setToolTip(
            "colour each branch by the lowest value among its minima "
            "(C_V contribution: their sum, the superbasin's dp/dT)"
        )
        self.connected = QCheckBox("connected only")
        self.connected.setChecked(GraphSettings.connected_only)
        self.connected.setToolTip(
            "hide minima not joined to the global minimum by transition "
            "states (their count is shown below the graph)"
        )
        fit = QPushButton("Fit")
        fit.setToolTip("show the whole graph")
        fit.clicked.connect(lambda: self.plot.getPlotItem().enableAutoRange())
        self.info = note_label()
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.linkActivated.connect(lambda link: self.connected.setChecked(link == "hide"))
        bar = control_bar(
            (
                ("Levels", self.levels),
                ("spacing", self.spacing),
                ("top", self.top),
                ("order", self.order),
                ("colour", self.color),
            ),
            self.connected,
            right=(fit,),
        )
        view_column(self, bar, self.plot, self.info)

        self.levels.valueChanged.connect(self.relayout)
        self.spacing.editingFinished.connect(self.relayout)
        self.top.editingFinished.connect(self.relayout)
        self.order.currentIndexChanged.connect(self.relayout)
        self.color.currentIndexChanged.connect(self.relayout)
        self.connected.toggled.connect(self.relayout)
        selection.changed.connect(self._show_selection)
        selection.changed.connect(lambda: self._message(self._summary()))
        self.plot.leafClicked.connect(self._leaf_clicked)
        self.plot.branchClicked.connect(self._branch_clicked)
        self.plot.emptyClicked.connect(self._empty_clicked)
        self.plot.rectPicked.connect(self._rect_picked)
        self.plot.hovered.connect(
            lambda text: self._message(
                html.escape(text.replace("\n", " · ")) if text else self._summary()
            )
        )
        self._message(self._summary())

    # -- data in -----------------------------------------------------------------------------
    def set_project(self, project: object) -> None:
        """A different project starts with the whole graph in view (zoom forgotten)."""
        if project is not self.project:
            self.plot.getPlotItem().enableAutoRange()
        self.project = project

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """A new snapshot: lay it out off the GUI thread."""
        self.snapshot = snapshot
        self.relayout()

    def set_color_values(
        self, key: str, menu_text: str, colors: ColorValues, relayout: bool = True
    ) -> None:
        """Offer (or update) computed colour values under ``key`` in the colour menu; the
        graph is recoloured at once (if ``relayout``) when they are the current choice."""
        if self.color.findData(key) < 0:
            self.color.addItem(menu_text, key)
        self._computed[key] = colors
        if relayout and self.color.currentData() == key:
            self.relayout()

    def color_by(self, key: str) -> None:
        """Colour by ``key`` (a stored column or computed values offered before)."""
        index = self.color.findData(key)
        if index < 0:
            raise ValueError(f"no colour choice {key!r}")
        if index == self.color.currentIndex():
            self.relayout()
        self.color.setCurrentIndex(index)

    def settings(self) -> GraphSettings:
        """The settings in the controls (ValueError with a message if one is invalid)."""
        return GraphSettings(
            n_levels=self.levels.value(),
            spacing=_optional_float(self.spacing.text(), "spacing", positive=True),
            top=_optional_float(self.top.text(), "top"),
            order=self.order.currentText(),
            color_by=self.color.currentData(),
            connected_only=self.connected.isChecked(),
        )

    def relayout(self) -> None:
        try:
            settings = self.settings()
        except ValueError as exc:
            self._message(html.escape(str(exc)), error=True)
            return
        land, colors = self.snapshot, self._computed.get(settings.color_by)
        self._bg.submit(
            lambda _state: layout_graph(land, settings, colors), tag=(land, settings, colors)
        )

    def wait_layout(self, timeout: float = 10.0) -> bool:
        """Wait until the newest layout is drawn (tests, export)."""
        return self._bg.wait_idle(timeout)

    def _on_layout(
        self, tag: tuple[Snapshot, GraphSettings, ColorValues | None], graph: DGraph
    ) -> None:
        land, settings, colors = tag
        self.plot.show_graph(land, graph, settings, colors)
        self._show_selection()
        self._message(self._summary())
        self.layoutReady.emit()

    # -- selection -------------------------------------------------------------------------
    def _show_selection(self) -> None:
        """Highlight the selection; a selection made by a branch click keeps its label on
        the branch that holds exactly those minima in the current layout."""
        dg, rows = self.plot.graph, self.plot.snapshot.rows_of(self.selection.ids())
        if self.selection.label and dg is not None and rows.size > 1:
            full = fully_selected_nodes(dg, rows)
            match = np.flatnonzero(full & (dg.node_size == rows.size) & (dg.node_minimum < 0))
            if match.size:
                node = int(match[0])
                self.plot.show_selection(rows, f"superbasin {dg.label(node)}", node)
                return
        self.plot.show_selection(rows)

    def _leaf_clicked(self, row: int, modifiers: object) -> None:
        min_id = int(self.plot.snapshot.ids[row])
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.selection.toggle(min_id)
        elif modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.selection.add([min_id])
        else:
            self.selection.set([min_id])

    def _branch_clicked(self, node: int, modifiers: object) -> None:
        dg, land = self.plot.graph, self.plot.snapshot
        members = dg.members(node)
        ids = land.ids[members].tolist()
        lowest = int(land.ids[members[np.argmin(land.values("loss")[members])]])
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self.selection.add(ids)
            return
        self.selection.set(ids, current=lowest, label=f"superbasin {dg.label(node)}")

    def _empty_clicked(self, modifiers: object) -> None:
        if not modifiers & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        ):
            self.selection.clear()

    def _rect_picked(self, rows: np.ndarray, modifiers: object) -> None:
        ids = self.plot.snapshot.ids[rows].tolist()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.selection.add(ids)
        else:
            self.selection.set(ids)

    # -- text --------------------------------------------------------------------------------
    def _summary(self) -> str:
        """The status line (rich text: the disconnected count links to show/hide them)."""
        land, dg = self.plot.snapshot, self.plot.graph
        esc = html.escape
        text = esc(f"{minima(land.n_minima)}, {transition_states(land.n_ts)}")
        if land.n_minima and land.n_ts == 0:
            text += " (no transition states yet: every minimum is its own tree)"
        apart = 0 if dg is None else int(dg.unconnected.size)
        if apart and land.n_ts:
            if self.connected.isChecked():
                text += (
                    f" · <b>{apart} not connected</b> to the global minimum, hidden: "
                    "<a href='show'>show</a>"
                )
            else:
                text += (
                    f" · {apart} not connected to the global minimum (on the right): "
                    "<a href='hide'>hide</a>"
                )
        above = land.n_minima - (0 if dg is None else dg.leaf_order.size)
        above -= apart if self.connected.isChecked() and land.n_ts else 0
        if above > 0:
            text += esc(f" · {above} above the top level")
        if len(self.selection):
            what = self.selection.label or "selected"
            text += esc(f" · {what}: {minima(len(self.selection))}")
        if self.plot.colors is not None and land.n_minima:
            text += esc(f" · colour: {self.plot.colors.label}")
        return text + (
            ""
            if not land.n_minima
            else " · click a leaf or branch to select; Ctrl/Shift-click adds; "
            "Shift-drag selects a box"
        )

    def _message(self, text: str, error: bool = False) -> None:
        """Show rich ``text`` (callers escape what they did not write) under the graph."""
        self.info.setStyleSheet(theme.ERROR_STYLE if error else "")
        self.info.setText(text)

    # -- export ----------------------------------------------------------------------------
    def export_widget(self, width: int, height: int) -> QWidget:
        """A fresh plot of the same graph, selection and view range at another size."""
        return self.plot.clone(width, height)


def _optional_float(text: str, what: str, positive: bool = False) -> float | None:
    """A number typed into an optional field ("" or "auto" → None)."""
    text = text.strip()
    if text in ("", "auto"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not np.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{what} must be a finite number{' > 0' if positive else ''}")
    return value

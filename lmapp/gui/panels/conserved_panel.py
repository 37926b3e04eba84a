"""Conserved weights (SPEC §3.7): per-weight standard deviation across a group of minima
(after alignment), the weights below a threshold drawn on the network in the group's colour,
a disconnectivity-graph level scan with feature relevance, and the perturbation test."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...landscape.conserved import aligned_group, dg_level_groups, perturbation_test, weight_labels
from ...landscape.dgraph import disconnectivity_graph
from ...landscape.minimum_metrics import default_positive_class
from ...words import minima, transition_states
from ..core import theme
from ..core.background import Background, TaskState, error_line
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot, empty_snapshot

GROUP_COLORS = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
#: Threshold slider: log10 η from −4 to −1 in steps of 0.05.
ETA_LOG_MIN, ETA_LOG_MAX, ETA_TICKS = -4.0, -1.0, 60


@dataclass
class Group:
    label: str
    rows: np.ndarray  #: rows of the snapshot
    ids: list[int]
    std: np.ndarray  #: (P,) per-weight std after alignment
    mean: np.ndarray  #: (P,) aligned mean


def weight_name(
    label: tuple[int, int, int | None], n_layers: int, features: tuple[str, ...]
) -> str:
    """``x → hidden1[0]``, ``hidden1[2] → output[1]`` or ``bias → output[0]``."""
    layer, unit, src = label

    def name(l: int, u: int) -> str:
        return f"output[{u}]" if l == n_layers - 1 else f"hidden{l + 1}[{u}]"

    origin = (
        "bias"
        if src is None
        else (
            features[src]
            if layer == 0 and src < len(features)
            else f"x{src}"
            if layer == 0
            else name(layer - 1, src)
        )
    )
    return f"{origin} → {name(layer, unit)}"


def _group_stats(
    model: Any,
    W: np.ndarray,
    groups: list[tuple[str, np.ndarray]],
    ids: np.ndarray,
    aligned: bool = True,
) -> list[Group]:
    out = []
    for label, rows in groups:
        A = aligned_group(model, W[rows]) if aligned else W[rows]
        out.append(
            Group(
                label, np.asarray(rows), [int(ids[r]) for r in rows], A.std(axis=0), A.mean(axis=0)
            )
        )
    return out


@dataclass
class _PerturbRun:
    """One perturbation test in progress: its groups, settings and the drops so far."""

    tasks: list[tuple[Group, np.ndarray]]  #: (group, its conserved-weight mask)
    repeats: int
    scale: float
    model: Any
    dataset: Any
    positive_class: int
    W: np.ndarray
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    cons: list[float] = field(default_factory=list)
    rand: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.repeats * len(self.tasks)


class ConservedDiagram(QWidget):
    """The network with every weight drawn thin and grey, and each shown group's conserved
    weights thick in the group's colour (biases as coloured rings around their unit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sizes: list[int] = []
        self.labels: list[tuple[int, int, int | None]] = []
        self.masks: list[tuple[np.ndarray, QColor]] = []
        self.inputs: tuple[str, ...] = ()
        self.outputs: tuple[str, ...] = ()
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(380, 260)

    def set_network(
        self,
        sizes: list[int],
        labels: list,
        inputs: tuple[str, ...],
        outputs: tuple[str, ...],
        masks: list[tuple[np.ndarray, QColor]],
    ) -> None:
        self.sizes, self.labels, self.masks = sizes, labels, masks
        self.inputs = inputs
        self.outputs = tuple(f"class {c}" if c.isdigit() else c for c in outputs)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        self.draw(p, QRectF(self.rect()))
        p.end()

    def draw(self, p: QPainter, rect: QRectF) -> None:
        fm = p.fontMetrics()
        line = fm.height()
        if not self.sizes:
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "no network to draw")
            return
        sizes = self.sizes
        left = max([fm.horizontalAdvance(s) for s in self.inputs] + [0]) + 20
        right = max([fm.horizontalAdvance(s) for s in self.outputs] + [0]) + 20
        area = QRectF(
            rect.left() + left, rect.top() + 12, rect.width() - left - right, rect.height() - 24
        )
        gap = area.height() / max(sizes)
        radius = float(np.clip(gap * 0.25, 3.0, 11.0))
        xs = [area.left() + area.width() * k / (len(sizes) - 1) for k in range(len(sizes))]
        pos = [
            [QPointF(xs[k], area.center().y() + (j - (n - 1) / 2) * gap) for j in range(n)]
            for k, n in enumerate(sizes)
        ]
        p.setPen(QPen(QColor(205, 205, 205), 1.0))
        for layer, unit, src in self.labels:
            if src is not None:
                p.drawLine(pos[layer][src], pos[layer + 1][unit])
        rings: dict[tuple[int, int], list[QColor]] = {}
        for mask, color in self.masks:
            p.setPen(QPen(color, 3.2))
            for i in np.flatnonzero(mask):
                layer, unit, src = self.labels[i]
                if src is None:
                    rings.setdefault((layer + 1, unit), []).append(color)
                else:
                    p.drawLine(pos[layer][src], pos[layer + 1][unit])
        for k, column in enumerate(pos):
            for j, centre in enumerate(column):
                p.setPen(QPen(Qt.GlobalColor.black, 1.0))
                p.setBrush(QBrush(QColor(235, 235, 235)))
                p.drawEllipse(centre, radius, radius)
                for n, color in enumerate(rings.get((k, j), [])):
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.setPen(QPen(color, 2.5))
                    r = radius + 3 + 3 * n
                    p.drawEllipse(centre, r, r)
        p.setPen(Qt.GlobalColor.black)
        if gap >= line:
            for names, column, align in ((self.inputs, pos[0], -1), (self.outputs, pos[-1], 1)):
                for name, centre in zip(names, column):
                    w = fm.horizontalAdvance(name)
                    x = centre.x() - radius - 6 - w if align < 0 else centre.x() + radius + 6
                    p.drawText(
                        QRectF(x, centre.y() - line / 2, w + 2, line),
                        Qt.AlignmentFlag.AlignVCenter,
                        name,
                    )


class ConservedPanel(QWidget):
    """Conserved weights of the selection or of a DG level's superbasins."""

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.selection = selection
        self.snapshot: Snapshot = empty_snapshot()
        self.project: Any = None
        self.groups: list[Group] = []
        self.last_perturbation: dict[str, Any] | None = None  #: the last finished test's drops
        self.source = "selection"
        self._bg = Background(self)
        self._bg.finished.connect(self._on_groups)
        self._bg.failed.connect(lambda _t, exc: self._message(html.escape(error_line(exc)), True))
        self._pbg = Background(self)
        self._pbg.finished.connect(self._on_perturbed)
        self._pbg.failed.connect(self._on_perturb_failed)

        self.use_selection = QPushButton("Use selection")
        self.use_selection.setToolTip("Group = the selected minima (≥ 2); follows the selection")
        self.use_selection.clicked.connect(self.show_selection_group)
        self.level_spin = QSpinBox()
        self.level_spin.setRange(0, 99)
        self.level_spin.setToolTip("Level index of the disconnectivity graph (0 = lowest)")
        self.levels_spin = QSpinBox()
        self.levels_spin.setRange(2, 100)
        self.levels_spin.setValue(20)
        self.levels_spin.valueChanged.connect(lambda v: self.level_spin.setMaximum(v - 1))
        self.scan_button = QPushButton("Scan level")
        self.scan_button.setToolTip("Groups = the superbasins (≥ 2 minima) at that level")
        self.scan_button.clicked.connect(self.scan_level)
        top = QHBoxLayout()
        for w in (
            self.use_selection,
            QLabel("or DG level"),
            self.level_spin,
            QLabel("of"),
            self.levels_spin,
            self.scan_button,
        ):
            top.addWidget(w)
        top.addStretch(1)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, ETA_TICKS)
        self.slider.setValue(self._tick_of(0.01))
        self.slider.setToolTip("Conserved: σ across the group below η (log scale 1e-4 … 1e-1)")
        self.slider.valueChanged.connect(self._threshold_changed)
        self.eta_label = QLabel()
        self.eta_label.setMinimumWidth(90)
        trow = QHBoxLayout()
        trow.addWidget(QLabel("threshold η  1e-4"))
        trow.addWidget(self.slider, 1)
        trow.addWidget(QLabel("1e-1"))
        trow.addWidget(self.eta_label)

        self.group_combo = QComboBox()
        self.group_combo.activated.connect(self._redraw)
        grow = QHBoxLayout()
        grow.addWidget(QLabel("Show"))
        grow.addWidget(self.group_combo, 1)
        self.info = QLabel()
        self.info.setWordWrap(True)

        self.weights_table = QTableWidget(0, 4)
        self.weights_table.setHorizontalHeaderLabels(("group", "weight", "σ", "mean"))
        self.weights_table.verticalHeader().setVisible(False)
        self.weights_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.weights_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.weights_table.horizontalHeader().setStretchLastSection(True)
        self.diagram = ConservedDiagram()

        self.relevance_table = QTableWidget(0, 2)
        self.relevance_table.setHorizontalHeaderLabels(("feature", "groups conserving it"))
        self.relevance_table.verticalHeader().setVisible(False)
        self.relevance_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.relevance_table.horizontalHeader().setStretchLastSection(True)
        self.bars = pg.PlotWidget(title="feature relevance")
        self.bars.setMenuEnabled(False)
        self.bars.setLabel("left", "groups")
        self.bars.setMinimumHeight(150)

        self.repeats = QSpinBox()
        self.repeats.setRange(1, 1000)
        self.repeats.setValue(20)
        self.scale_spin = QSpinBox()
        self.scale_spin.setRange(1, 500)
        self.scale_spin.setValue(50)
        self.scale_spin.setSuffix(" %")
        self.scale_spin.setToolTip("Relative noise: w ← w·(1 + s·ε), ε ~ N(0, 1)")
        self.perturb_button = QPushButton("Perturbation test")
        self.perturb_button.setToolTip(
            "AUC drop when the shown group's conserved weights are "
            "perturbed, against as many random other weights"
        )
        self.perturb_button.clicked.connect(self.perturb)
        self.perturb_cancel = QPushButton("Cancel")
        self.perturb_cancel.clicked.connect(self._cancel_perturb)
        self.perturb_progress = QProgressBar()
        self.perturb_progress.setMaximumHeight(12)
        self.perturb_result = QLabel()
        self.perturb_result.setWordWrap(True)
        prow = QHBoxLayout()
        for w in (
            self.perturb_button,
            QLabel("R"),
            self.repeats,
            QLabel("noise"),
            self.scale_spin,
            self.perturb_progress,
            self.perturb_cancel,
        ):
            prow.addWidget(w)
        prow.addStretch(1)

        mid = QSplitter(Qt.Orientation.Horizontal)
        mid.addWidget(self.weights_table)
        mid.addWidget(self.diagram)
        mid.setSizes([330, 420])
        low = QSplitter(Qt.Orientation.Horizontal)
        low.addWidget(self.relevance_table)
        low.addWidget(self.bars)
        low.setSizes([250, 500])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addLayout(trow)
        lay.addLayout(grow)
        lay.addWidget(self.info)
        lay.addWidget(mid, 3)
        lay.addWidget(low, 2)
        lay.addLayout(prow)
        lay.addWidget(self.perturb_result)
        selection.changed.connect(self._selection_changed)
        self._threshold_changed()
        self._set_perturb_busy(False)
        self._redraw()

    # -- inputs ---------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        """A new project (or None); a perturbation test of the old one stops."""
        self._pbg.cancel()
        self._set_perturb_busy(False)
        self.project = project
        self.groups = []
        self.perturb_result.setText("")
        self._recompute()

    def set_snapshot(self, land: Snapshot) -> None:
        self.snapshot = land
        self._recompute()

    @property
    def eta(self) -> float:
        return 10.0 ** (ETA_LOG_MIN + (ETA_LOG_MAX - ETA_LOG_MIN) * self.slider.value() / ETA_TICKS)

    def set_eta(self, eta: float) -> None:
        self.slider.setValue(self._tick_of(eta))

    @staticmethod
    def _tick_of(eta: float) -> int:
        t = (math.log10(eta) - ETA_LOG_MIN) / (ETA_LOG_MAX - ETA_LOG_MIN) * ETA_TICKS
        return round(min(max(t, 0), ETA_TICKS))

    def _usable(self) -> str:
        if self.project is None:
            return "Open a project."
        if not self.project.model.is_network:
            return "Conserved weights need a network model; this is a regression project."
        return ""

    def masks(self) -> list[np.ndarray]:
        """Conserved-weight mask of every group at the current threshold."""
        return [g.std < self.eta for g in self.groups]

    # -- computing groups -----------------------------------------------------------------------
    def show_selection_group(self) -> None:
        self.source = "selection"
        self._recompute()

    def scan_level(self) -> None:
        self.source = "level"
        self._recompute()

    def _selection_changed(self) -> None:
        if self.source == "selection":
            self._recompute()

    def _recompute(self) -> None:
        """Groups for the current inputs, off the GUI thread (groups of older inputs still
        computing are dropped)."""
        self._bg.cancel()
        why = self._usable()
        land = self.snapshot
        self.groups = []
        if why:
            self._message(why)
            self._redraw()
            return
        model, W, ids = self.project.model, land.weights, land.ids
        if self.source == "selection":
            rows = land.rows_of(self.selection.ids())
            if rows.size < 2:
                self._message(
                    "Select at least two minima (e.g. a superbasin: click a branch of "
                    "the graph), or scan a level of the disconnectivity graph."
                )
                self._redraw()
                return
            label = self.selection.label or "selection"

            def work(_state: TaskState) -> tuple[list[Group], str]:
                return _group_stats(model, W, [(label, rows)], ids), ""

            what = f"aligning {minima(rows.size)}…"
        else:
            level, n_levels = self.level_spin.value(), self.levels_spin.value()
            if land.n_minima < 2:
                self._message("The project needs at least two minima.")
                self._redraw()
                return

            def work(_state: TaskState) -> tuple[list[Group], str]:
                dg = disconnectivity_graph(
                    land.values("loss"), land.ts_loss, land.ts_a, land.ts_b, n_levels=n_levels
                )
                groups = [(f"level_node {lab}", rows) for lab, rows in dg_level_groups(dg, level)]
                note = (
                    ""
                    if groups
                    else (
                        f"no superbasin of ≥ 2 minima at level {level} of {n_levels} "
                        f"({transition_states(land.n_ts)}; connect minima to form superbasins)"
                    )
                )
                return _group_stats(model, W, groups, ids), note

            what = f"scanning level {level} of {n_levels}…"
        self._message(what)
        self._bg.submit(work)

    def _on_groups(self, _tag: None, result: tuple[list[Group], str]) -> None:
        self.groups, note = result
        self.group_combo.clear()
        if len(self.groups) > 1:
            self.group_combo.addItem(f"all {len(self.groups)} groups", -1)
        for k, g in enumerate(self.groups):
            self.group_combo.addItem(
                f"{g.label}: minima {', '.join(map(str, g.ids[:12]))}"
                + (" …" if len(g.ids) > 12 else ""),
                k,
            )
        self._message(note, bool(note)) if note else self._message("")
        self._redraw()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until the groups and the perturbation repeats asked for have arrived (tests)."""
        return self._bg.wait_idle(timeout) and self._pbg.wait_idle(timeout)

    # -- drawing --------------------------------------------------------------------------------
    def _threshold_changed(self) -> None:
        self.eta_label.setText(f"η = {self.eta:.2g}")
        self._redraw()

    def _message(self, text: str, error: bool = False) -> None:
        self.info.setStyleSheet(theme.ERROR_STYLE if error else "")
        self.info.setText(text)

    def shown_groups(self) -> list[int]:
        k = self.group_combo.currentData()
        if not self.groups:
            return []
        return list(range(len(self.groups))) if k is None or k < 0 else [int(k)]

    def conserved_rows(self) -> list[tuple[str, int, float, float]]:
        """(group label, parameter index, σ, mean) of the conserved weights listed."""
        out = []
        masks = self.masks()
        for k in self.shown_groups():
            g = self.groups[k]
            for i in np.flatnonzero(masks[k]):
                out.append((g.label, int(i), float(g.std[i]), float(g.mean[i])))
        return out

    def _redraw(self) -> None:
        model = None if self._usable() else self.project.model
        labels = weight_labels(model) if model is not None else []
        n_layers = 0 if model is None else model.sizes.size - 1
        features = self.snapshot.feature_names
        rows = self.conserved_rows() if model is not None else []
        masks = self.masks()
        self.weights_table.setRowCount(len(rows))
        colors = {
            g.label: QColor(GROUP_COLORS[k % len(GROUP_COLORS)]) for k, g in enumerate(self.groups)
        }
        for r, (label, i, sd, mean) in enumerate(rows):
            cells = (label, weight_name(labels[i], n_layers, features), f"{sd:.2e}", f"{mean:+.4f}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setForeground(colors[label])
                if c >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.weights_table.setItem(r, c, item)
        shown = self.shown_groups()
        if model is not None:
            self.diagram.set_network(
                [int(s) for s in model.sizes],
                labels,
                features,
                self.snapshot.class_names,
                [(masks[k], colors[self.groups[k].label]) for k in shown],
            )
        else:
            self.diagram.set_network([], [], (), (), [])
        if model is not None and self.groups and not rows:
            self.weights_table.setRowCount(1)
            self.weights_table.setItem(
                0, 1, QTableWidgetItem(f"no weight with σ < {self.eta:.2g}: raise η")
            )
        if self.groups and model is not None:
            n_cons = [int(m.sum()) for m in masks]
            head = (
                f"{len(self.groups)} group{'s' * (len(self.groups) != 1)}; conserved weights "
                f"(σ < {self.eta:.2g} after alignment): "
                + ", ".join(f"{g.label} {n}/{model.n_params}" for g, n in zip(self.groups, n_cons))
            )
            if not self.info.styleSheet():
                self.info.setText(head)
        self._draw_relevance(model, labels, masks)
        self.perturb_button.setEnabled(bool(shown) and not self._pbg.busy)

    def relevance(self) -> np.ndarray:
        """Per feature: groups conserving at least one of its input→hidden weights."""
        if self._usable() or not self.groups:
            return np.zeros(len(self.snapshot.feature_names), np.int64)
        labels = weight_labels(self.project.model)
        n_f = int(self.project.model.sizes[0])
        counts = np.zeros(n_f, np.int64)
        for mask in self.masks():
            hit = {
                labels[i][2]
                for i in np.flatnonzero(mask)
                if labels[i][0] == 0 and labels[i][2] is not None
            }
            for f in hit:
                counts[f] += 1
        return counts

    def _draw_relevance(self, model: Any, labels: list, masks: list[np.ndarray]) -> None:
        counts = self.relevance()
        names = list(self.snapshot.feature_names) or [f"x{k}" for k in range(counts.size)]
        self.relevance_table.setRowCount(counts.size)
        for r, (n, c) in enumerate(zip(names, counts.tolist())):
            self.relevance_table.setItem(r, 0, QTableWidgetItem(n))
            item = QTableWidgetItem(str(c))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.relevance_table.setItem(r, 1, item)
        self.bars.clear()
        if counts.size:
            self.bars.addItem(
                pg.BarGraphItem(
                    x=np.arange(counts.size),
                    height=counts,
                    width=0.6,
                    brush=pg.mkBrush(70, 110, 170),
                )
            )
            self.bars.getAxis("bottom").setTicks([list(enumerate(names)), []])
            self.bars.setXRange(-0.6, counts.size - 0.4, padding=0)
            self.bars.setYRange(0, max(1, len(self.groups)), padding=0.05)
        self.bars.setTitle(
            f"feature relevance: groups conserving an input weight "
            f"({len(self.groups)} group{'s' * (len(self.groups) != 1)})"
        )

    # -- perturbation test ----------------------------------------------------------------------
    def perturb(self) -> None:
        """Run the perturbation test on the shown group(s), R repeats, off the GUI thread; the
        repeats run one by one so progress shows and Cancel stops between repeats."""
        shown = self.shown_groups()
        if not shown or self._usable():
            return
        masks = self.masks()
        tasks = [
            (self.groups[k], masks[k])
            for k in shown
            if masks[k].any() and (~masks[k]).sum() >= masks[k].sum()
        ]
        if not tasks:
            self.perturb_result.setText(
                "No group has conserved weights (and as many others) at this threshold: raise η."
            )
            return
        run = _PerturbRun(
            tasks,
            self.repeats.value(),
            self.scale_spin.value() / 100.0,
            self.project.model,
            self.project.dataset,
            default_positive_class(self.project.dataset),
            self.snapshot.weights,
        )
        self.perturb_progress.setRange(0, run.total)
        self.perturb_progress.setValue(0)
        self._set_perturb_busy(True)
        self._next_repeat(run)

    def _next_repeat(self, run: _PerturbRun) -> None:
        """Submit the next repeat (a new test replaces one still running)."""
        g, mask = run.tasks[len(run.cons) // run.repeats]
        W, d = run.W[g.rows], run.dataset

        def work(_state: TaskState) -> dict:
            return perturbation_test(
                run.model, W, mask, d.X_test, d.y_test, run.scale, 1, run.rng, run.positive_class
            )

        self._pbg.submit(work, tag=run, cancel_running=True)

    def _on_perturbed(self, run: _PerturbRun, res: dict) -> None:
        run.cons.append(res["conserved"])
        run.rand.append(res["random"])
        self.perturb_progress.setValue(len(run.cons))
        if len(run.cons) < run.total:
            self._next_repeat(run)
            return
        self._set_perturb_busy(False)
        cons, rand = np.array(run.cons), np.array(run.rand)
        self.last_perturbation = {
            "conserved": float(cons.mean()),
            "random": float(rand.mean()),
            "conserved_drops": cons,
            "random_drops": rand,
        }
        n = sum(int(m.sum()) for _, m in run.tasks)
        verdict = (
            "conserved weights matter more"
            if cons.mean() > rand.mean()
            else "no more than random weights"
        )
        self.perturb_result.setText(
            f"<b>Mean test-AUC drop</b> over {run.repeats} repeats ({n} conserved weight"
            f"{'s' * (n != 1)}, noise {run.scale:.0%}): conserved <b>{cons.mean():.4f}</b> "
            f"± {cons.std():.4f} vs random <b>{rand.mean():.4f}</b> ± {rand.std():.4f} — "
            f"{verdict}."
        )

    def _on_perturb_failed(self, _run: _PerturbRun, exc: Exception) -> None:
        self._set_perturb_busy(False)
        self.perturb_result.setText(html.escape(error_line(exc)))

    def _cancel_perturb(self) -> None:
        self._pbg.cancel()
        self._set_perturb_busy(False)
        self.perturb_result.setText("perturbation test cancelled")

    def _set_perturb_busy(self, busy: bool) -> None:
        self.perturb_progress.setVisible(busy)
        self.perturb_cancel.setVisible(busy)
        self.perturb_button.setEnabled(not busy and bool(self.shown_groups()))

    def export_widget(self, width: int, height: int) -> QWidget:
        """The network drawing with the conserved weights, as on screen."""
        return self.diagram

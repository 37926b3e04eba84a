"""Minimum inspector: the selected minimum drawn as a network (edge colour = sign, width and
opacity = |w|, zero weights hidden) with its metrics; two selected minima side by side."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...api import evaluate
from ...datasets import Dataset
from ...landscape.minimum_metrics import ZERO_WEIGHT
from ...landscape.model import Model
from ..core import theme
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot, empty_snapshot

#: Widest edge, in pixels, for the largest |w|.
MAX_EDGE_WIDTH = 6.0


class NetworkDiagram(QWidget):
    """One network: nodes in layers (inputs left), an edge per non-zero weight."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: list[dict[str, np.ndarray]] = []
        self.title = ""
        self.inputs: tuple[str, ...] = ()
        self.outputs: tuple[str, ...] = ()
        self.scale = 1.0  # |w| drawn at full width (shared when two minima are compared)
        self.setMinimumSize(260, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_network(
        self,
        layers: list[dict[str, np.ndarray]],
        title: str,
        inputs: tuple[str, ...] = (),
        outputs: tuple[str, ...] = (),
        scale: float | None = None,
    ) -> None:
        """Show per-layer ``{"W": (out, in), "b": (out,)}`` arrays (``Model.layers``)."""
        outputs = tuple(f"class {c}" if c.isdigit() else c for c in outputs)
        self.layers, self.title, self.inputs, self.outputs = layers, title, inputs, outputs
        self.scale = scale or max_abs_weight(layers)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 320)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        self.draw(painter, QRectF(self.rect()))
        painter.end()

    def draw(self, p: QPainter, rect: QRectF) -> None:
        """Paint the diagram into ``rect`` (any paint device: screen, image, SVG, PDF)."""
        fm = p.fontMetrics()
        line = fm.height()
        p.setPen(Qt.GlobalColor.black)
        bold = QFont(p.font())
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(
            QRectF(rect.left(), rect.top() + 2, rect.width(), line),
            Qt.AlignmentFlag.AlignHCenter,
            self.title,
        )
        p.setFont(QFont(self.font()))
        if not self.layers or "W" not in self.layers[0]:
            text = (
                "no network to draw"
                if not self.layers
                else "parameters: " + ", ".join(f"{v:.4g}" for v in self.layers[0]["q"])
            )
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            return
        sizes = [self.layers[0]["W"].shape[1]] + [L["W"].shape[0] for L in self.layers]
        left = max([fm.horizontalAdvance(s) for s in self.inputs] + [0]) + 24
        right = max([fm.horizontalAdvance(s) for s in self.outputs] + [0]) + 24
        area = QRectF(
            rect.left() + left,
            rect.top() + line + 10,
            rect.width() - left - right,
            rect.height() - line - 24,
        )
        gap = area.height() / max(sizes)
        radius = float(np.clip(gap * 0.28, 3.0, 12.0))
        xs = [area.left() + area.width() * (k / (len(sizes) - 1)) for k in range(len(sizes))]
        pos = [
            [QPointF(xs[k], area.center().y() + (j - (n - 1) / 2) * gap) for j in range(n)]
            for k, n in enumerate(sizes)
        ]
        edges = []
        for k, L in enumerate(self.layers):
            W = L["W"]
            for i, j in zip(*np.nonzero(np.abs(W) >= ZERO_WEIGHT)):
                edges.append((abs(W[i, j]), W[i, j] > 0, pos[k][j], pos[k + 1][i]))
        for a, positive, p0, p1 in sorted(edges, key=lambda e: e[0]):
            t = min(a / self.scale, 1.0)
            c = QColor(theme.POSITIVE_COLOR if positive else theme.NEGATIVE_COLOR)
            c.setAlpha(int(50 + 205 * t))
            p.setPen(QPen(c, 0.4 + (MAX_EDGE_WIDTH - 0.4) * t))
            p.drawLine(p0, p1)
        bmax = max([np.abs(L["b"]).max() for L in self.layers if L["b"].size] + [1e-300])
        p.setPen(QPen(Qt.GlobalColor.black, 1.0))
        for k, column in enumerate(pos):
            for j, centre in enumerate(column):
                if k == 0:
                    fill = QColor(225, 225, 225)
                else:
                    b = self.layers[k - 1]["b"][j]
                    fill = QColor(theme.POSITIVE_COLOR if b > 0 else theme.NEGATIVE_COLOR)
                    fill.setAlpha(int(30 + 200 * min(abs(b) / bmax, 1.0)))
                p.setBrush(QBrush(fill))
                p.drawEllipse(centre, radius, radius)
        if gap >= line:  # labels only where they fit
            for names, column, align in ((self.inputs, pos[0], -1), (self.outputs, pos[-1], 1)):
                for name, centre in zip(names, column):
                    w = fm.horizontalAdvance(name)
                    x = centre.x() - radius - 4 - w if align < 0 else centre.x() + radius + 4
                    p.drawText(
                        QRectF(x, centre.y() - line / 2, w + 2, line),
                        Qt.AlignmentFlag.AlignVCenter,
                        name,
                    )


def max_abs_weight(layers: list[dict[str, np.ndarray]]) -> float:
    """Largest |W| over all layers (1 if none)."""
    vals = [np.abs(L["W"]).max() for L in layers if "W" in L and L["W"].size]
    return float(max(vals)) if vals and max(vals) > 0 else 1.0


#: Metric rows: (label, function of (record, evaluation) → value, format).
_METRICS = (
    ("loss", lambda r, e: r["loss"], "{:.10g}"),
    ("train accuracy", lambda r, e: r["train_accuracy"], "{:.2%}"),
    ("test accuracy", lambda r, e: r["test_accuracy"], "{:.2%}"),
    ("test cross-entropy", lambda r, e: e.get("loss", np.nan), "{:.6g}"),
    ("RMS gradient", lambda r, e: r["rms_grad"], "{:.2e}"),
    ("Hessian index", lambda r, e: r["hessian_index"], "{:.0f}"),
    ("smallest eigenvalue", lambda r, e: r["min_eig"], "{:.4g}"),
    ("LPPHE", lambda r, e: r["lpphe"], "{:.6g}"),
    ("zero modes", lambda r, e: r["n_zero_modes"], "{:.0f}"),
    ("zero weights", lambda r, e: r["sparsity"], "{:.0f}"),
    ("run / walker / step", None, ""),
)


class InspectorView(QWidget):
    """Shows the current minimum, or compares two when exactly two are selected."""

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.snapshot: Snapshot = empty_snapshot()
        self.project: Any = None
        self.model: Model | None = None
        self.dataset: Dataset | None = None
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.diagrams = (NetworkDiagram(), NetworkDiagram())
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.metrics = QLabel()
        self.metrics.setTextFormat(Qt.TextFormat.RichText)
        self.metrics.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        for d in self.diagrams:
            row.addWidget(d)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.header)
        lay.addLayout(row, 1)
        lay.addWidget(self.legend)
        lay.addWidget(self.metrics, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(0)  # takes the space (hint at the top) only while no diagram is shown
        selection.changed.connect(self.refresh)
        self.refresh()

    def set_project(self, project: Any) -> None:
        """The open project (its model and data), or None."""
        self.project = project
        self.model = None if project is None else project.model
        self.dataset = None if project is None else project.dataset
        self.refresh()

    def set_snapshot(self, land: Snapshot) -> None:
        """A new snapshot; stored minima never change, so the drawing is redone only when
        the minima on display change."""
        shown = self.shown_ids()
        self.snapshot = land
        if not shown or self.shown_ids() != shown:
            self.refresh()

    def shown_ids(self) -> list[int]:
        """The minima on display: two to compare, else the current one."""
        sel = [i for i in self.selection.ids() if self.snapshot.row_of(i) is not None]
        if len(sel) == 2:
            return sel
        cur = self.selection.current
        if cur is not None and self.snapshot.row_of(cur) is not None:
            return [cur]
        return sel[-1:]

    def refresh(self) -> None:
        ids = self.shown_ids()
        land = self.snapshot
        n_sel = len(self.selection)
        if not ids:
            self.header.setText(
                "Select a minimum in the graph or the table to inspect it; "
                "select two to compare them."
            )
        elif len(ids) == 2:
            r0, r1 = land.row_of(ids[0]), land.row_of(ids[1])
            dist = float(np.linalg.norm(land.weights[r0] - land.weights[r1]))
            self.header.setText(
                f"<b>Comparing minima {ids[0]} and {ids[1]}</b> · "
                f"Δloss {land.values('loss')[r1] - land.values('loss')[r0]:+.4g}"
                f" · distance between canonical weights {dist:.4g}"
            )
        else:
            label = self.selection.label
            more = (
                f" — lowest of {label} ({n_sel} minima)"
                if label and n_sel > 1
                else f" (current of {n_sel} selected; select two to compare)"
                if n_sel > 2
                else ""
            )
            self.header.setText(f"<b>Minimum {ids[0]}</b>{more}")
        layers = [self._layers(i) for i in ids]
        scale = max([max_abs_weight(L) for L in layers] + [0]) or None
        for k, diagram in enumerate(self.diagrams):
            diagram.setVisible(k < len(ids))
            if k < len(ids):
                title = f"minimum {ids[k]}" if len(ids) == 2 else ""
                diagram.set_network(layers[k], title, land.feature_names, land.class_names, scale)
        self._fill_metrics(ids)
        pos, neg = theme.POSITIVE_COLOR.name(), theme.NEGATIVE_COLOR.name()
        self.legend.setText(
            ""
            if not ids or not self.diagrams[0].layers
            else f'<span style="color:{pos}">■ w &gt; 0</span> &nbsp; '
            f'<span style="color:{neg}">■ w &lt; 0</span> &nbsp; line width and '
            f"opacity ∝ |w| (full at {self.diagrams[0].scale:.3g}); node fill: "
            "bias; zero weights (|w| &lt; 1e-10) not drawn"
        )

    def _layers(self, min_id: int) -> list[dict[str, np.ndarray]]:
        w = self.snapshot.weights[self.snapshot.row_of(min_id)]
        return self.model.layers(w) if self.model is not None else []

    def _evaluation(self, min_id: int) -> dict:
        if self.model is None or self.dataset is None or not self.model.is_network:
            return {}
        w = self.snapshot.weights[self.snapshot.row_of(min_id)]
        return evaluate(self.model, w, self.dataset.X_test, self.dataset.y_test)

    def _fill_metrics(self, ids: list[int]) -> None:
        """Metrics as an HTML table: one column per minimum, plus their difference."""
        if not ids:
            self.metrics.setText("")
            return
        land = self.snapshot
        records = [land.record(land.row_of(i)) for i in ids]
        evals = [self._evaluation(i) for i in ids]
        heads = [f"minimum {i}" for i in ids] + (["difference"] if len(ids) == 2 else [])
        cell = '<td align="right" style="padding: 1px 10px;">{}</td>'
        html = [
            '<table cellspacing="0">',
            "<tr><th></th>"
            + "".join(f'<th align="right" style="padding: 1px 10px;">{h}</th>' for h in heads)
            + "</tr>",
        ]
        for name, get, fmt in _METRICS:
            row = [f'<tr><td style="padding: 1px 10px;">{name}</td>']
            if get is None:
                row += [
                    cell.format(f"{r['run_id']} / {r['walker']} / {r['step']}") for r in records
                ]
            else:
                vals = [float(get(r, e)) for r, e in zip(records, evals)]
                row += [cell.format("—" if np.isnan(v) else fmt.format(v)) for v in vals]
                if len(vals) == 2 and not np.isnan(vals[1] - vals[0]):
                    diff = ("{:+.2%}" if "%" in fmt else "{:+.4g}").format(vals[1] - vals[0])
                    row.append(cell.format(diff))
            html.append("".join(row) + "</tr>")
        self.metrics.setText("".join(html) + "</table>")

    def export_widget(self, width: int, height: int) -> QWidget:
        """A fresh inspector showing the same minima, at another size."""
        copy = InspectorView(self.selection)
        copy.set_project(self.project)
        copy.set_snapshot(self.snapshot)
        copy.resize(width, height)
        return copy

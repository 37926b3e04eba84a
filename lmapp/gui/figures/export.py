"""Export: any view to PNG, SVG or PDF at a chosen size and DPI (the widget is painted with
QPainter, so SVG and PDF stay vector), and selected minima to CSV or JSON."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QMarginsF, QPoint, QRect, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QGraphicsView, QHBoxLayout, QLineEdit, QPushButton,
                               QSpinBox, QWidget)

from ...landscape.model import Model
from ..core.snapshots import Landscape

IMAGE_FORMATS = {".png": "PNG image", ".svg": "SVG (vector)", ".pdf": "PDF (vector)"}
DATA_FORMATS = {".csv": "CSV table", ".json": "JSON"}
#: Logical pixels per inch of Qt widgets (output pixels = logical × dpi / 96).
SCREEN_DPI = 96


class Exportable(Protocol):
    """A view that can give a widget to paint at a requested logical size (a fresh copy, or
    itself when it cannot be resized)."""

    def export_widget(self, width: int, height: int) -> QWidget: ...


def show_offscreen(widget: QWidget, width: int, height: int) -> None:
    """Lay a widget out at a size without showing it on screen (offscreen rendering)."""
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(width, height)
    widget.show()
    for _ in range(3):  # layouts and pyqtgraph's deferred range updates
        QApplication.processEvents()


def render_widget(widget: QWidget, path: str | Path, scale: float = 1.0,
                  dpi: int = SCREEN_DPI) -> Path:
    """Paint ``widget`` (at its current size × ``scale``) into a PNG, SVG or PDF file."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {path.suffix!r}; use {', '.join(IMAGE_FORMATS)}")
    w, h = widget.width(), widget.height()
    out = QSize(max(1, round(w * scale)), max(1, round(h * scale)))
    flags = QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground
    if ext == ".png":
        image = QImage(out, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        dots = round(dpi / 0.0254)
        image.setDotsPerMeterX(dots)
        image.setDotsPerMeterY(dots)
        device: Any = image
    elif ext == ".svg":
        device = QSvgGenerator()
        device.setFileName(str(path))
        device.setSize(out)
        device.setViewBox(QRect(0, 0, out.width(), out.height()))
        device.setResolution(dpi)
        device.setTitle(widget.windowTitle() or "lmapp view")
    else:
        device = QPdfWriter(str(path))
        device.setResolution(dpi)
        device.setPageSize(QPageSize(QSizeF(out.width() * 72 / dpi, out.height() * 72 / dpi),
                                     QPageSize.Unit.Point))
        device.setPageMargins(QMarginsF(0, 0, 0, 0))
    painter = QPainter(device)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(scale, scale)
        if isinstance(widget, QGraphicsView):  # paint the scene's items: vector in SVG/PDF
            painter.fillRect(QRectF(0, 0, w, h), widget.backgroundBrush())
            widget.render(painter, QRectF(0, 0, w, h), widget.viewport().rect())
        else:
            QWidget.render(widget, painter, QPoint(), QRegion(), flags)
    finally:
        painter.end()
    if ext == ".png" and not image.save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def render_offscreen(widget: QWidget, path: str | Path, width: int, height: int,
                     dpi: int = SCREEN_DPI) -> Path:
    """Lay out a widget that is not on screen so that it fills ``width`` × ``height`` output
    pixels at ``dpi``, and save it."""
    scale = dpi / SCREEN_DPI
    show_offscreen(widget, max(1, round(width / scale)), max(1, round(height / scale)))
    return render_widget(widget, path, scale, dpi)


def export_view(view: Exportable, path: str | Path, width: int, height: int,
                dpi: int = SCREEN_DPI) -> Path:
    """Save a view as an image of ``width`` × ``height`` output pixels at ``dpi`` (a higher
    DPI draws text and lines larger in the same pixels)."""
    scale = dpi / SCREEN_DPI
    widget = view.export_widget(max(1, round(width / scale)), max(1, round(height / scale)))
    if widget is view:  # cannot be resized: fit its current size into the requested one
        scale = min(width / max(widget.width(), 1), height / max(widget.height(), 1))
        return render_widget(widget, path, scale, dpi)
    try:
        return render_offscreen(widget, path, width, height, dpi)
    finally:
        widget.close()
        widget.deleteLater()


def export_minima(land: Landscape, ids: list[int], path: str | Path,
                  model: Model | None = None) -> int:
    """Write the given minima (all stored values, and weights) to CSV or JSON; returns how many.

    CSV: one row per minimum, its values then ``w0 … w{P-1}``. JSON: ``{"format":
    "lmapp-minima", "version": 1, "minima": [{values…, "weights": [...], "layers": [{"W", "b"}]}]}``.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in DATA_FORMATS:
        raise ValueError(f"unknown data format {path.suffix!r}; use {', '.join(DATA_FORMATS)}")
    rows = land.rows_of(ids)
    keys = list(land.columns)
    if ext == ".csv":
        n_w = land.weights.shape[1] if land.weights.ndim == 2 else 0
        with path.open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(keys + [f"w{k}" for k in range(n_w)])
            for r in rows:
                out.writerow([_plain(land.columns[k][r]) for k in keys]
                             + [repr(float(x)) for x in land.weights[r]])
        return int(rows.size)
    minima = []
    for r in rows:
        item: dict[str, Any] = {k: _plain(land.columns[k][r]) for k in keys}
        item["weights"] = land.weights[r].tolist()
        if model is not None and model.is_network:
            item["layers"] = [{"W": L["W"].tolist(), "b": L["b"].tolist()}
                              for L in model.layers(land.weights[r])]
        minima.append(item)
    doc = {"format": "lmapp-minima", "version": 1,
           "model": None if model is None else model.spec.to_dict(), "minima": minima}
    path.write_text(json.dumps(doc, indent=1))
    return len(minima)


def _plain(v: Any) -> Any:
    """numpy scalar → int/float; NaN → None (JSON) or empty CSV cell."""
    v = v.item() if isinstance(v, np.generic) else v
    return None if isinstance(v, float) and math.isnan(v) else v


class ExportViewDialog(QDialog):
    """Asks which view, file, size and DPI to export."""

    def __init__(self, views: dict[str, Exportable], default_path: str,
                 parent: QWidget | None = None, current: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export view")
        self.setMinimumWidth(560)
        self.views = views
        self.view = QComboBox()
        self.view.addItems(list(views))
        if current in views:
            self.view.setCurrentText(current)
        self.path = QLineEdit(default_path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.width_px = QSpinBox(minimum=100, maximum=20000, value=1600, suffix=" px")
        self.height_px = QSpinBox(minimum=100, maximum=20000, value=1000, suffix=" px")
        self.dpi = QSpinBox(minimum=48, maximum=1200, value=192, suffix=" dpi")
        self.dpi.setToolTip("96 dpi draws text at screen size; 192 doubles text and lines")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("View", self.view)
        form.addRow("File (.png, .svg, .pdf)", row)
        form.addRow("Width", self.width_px)
        form.addRow("Height", self.height_px)
        form.addRow("Resolution", self.dpi)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        filters = ";;".join(f"{d} (*{e})" for e, d in IMAGE_FORMATS.items())
        name, _ = QFileDialog.getSaveFileName(self, "Export view", self.path.text(), filters)
        if name:
            self.path.setText(name)

    def run_export(self) -> Path:
        """Export with the chosen settings."""
        return export_view(self.views[self.view.currentText()], self.path.text(),
                           self.width_px.value(), self.height_px.value(), self.dpi.value())

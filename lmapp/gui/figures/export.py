"""Export: any view as a figure (:mod:`.figure`: PNG at any DPI, or vector SVG/PDF, at a size in
cm or inches, without the view's controls), and selected minima to CSV or JSON."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...landscape.model import Model
from ...store.codec import json_text
from ..core.snapshots import Snapshot
from .figure import paint, save_figure
from .styles import CM_PER_INCH, DPI_RANGE, IMAGE_FORMATS, LAYOUT_DPI, PRESETS, FigureStyle

DATA_FORMATS = {".csv": "CSV table", ".json": "JSON"}


class Exportable(Protocol):
    """A view that gives a widget to draw as a figure: a fresh copy laid out at a requested
    logical size (preferred), or itself / a part of itself when it cannot be copied."""

    def export_widget(self, width: int, height: int) -> QWidget: ...


def export_view(
    view: Exportable, path: str | Path, style: FigureStyle, dpi: int = LAYOUT_DPI
) -> Path:
    """Save a view as a figure of ``style`` (size, fonts) at ``dpi`` (PNG; SVG and PDF are
    vector). A view that cannot be copied is painted as it is on screen, scaled to the
    style's width."""
    width, height = style.logical_size
    widget = view.export_widget(width, height)
    if widget.isVisible():  # on screen (a table, a panel's drawing): paint it as it is
        scale = width / max(widget.width(), 1)
        return paint(widget, path, max(DPI_RANGE[0], min(round(dpi * scale), DPI_RANGE[1])))
    try:
        return save_figure(widget, path, style, dpi)
    finally:
        widget.close()
        widget.deleteLater()


def export_minima(
    land: Snapshot, ids: list[int], path: str | Path, model: Model | None = None
) -> int:
    """Write the given minima (all stored values, and weights) to CSV or JSON; returns how many.

    CSV: one row per minimum, its values then ``w0 … w{P-1}``. JSON: ``{"format":
    "lmapp-minima", "version": 1, "minima": [{values…, "weights": [...],
    "layers": [{"W", "b"}]}]}``.
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
                out.writerow(
                    [_plain(land.columns[k][r]) for k in keys]
                    + [repr(float(x)) for x in land.weights[r]]
                )
        return int(rows.size)
    minima = []
    for r in rows:
        item: dict[str, Any] = {k: _plain(land.columns[k][r]) for k in keys}
        item["weights"] = land.weights[r].tolist()
        if model is not None and model.is_network:
            item["layers"] = [
                {"W": L["W"].tolist(), "b": L["b"].tolist()} for L in model.layers(land.weights[r])
            ]
        minima.append(item)
    doc = {
        "format": "lmapp-minima",
        "version": 1,
        "model": None if model is None else model.spec.to_dict(),
        "minima": minima,
    }
    path.write_text(json_text(doc))
    return len(minima)


def _plain(v: Any) -> Any:
    """numpy scalar → int/float; NaN → None (JSON) or empty CSV cell."""
    v = v.item() if isinstance(v, np.generic) else v
    return None if isinstance(v, float) and math.isnan(v) else v


class ExportViewDialog(QDialog):
    """Asks which view, file, figure size (cm or inches), font size and DPI to export; a
    preset fills in a journal's single- or double-column figure."""

    def __init__(
        self,
        views: dict[str, Exportable],
        default_path: str,
        parent: QWidget | None = None,
        current: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export view")
        self.setMinimumWidth(520)
        self.views = views
        self.view = QComboBox()
        self.view.addItems(list(views))
        if current in views:
            self.view.setCurrentText(current)
        self.path = QLineEdit(default_path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.preset = QComboBox()
        self.preset.addItem("custom", None)
        for name in PRESETS:
            self.preset.addItem(name, name)
        self.preset.setToolTip(
            "publication: 8.6 cm single column, 8 pt text, black axes; "
            "publication-wide: 17.8 cm double column"
        )
        self.unit = QComboBox()
        self.unit.addItems(["cm", "in"])
        self.fig_width = QDoubleSpinBox(minimum=1.0, maximum=150.0, decimals=2, singleStep=0.5)
        self.fig_height = QDoubleSpinBox(minimum=1.0, maximum=150.0, decimals=2, singleStep=0.5)
        self.font_pt = QDoubleSpinBox(
            minimum=4.0, maximum=40.0, decimals=1, value=10.0, suffix=" pt"
        )
        self.dpi = QSpinBox(minimum=DPI_RANGE[0], maximum=DPI_RANGE[1], value=300, suffix=" dpi")
        self.dpi.setToolTip("PNG only: the same picture at any resolution; SVG and PDF are vector")
        self._set_style(PRESETS["screen"])
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.unit.currentTextChanged.connect(self._unit_changed)
        self._unit = "cm"
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        size = QHBoxLayout()
        for w in (self.fig_width, self.fig_height, self.unit):
            size.addWidget(w)
        form = QFormLayout(self)
        form.addRow("View", self.view)
        form.addRow("File (.png, .svg, .pdf)", row)
        form.addRow("Preset", self.preset)
        form.addRow("Size (width × height)", size)
        form.addRow("Font size", self.font_pt)
        form.addRow("Resolution", self.dpi)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _per_inch(self) -> float:
        return CM_PER_INCH if self.unit.currentText() == "cm" else 1.0

    def _set_style(self, style: FigureStyle) -> None:
        k = self._per_inch()
        self.fig_width.setValue(style.width_in * k)
        self.fig_height.setValue(style.height_in * k)
        self.font_pt.setValue(style.font_pt)

    def _preset_chosen(self) -> None:
        name = self.preset.currentData()
        if name is not None:
            self._set_style(PRESETS[name])
            if PRESETS[name].publication and self.path.text().lower().endswith(".png"):
                self.path.setText(self.path.text()[:-4] + ".pdf")  # vector text for papers

    def _unit_changed(self, unit: str) -> None:
        factor = (CM_PER_INCH if unit == "cm" else 1 / CM_PER_INCH) if unit != self._unit else 1.0
        self._unit = unit
        for w in (self.fig_width, self.fig_height):
            w.setValue(w.value() * factor)

    def style(self) -> FigureStyle:
        """The figure style of the current choices (ValueError if out of range)."""
        k = self._per_inch()
        name = self.preset.currentData()
        publication = name is not None and PRESETS[name].publication
        return FigureStyle(
            self.fig_width.value() / k,
            self.fig_height.value() / k,
            self.font_pt.value(),
            publication,
        )

    def _browse(self) -> None:
        filters = ";;".join(f"{d} (*{e})" for e, d in IMAGE_FORMATS.items())
        name, _ = QFileDialog.getSaveFileName(self, "Export view", self.path.text(), filters)
        if name:
            self.path.setText(name)

    def run_export(self) -> Path:
        """Export with the chosen settings."""
        return export_view(
            self.views[self.view.currentText()], self.path.text(), self.style(), self.dpi.value()
        )

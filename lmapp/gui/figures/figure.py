"""Figures for papers: a view drawn without its controls, at a physical size (cm or inches),
with a chosen font size, saved as PNG (at any DPI), SVG or PDF (vector, text as text).

A figure is laid out at 96 logical pixels per inch, so a 8.6 cm wide figure is laid out
325 px wide whatever the output, and painted as SVG (vector) at that size; PDF is painted the
same way, and a PNG is the SVG drawn at dpi/96 times that size, so 96, 192 and 300 dpi give the
same picture, only sharper, with text and lines at the same relative sizes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPoint,
    QRect,
    QRectF,
    QSize,
    QSizeF,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QImage, QPageSize, QPainter, QPalette, QPdfWriter, QRegion
from PySide6.QtSvg import QSvgGenerator, QSvgRenderer
from PySide6.QtWidgets import QApplication, QGraphicsView, QLabel, QLayout, QWidget

from .styles import DPI_RANGE, FONT_RANGE, IMAGE_FORMATS, LAYOUT_DPI, FigureStyle

SVG_NS = "http://www.w3.org/2000/svg"


# -- the figure's content ------------------------------------------------------------------------
def _widgets_of(item: QWidget | QLayout) -> list[QWidget]:
    if isinstance(item, QWidget):
        return [item]
    out = []
    for i in range(item.count()):
        child = item.itemAt(i)
        if child.widget() is not None:
            out.append(child.widget())
        elif child.layout() is not None:
            out += _widgets_of(child.layout())
    return out


def figure_mode(widget: QWidget) -> None:
    """Hide what is not part of the figure: the controls, status lines and hints a view lists
    as its ``figure_chrome`` (see :func:`lmapp.gui.core.layouts.view_column`)."""
    for item in getattr(widget, "figure_chrome", ()):
        for w in _widgets_of(item):
            w.setVisible(False)


def prepare_for_print(widget: QWidget, style: FigureStyle) -> None:
    """Every plot in ``widget`` drawn for a figure: axis ticks and labels, titles, legends and
    text items at the style's font size, symbols drawn as vector paths (pyqtgraph's export
    mode, not its pixmap cache), and in the publication style black axes."""
    small_pt = max(style.font_pt - 1.0, FONT_RANGE[0])
    font, small = QFont(), QFont()
    font.setPointSizeF(style.font_pt)
    small.setPointSizeF(small_pt)
    for label in widget.findChildren(QLabel):  # legends and headers outside the plots
        f = label.font()
        f.setPointSizeF(style.font_pt)
        label.setFont(f)
        label.setWordWrap(True)
    views = widget.findChildren(QGraphicsView)
    if isinstance(widget, QGraphicsView):
        views.append(widget)
    for view in views:
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            if hasattr(item, "setExportMode"):
                item.setExportMode(True, {"antialias": True, "resolutionScale": 1.0})
            if isinstance(item, pg.AxisItem):
                item.setStyle(tickFont=small)
                item.label.setFont(font)
                if style.publication:
                    item.setPen(pg.mkPen("k", width=1))
                    item.setTextPen(pg.mkPen("k"))
            elif isinstance(item, pg.LegendItem):
                for _sample, label in item.items:
                    label.setText(label.text, size=f"{small_pt:g}pt")
                item.updateSize()
            elif isinstance(item, pg.LabelItem):
                item.setText(item.text, size=f"{style.font_pt:g}pt")
            elif isinstance(item, pg.TextItem):
                item.setFont(small)


def settle() -> None:
    """Deliver the events Qt posted for layouts, resizes and pyqtgraph's deferred range
    updates, without running the event loop (no timers or input reach other widgets)."""
    for _ in range(3):  # a delivered event may post the next (layout → resize → range)
        QApplication.sendPostedEvents()


def show_offscreen(widget: QWidget, size: QSize) -> None:
    """Lay a widget out at a size without showing it on screen."""
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(size)
    widget.show()
    settle()


def _paint_on(widget: QWidget, device: Any) -> None:
    """Paint ``widget`` at its logical size onto a paint device of that size."""
    w, h = widget.width(), widget.height()
    painter = QPainter(device)
    if not painter.isActive():
        raise OSError("cannot paint the figure")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(QRectF(0, 0, w, h), QColor("white"))
        if isinstance(widget, QGraphicsView):  # the scene's items: vector in SVG/PDF
            widget.render(painter, QRectF(0, 0, w, h), widget.viewport().rect())
        else:
            flags = QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground
            QWidget.render(widget, painter, QPoint(), QRegion(), flags)
    finally:
        painter.end()


def _svg_bytes(widget: QWidget) -> bytes:
    """The widget as SVG at its logical size (96 dpi), hairlines made to scale with it."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buffer)
    gen.setSize(widget.size())
    gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    gen.setResolution(LAYOUT_DPI)
    gen.setTitle(widget.windowTitle() or "lmapp figure")
    _paint_on(widget, gen)
    return _split_long_paths(bytes(buffer.data()))


#: path commands per <path> element: Qt's SVG reader drops the rest of a path beyond ~32,700
#: commands (a disconnectivity graph of 10⁵ minima draws one path of ~2·10⁵ segments)
MAX_PATH_COMMANDS = 16_384
_COMMAND = re.compile(rb"[MmZzLlHhVvCcSsQqTtAa][^MmZzLlHhVvCcSsQqTtAa]*")  # "e" is in numbers
_POINT = re.compile(rb"(-?[\d.]+(?:e[-+]?\d+)?)[ ,]+(-?[\d.]+(?:e[-+]?\d+)?)\s*$")


def _chunks(d: bytes) -> list[bytes]:
    """Path data cut into pieces of at most MAX_PATH_COMMANDS commands that draw the same: a
    piece starts at a move-to, or (inside an open polyline) with a move-to its last point."""
    commands = _COMMAND.findall(d)
    if len(commands) <= MAX_PATH_COMMANDS or any(
        c[:1] in b"Zz" or c[:1].islower() for c in commands
    ):
        return [d]  # short, or relative/closed paths: left whole
    pieces, current, last = [], [], None
    for c in commands:
        if len(current) >= MAX_PATH_COMMANDS:
            pieces.append(b" ".join(current))
            current = [] if c[:1] == b"M" or last is None else [b"M" + last]
        current.append(c.strip())
        point = _POINT.search(c)
        last = b"%s,%s" % point.groups() if point else last
    pieces.append(b" ".join(current))
    return pieces


def _split_long_paths(svg: bytes) -> bytes:
    """Every <path> of more than MAX_PATH_COMMANDS commands split into several with the same
    attributes, so that Qt (the PNG is drawn from the SVG) and other readers draw all of it."""
    if len(svg) < 4 * MAX_PATH_COMMANDS:  # too short to hold a long path
        return svg
    out, pos = [], 0
    for m in re.finditer(rb'<path\b([^>]*?)\bd="([^"]*)"([^>]*)/>', svg):
        pieces = _chunks(m.group(2))
        if len(pieces) > 1:
            out.append(svg[pos : m.start()])
            out.extend(b'<path%sd="%s"%s/>' % (m.group(1), piece, m.group(3)) for piece in pieces)
            pos = m.end()
    out.append(svg[pos:])
    return b"".join(out)


def _scale_hairlines(svg: bytes, scale: float) -> bytes:
    """Qt's hairline pens are written as ``non-scaling-stroke`` (drawn in device pixels): widen
    them by ``scale``, so that drawn ``scale`` times larger they keep their width relative to
    the figure. (Their stroke width sits on the enclosing group.)"""
    if scale == 1.0:
        return svg
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    parent = {child: node for node in root.iter() for child in node}
    widened = set()
    for node in root.iter():
        if node.get("vector-effect") != "non-scaling-stroke":
            continue
        holder = node
        while holder is not None and "stroke-width" not in holder.attrib:
            holder = parent.get(holder)
        if holder is not None and id(holder) not in widened:
            widened.add(id(holder))
            holder.set("stroke-width", f"{float(holder.get('stroke-width')) * scale:g}")
    return ET.tostring(root)


def paint(widget: QWidget, path: str | Path, dpi: int = LAYOUT_DPI) -> Path:
    """Save ``widget`` at its current (logical, 96-dpi) size: SVG or PDF (vector; physical size
    = logical size / 96 in), or PNG of (dpi / 96) × the logical size.

    A PNG is drawn from the SVG, so it shows exactly what the vector files show at every
    resolution, line widths included (painted directly, Qt's hairlines stay one pixel wide)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {path.suffix!r}; use {', '.join(IMAGE_FORMATS)}")
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise ValueError(f"resolution must be {DPI_RANGE[0]} to {DPI_RANGE[1]} dpi, got {dpi}")
    w, h = widget.width(), widget.height()
    if ext == ".pdf":
        try:  # the PDF writer fails silently (and Qt prints a warning): try the file first
            with open(path, "wb"):
                pass
        except OSError as exc:
            raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None
        pdf = QPdfWriter(str(path))
        pdf.setResolution(LAYOUT_DPI)
        pdf.setPageSize(
            QPageSize(QSizeF(w * 72 / LAYOUT_DPI, h * 72 / LAYOUT_DPI), QPageSize.Unit.Point)
        )
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0))
        _paint_on(widget, pdf)
        del pdf  # finishes the file
        if not path.is_file() or path.stat().st_size == 0:
            raise OSError(f"cannot write {path}")
        return path
    svg = _svg_bytes(widget)
    if ext == ".svg":
        try:
            path.write_bytes(svg)
        except OSError as exc:
            raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path
    scale = dpi / LAYOUT_DPI
    image = QImage(
        QSize(max(1, round(w * scale)), max(1, round(h * scale))), QImage.Format.Format_ARGB32
    )
    image.fill(QColor("white"))
    dpm = round(dpi / 0.0254)
    image.setDotsPerMeterX(dpm)  # the PNG says its resolution: its physical size is right
    image.setDotsPerMeterY(dpm)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        QSvgRenderer(QByteArray(_scale_hairlines(svg, scale))).render(
            painter, QRectF(0, 0, image.width(), image.height())
        )
    finally:
        painter.end()
    if not image.save(str(path)):
        why = "is a folder" if path.is_dir() else "no permission or no such folder"
        raise OSError(f"cannot write {path} ({why})")
    return path


def save_figure(
    widget: QWidget, path: str | Path, style: FigureStyle, dpi: int = LAYOUT_DPI
) -> Path:
    """Lay ``widget`` (a fresh copy of a view, not on screen) out as a figure of ``style`` and
    save it."""
    figure_mode(widget)
    palette = widget.palette()  # a white page, not the window colour, around the plots
    palette.setColor(QPalette.ColorRole.Window, QColor("white"))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)
    show_offscreen(widget, QSize(*style.logical_size))
    prepare_for_print(widget, style)
    if widget.layout() is not None:  # the new fonts take other room
        widget.layout().invalidate()
        widget.layout().activate()
    settle()
    return paint(widget, path, dpi)

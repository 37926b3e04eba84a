"""Plot pieces every view shares: a view box whose clicks and Shift-drags pick, a log axis that
labels decades only, and a white picking plot built from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal

#: Pick tolerance for peaks and points, in screen pixels.
PICK_PIXELS = 8


class PickingViewBox(pg.ViewBox):
    """ViewBox whose left clicks and Shift-drags pick instead of pan (plain drags still pan)."""

    pointClicked = Signal(object, object)  #: view QPointF, keyboard modifiers
    rectPicked = Signal(object, object)  #: view QRectF, keyboard modifiers

    def mouseClickEvent(self, ev: object) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.pointClicked.emit(self.mapToView(ev.pos()), ev.modifiers())
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev: object, axis: int | None = None) -> None:
        if (
            axis is None
            and ev.button() == Qt.MouseButton.LeftButton
            and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            ev.accept()
            if ev.isFinish():
                self.rbScaleBox.hide()
                rect = QRectF(ev.buttonDownPos(ev.button()), ev.pos())
                self.rectPicked.emit(
                    self.childGroup.mapRectFromParent(rect).normalized(), ev.modifiers()
                )
            else:
                self.updateScaleBox(ev.buttonDownPos(), ev.pos())
            return
        super().mouseDragEvent(ev, axis)


def on_scene_click(plot: pg.PlotWidget, vb: pg.ViewBox, handler: Callable) -> None:
    """Call ``handler(view point, modifiers)`` for every left click inside ``vb``, even where
    an item (scatter points, legend, cursor line) takes the click itself."""

    def clicked(ev: Any) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and vb.sceneBoundingRect().contains(
            ev.scenePos()
        ):
            handler(vb.mapSceneToView(ev.scenePos()), ev.modifiers())

    plot.scene().sigMouseClicked.connect(clicked)


class LogAxis(pg.AxisItem):
    """Log-scale axis that labels decades only (plus 2 and 5 when less than about a decade
    is shown): pyqtgraph's default labels every minor tick, which overlap."""

    def logTickStrings(self, values: list, scale: float, spacing: float) -> list[str]:
        lo, hi = self.range
        span = abs(hi - lo)
        out = []
        for v in values:
            mant = 10 ** (v - np.floor(v))
            x = 10.0**v
            if (
                abs(mant - 1) < 1e-6
                or abs(mant - 10) < 1e-6
                or (span < 1.3 and (abs(mant - 2) < 1e-6 or abs(mant - 5) < 1e-6))
            ):
                out.append(_nice(x))
            else:
                out.append("")
        return out


def _nice(x: float) -> str:
    return f"{x:g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


def picking_plot(
    xlabel: str, ylabel: str, log_x: bool = False
) -> tuple[pg.PlotWidget, PickingViewBox]:
    """A white plot whose left clicks report view points (plain drags pan, wheel zooms)."""
    vb = PickingViewBox()
    axes = {"bottom": LogAxis("bottom")} if log_x else None
    plot = pg.PlotWidget(background="w", viewBox=vb, axisItems=axes)
    pi = plot.getPlotItem()
    pi.setLabel("bottom", xlabel)
    pi.setLabel("left", ylabel)
    pi.hideButtons()
    pi.setMenuEnabled(False)
    for ax in ("bottom", "left"):
        pi.getAxis(ax).enableAutoSIPrefix(False)
    pi.getAxis("left").setWidth(60)
    pi.showGrid(x=True, y=True, alpha=0.15)
    return plot, vb

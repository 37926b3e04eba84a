"""Shared helpers of the GUI tests: synthetic snapshots, shown widgets and real mouse clicks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QWidget

from lmapp.gui.core.snapshots import VALUE_LABELS, Snapshot


def synthetic(energies, ts=(), n_params=6) -> Snapshot:
    e = np.asarray(energies, float)
    n = e.size
    cols = {k: np.zeros(n) for k in VALUE_LABELS}
    cols.update(
        id=np.arange(1, n + 1) * 10,
        loss=e,
        lpphe=-np.arange(n) * 3.0,
        n_zero_modes=np.zeros(n, np.int64),
        hessian_index=np.zeros(n, np.int64),
    )
    ts = np.asarray(ts, float).reshape(-1, 3)
    return Snapshot(
        cols,
        np.random.default_rng(0).normal(size=(n, n_params)),
        ts[:, 0],
        ts[:, 1].astype(np.int64),
        ts[:, 2].astype(np.int64),
    )


def shown(qtbot, view: QWidget, size=(800, 500)) -> QWidget:
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def click(qtbot, plot, point: QPointF, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real mouse click on the viewport pixel of a view point of a plot widget."""
    QApplication.processEvents()
    pos = plot.mapFromScene(plot.getPlotItem().getViewBox().mapViewToScene(point))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifier, pos)
    QApplication.processEvents()


def plot_items(plot, kind: type) -> list:
    """The items of a kind a plot widget shows: those added to its plot and those in its
    layout (a colour bar)."""
    pi = plot.getPlotItem()
    in_layout = [pi.layout.itemAt(k) for k in range(pi.layout.count())]
    return [item for item in [*pi.items, *in_layout] if isinstance(item, kind)]


def the(items: list):
    """The one item of a list (an assertion error if there are none or more)."""
    assert len(items) == 1, items
    return items[0]

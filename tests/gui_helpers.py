"""Shared helpers of the GUI tests: synthetic snapshots, shown widgets and real mouse clicks."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QWidget

from lmapp.gui.core.snapshots import VALUE_LABELS, Landscape


def synthetic(energies, ts=(), n_params=6) -> Landscape:
    e = np.asarray(energies, float)
    n = e.size
    cols = {k: np.zeros(n) for k in VALUE_LABELS}
    cols.update(id=np.arange(1, n + 1) * 10, loss=e, lpphe=-np.arange(n) * 3.0,
                n_zero_modes=np.zeros(n, np.int64), hessian_index=np.zeros(n, np.int64))
    ts = np.asarray(ts, float).reshape(-1, 3)
    return Landscape(cols, np.random.default_rng(0).normal(size=(n, n_params)), ts[:, 0],
                     ts[:, 1].astype(np.int64), ts[:, 2].astype(np.int64))


def shown(qtbot, view: QWidget, size=(800, 500)) -> QWidget:
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def click(qtbot, plot, vb, point: QPointF, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real mouse click on the viewport pixel of a view point."""
    QApplication.processEvents()
    pos = plot.mapFromScene(vb.mapViewToScene(point))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifier, pos)
    QApplication.processEvents()

"""The window as a researcher meets it: it fits a 1366×768 laptop, every view can be reopened,
figures are figures (no controls, the same picture at any DPI), and the small things of a
desktop app (opening a file from the command line, version, asking before losing work)."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
)

import lmapp
from lmapp.api import Project
from lmapp.cli import main as cli_main
from lmapp.gui.core.project_files import copy_project
from lmapp.gui.figures.export import export_view
from lmapp.gui.figures.figure import figure_mode
from lmapp.gui.figures.styles import PRESETS, FigureStyle, parse_size
from lmapp.gui.window.docks import DOCKS
from lmapp.gui.window.main_window import MainWindow
from tests.gui_helpers import plot_items
from tests.test_gui import settle


@pytest.fixture
def window(qtbot, monkeypatch, demo_path, tmp_path):
    monkeypatch.setattr(MainWindow, "confirm_stop_jobs", lambda self: True)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_project(copy_project(demo_path, tmp_path / "demo.lmapp"))
    settle(w, qtbot)
    yield w
    w.close()


def test_the_window_fits_a_1366x768_laptop_with_every_dock_shown(window):
    for dock in window.docks.docks.values():
        dock.show()
    QApplication.processEvents()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768, hint
    window.resize(1366, 768)
    QApplication.processEvents()
    assert window.width() <= 1366 and window.height() <= 768


def test_every_dock_is_listed_in_the_view_menu_and_comes_back_after_closing(window):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    listed = {a.text() for a in view_menu.actions()}
    assert {spec.title for spec in DOCKS} <= listed
    for spec in DOCKS:
        dock = window.docks[spec.key]
        dock.close()
        QApplication.processEvents()
        assert not dock.isVisible()
        action = next(a for a in view_menu.actions() if a.text() == spec.title)
        action.trigger()
        QApplication.processEvents()
        assert dock.isVisible(), spec.title


def test_entropy_and_frustration_plots_show_their_data(window, qtbot):
    window.docks["cv"].raise_()
    cv = window.docks.view("cv")
    qtbot.waitUntil(cv.isVisible, timeout=5000)
    assert cv.wait_ready()
    for key in ("S", "F", "cv"):
        cv.curve.setCurrentIndex(cv.curve.findData(key))
        QApplication.processEvents()
        (y0, y1) = cv.plot.getPlotItem().getViewBox().viewRange()[1]
        shown = [
            item.yData
            for item in plot_items(cv.plot, pg.PlotDataItem)
            if item.isVisible() and item.yData is not None and len(item.yData)
        ]
        assert shown, key
        lo = min(np.nanmin(y) for y in shown)
        hi = max(np.nanmax(y) for y in shown)
        assert y0 <= lo and hi <= y1, key  # every point of the curves on screen
        assert (hi - lo) >= 0.5 * (y1 - y0), f"{key}: the curves fill little of the axis"


def _gray(path, size=(240, 160)) -> np.ndarray:
    img = (
        QImage(str(path))
        .convertToFormat(QImage.Format.Format_Grayscale8)
        .scaled(
            *size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    )
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    return a.reshape(img.height(), img.bytesPerLine())[:, : img.width()].astype(float)


@pytest.mark.parametrize("key", ["graph", "cv", "heatmap", "network"])
def test_a_figure_is_the_same_picture_at_96_and_300_dpi(window, qtbot, tmp_path, key):
    window.docks[key].raise_()
    view = window.docks.view(key)
    style = FigureStyle(5.0, 3.5, 9.0)
    low = export_view(view, tmp_path / f"{key}96.png", style, 96)
    high = export_view(view, tmp_path / f"{key}300.png", style, 300)
    assert QImage(str(low)).width() == 480 and QImage(str(high)).width() == 1500
    a, b = _gray(low), _gray(high)
    ink_a, ink_b = (255 - a).sum(), (255 - b).sum()
    assert ink_a > 0.02 * 255 * a.size  # there is a picture
    assert abs(ink_a / ink_b - 1) < 0.05  # text and lines at the same relative size
    assert np.abs(a - b).mean() < 4.0 and np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.97
    svg = export_view(view, tmp_path / f"{key}.svg", style, 96)
    assert "<svg" in svg.read_text()[:2000]
    pdf = export_view(view, tmp_path / f"{key}.pdf", style, 96)
    assert pdf.read_bytes().startswith(b"%PDF")


CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox)


@pytest.mark.parametrize(
    "key", ["graph", "cv", "heatmap", "scatter", "network", "decision", "inspector"]
)
def test_exported_figures_contain_no_controls(window, key):
    window.docks[key].raise_()
    QApplication.processEvents()
    view = window.docks.view(key)
    width, height = FigureStyle().logical_size
    copy = view.export_widget(width, height)
    assert copy is not view and not copy.isVisible()
    figure_mode(copy)
    copy.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    copy.resize(width, height)
    copy.show()
    QApplication.processEvents()
    shown = [w for kind in CONTROLS for w in copy.findChildren(kind) if w.isVisibleTo(copy)]
    assert shown == [], [type(w).__name__ for w in shown]
    copy.close()


def test_figure_sizes_and_presets():
    assert parse_size("8.6x6cm") == pytest.approx((8.6 / 2.54, 6 / 2.54))
    assert parse_size("4x3in") == (4.0, 3.0) and parse_size("960x480px") == (10.0, 5.0)
    with pytest.raises(ValueError, match=r"8\.6x6cm"):
        parse_size("big")
    with pytest.raises(ValueError, match="inches"):
        FigureStyle(1000.0, 3.0)
    assert PRESETS["publication"].width_in * 2.54 == pytest.approx(8.6)
    assert FigureStyle.from_pixels(1200, 800, 300).logical_size == (384, 256)


def test_lmapp_with_a_project_file_opens_it(monkeypatch, demo_path, tmp_path):
    import lmapp.gui.app as app

    opened = []
    monkeypatch.setattr(app, "main", lambda argv=None: opened.append(argv) or 0)
    path = copy_project(demo_path, tmp_path / "mine.lmapp")
    assert cli_main([str(path)]) == 0 and opened == [[str(path)]]
    assert cli_main([str(tmp_path / "missing.lmapp")]) == 2


def test_version_everywhere(capsys, window, monkeypatch, tmp_path):
    with pytest.raises(SystemExit):
        cli_main(["--version"])
    assert capsys.readouterr().out.strip() == f"lmapp {lmapp.__version__}"
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.about()
    assert lmapp.__version__ in shown[0]
    # a project file records the version that wrote it (the demo's: the one that made it)
    assert re.fullmatch(r"\d+\.\d+\.\d+", window.project.file.meta()["lmapp_version"])
    with Project.create(tmp_path / "new.lmapp", "xor", {"hidden": [2]}) as new:
        assert new.file.meta()["lmapp_version"] == lmapp.__version__


def test_quitting_with_an_unsaved_ensemble_asks_first(window, monkeypatch):
    from lmapp.gui.panels.mlsup_panel import EnsembleRecord

    panel = window.docks.view("mlsup")
    panel.records.append(EnsembleRecord("ens1", None, {}, {}, saved=False))
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No
    )
    assert not window.close() and window.isVisible()
    assert "ens1" in asked[0] and "not saved" in asked[0]
    assert not window.open_project(window.project.path)  # switching projects asks too
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.close()


def test_a_path_too_long_for_qt_is_split_and_drawn_whole(qapp):
    """Qt's SVG reader drops a path's commands beyond ~32,700 (a graph of 10⁵ minima draws
    ~2·10⁵ segments in one path): split, every segment is drawn, up to the last."""
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from lmapp.gui.figures.figure import MAX_PATH_COMMANDS, _split_long_paths

    n = 3 * MAX_PATH_COMMANDS  # vertical segments, left to right, then a polyline back
    d = " ".join(f"M{x / 100:g},{1e-5 * (x % 3):g} L{x / 100:g},50" for x in range(n // 2))
    d += " M0,60 " + " ".join(f"L{x / 100:g},{60 + (x % 2)}" for x in range(n))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{n // 200}" height="70">'
        f'<path vector-effect="non-scaling-stroke" fill="none" stroke="#000000" d="{d}"/></svg>'
    ).encode()

    def drawn(data: bytes) -> QImage:
        image = QImage(n // 200, 70, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        QSvgRenderer(QByteArray(data)).render(painter, QRectF(0, 0, image.width(), image.height()))
        painter.end()
        return image

    split = _split_long_paths(svg)
    pieces = -(-(2 * n + 1) // MAX_PATH_COMMANDS)  # 2n + 1 commands
    assert split.count(b"<path") == pieces and split.count(b"non-scaling-stroke") == pieces
    whole, cut = drawn(split), drawn(svg)
    right = n // 200 - 2  # the last vertical segments and the end of the polyline
    assert QColor(whole.pixel(right, 25)).lightness() < 128
    assert QColor(whole.pixel(right, 60)).lightness() < 128
    assert QColor(cut.pixel(right, 25)).lightness() > 200  # what Qt drew without the split


def _stale_run(path, owner: dict) -> None:
    """A run recorded as running by ``owner`` (as a killed writer leaves it)."""
    import json
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO runs (kind, params, seed, status, started_at, stats) "
            "VALUES ('explore', ?, 0, 'running', 0, '{}')",
            (json.dumps({"owner": owner}),),
        )
    conn.close()


def test_unlock_in_the_exploration_menu_frees_a_killed_writers_project(window, monkeypatch):
    from lmapp.store.owner import Owner

    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "E&xploration")
    assert window.unlock_action in run_menu.actions() and window.unlock_action.isEnabled()
    path = window.project.path
    _stale_run(path, {**Owner.current().to_dict(), "pid": 2**22 + 17, "started": "1"})  # gone
    window.unlock_action.trigger()
    assert window.project.file.runs()[-1]["status"] == "failed"
    assert "1 interrupted run marked failed" in window.statusBar().currentMessage()
    # a writer on another host: asked first; "No" leaves it, "Yes" frees it
    _stale_run(path, {"host": "node-7", "pid": 4242, "boot_id": "x", "started": "9"})
    asked = []
    monkeypatch.setattr(
        MainWindow, "confirm_force_unlock", lambda self, why: asked.append(why) or False
    )
    window.unlock_action.trigger()
    assert "node-7" in asked[0] and window.project.file.runs()[-1]["status"] == "running"
    monkeypatch.setattr(MainWindow, "confirm_force_unlock", lambda self, why: True)
    window.unlock_action.trigger()
    assert window.project.file.runs()[-1]["status"] == "failed"
    window.unlock_action.trigger()
    assert "not locked" in window.statusBar().currentMessage()
    # a writer that lives (this test's parent process, as it started): refused in a dialog
    import os

    from lmapp.store.owner import _start_time

    _stale_run(
        path,
        {**Owner.current().to_dict(), "pid": os.getppid(), "started": _start_time(os.getppid())},
    )
    shown = []
    monkeypatch.setattr(
        MainWindow, "show_error", lambda self, title, text, details="": shown.append(text)
    )
    window.unlock_action.trigger()
    assert shown and f"process {os.getppid()}" in shown[0]
    assert window.project.file.runs()[-1]["status"] == "running"

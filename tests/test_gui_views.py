"""GUI views on their own: the disconnectivity graph with and without transition states,
picking (click, Ctrl-click, branch, rubber band), the minima table's filters and selection
sync, the inspector, and minima export."""

from __future__ import annotations

import csv
import json
import sys

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from lmapp.api import Project
from lmapp.gui.core.project_files import copy_project
from lmapp.gui.core.selection import SelectionModel
from lmapp.gui.core.snapshots import VALUE_LABELS, Snapshot, read_snapshot
from lmapp.gui.figures.export import export_minima
from lmapp.gui.views.dgraph_view import DGraphView, GraphSettings, layout_graph
from lmapp.gui.views.inspector import InspectorView
from lmapp.gui.views.minima_table import MinimaTable
from tests.gui_helpers import plot_items, the


def synthetic(energies, ts=()) -> Snapshot:
    """A snapshot without a project: ids 10, 20, … (so rows and ids differ)."""
    e = np.asarray(energies, float)
    n = e.size
    cols = {k: np.zeros(n) for k in VALUE_LABELS}
    cols.update(
        id=np.arange(1, n + 1) * 10,
        loss=e,
        train_accuracy=np.linspace(0.5, 1, n),
        test_accuracy=np.linspace(0.4, 0.9, n),
        lpphe=-e * 10,
        sparsity=np.arange(n) % 3,
        hessian_index=np.zeros(n, np.int64),
    )
    ts = np.asarray(ts, float).reshape(-1, 3)
    return Snapshot(
        cols, np.zeros((n, 4)), ts[:, 0], ts[:, 1].astype(np.int64), ts[:, 2].astype(np.int64)
    )


TREE = synthetic([0.0, 0.1, 0.2, 0.5, 0.45], [(0.3, 0, 1), (0.4, 1, 2), (0.6, 2, 3)])


@pytest.fixture
def graph(qtbot):
    selection = SelectionModel()
    view = DGraphView(selection)
    view.connected.setChecked(False)  # TREE's minimum 50 is not connected: draw it too
    qtbot.addWidget(view)
    view.resize(700, 450)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_minima_not_connected_are_hidden_by_default_with_a_count(qtbot):
    view = DGraphView(SelectionModel())
    qtbot.addWidget(view)
    view.resize(700, 450)
    view.show()
    assert view.connected.isChecked()
    show(view, TREE)
    dg = view.plot.graph
    assert dg.leaf_order.size == 4 and dg.unconnected.tolist() == [4]
    assert "1 not connected</b> to the global minimum, hidden" in view.info.text()
    view.info.linkActivated.emit("show")  # the link in the status line
    assert view.wait_layout()
    assert not view.connected.isChecked() and view.plot.graph.leaf_order.size == 5
    assert "hide" in view.info.text()
    no_ts = synthetic([0.0, 0.1, 0.2])  # before any connect run, every minimum is drawn
    view.connected.setChecked(True)
    show(view, no_ts)
    assert view.plot.graph.leaf_order.size == 3 and "not connected" not in view.info.text()


def show(view: DGraphView, land: Snapshot) -> None:
    view.set_snapshot(land)
    assert view.wait_layout()
    QApplication.processEvents()


def view_pos(view: DGraphView, point: QPointF):
    """Viewport pixel of a point in graph coordinates."""
    plot = view.plot
    return plot.mapFromScene(plot.getPlotItem().getViewBox().mapViewToScene(point))


def test_no_transition_states_draws_every_minimum_side_by_side(graph):
    land = synthetic([0.3, 0.1, 0.2, 0.25])
    show(graph, land)
    dg = graph.plot.graph
    assert sorted(dg.leaf_x.tolist()) == [0, 1, 2, 3]
    assert np.all(dg.segments[:, 0] == dg.segments[:, 2])  # vertical lines only
    tops = dg.segments[:, [1, 3]].max(axis=1)
    assert np.allclose(tops, tops[0]) and tops[0] > 0.3  # even the highest leaf has a length
    assert "no transition states" in graph.info.text()


def test_empty_landscape_and_bad_settings_do_not_fail(graph):
    show(graph, synthetic([]))
    assert graph.plot.graph.segments.shape == (0, 4)
    graph.top.setText("abc")
    graph.top.editingFinished.emit()
    assert "not a number" in graph.info.text()


def test_click_leaf_selects_and_ctrl_click_adds(graph, qtbot):
    show(graph, TREE)
    plot = graph.plot
    for row, mod in ((2, Qt.KeyboardModifier.NoModifier), (0, Qt.KeyboardModifier.ControlModifier)):
        qtbot.mouseClick(
            plot.viewport(), Qt.MouseButton.LeftButton, mod, view_pos(graph, plot.leaf_point(row))
        )
    assert graph.selection.ids() == [30, 10]
    assert graph.selection.current == 10
    qtbot.mouseClick(
        plot.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        view_pos(graph, plot.leaf_point(2)),
    )
    assert graph.selection.ids() == [10]
    # the highlight covers exactly the selected leaf, marked at its bottom
    assert len(the(plot_items(plot, pg.ScatterPlotItem)).data) == 1


def test_branch_click_selects_its_superbasin_with_label(graph, qtbot):
    show(graph, TREE)
    dg = graph.plot.graph
    node = next(
        k
        for k in range(dg.node_x.size)
        if dg.node_minimum[k] < 0 and sorted(dg.members(k).tolist()) == [0, 1]
    )
    seg = dg.segments[dg.segment_node == node][0]  # its vertical line
    point = QPointF(seg[0], (seg[1] + seg[3]) / 2)
    qtbot.mouseClick(graph.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos(graph, point))
    assert sorted(graph.selection.ids()) == [10, 20]
    assert graph.selection.label == f"superbasin {dg.label(node)}"
    assert the(plot_items(graph.plot, pg.TextItem)).toPlainText() == graph.selection.label
    assert graph.selection.current == 10  # the basin's lowest minimum is inspected
    # a click on empty space clears the selection
    qtbot.mouseClick(
        graph.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos(graph, QPointF(3.5, 0.01))
    )
    assert graph.selection.ids() == []


def test_hover_describes_a_leaf(graph, qtbot):
    show(graph, TREE)
    plot = graph.plot
    scene = plot.getPlotItem().getViewBox().mapViewToScene(plot.leaf_point(1))
    plot.scene().sigMouseMoved.emit(scene)
    assert "minimum 20" in graph.info.text() and "loss" in graph.info.text()


def test_shift_drag_selects_leaves_in_the_box(graph, qtbot):
    show(graph, TREE)
    (x0, _), (y0, _) = graph.plot.getPlotItem().getViewBox().viewRange()
    x1, y1 = 2.5, 0.25  # leaves left of x = 2.5 whose minima lie below 0.25
    vp = graph.plot.viewport()
    start, end = view_pos(graph, QPointF(x0 + 0.01, y0)), view_pos(graph, QPointF(x1, y1))
    shift, left = Qt.KeyboardModifier.ShiftModifier, Qt.MouseButton.LeftButton
    qtbot.mousePress(vp, left, shift, start)
    for t in np.linspace(0, 1, 6)[1:]:  # QTest's mouseMove carries no buttons: send moves
        p = QPointF(start + (end - start) * t)
        QApplication.sendEvent(
            vp,
            QMouseEvent(
                QEvent.Type.MouseMove, p, vp.mapToGlobal(p), Qt.MouseButton.NoButton, left, shift
            ),
        )
    qtbot.mouseRelease(vp, left, shift, end)
    x, e = graph.plot.graph.leaf_x, TREE.values("loss")
    expected = {int(TREE.ids[r]) for r in range(TREE.n_minima) if x[r] <= x1 and e[r] <= y1}
    assert len(expected) >= 2
    assert set(graph.selection.ids()) == expected


def test_colour_by_value_shows_colour_bar(graph):
    show(graph, TREE)
    bar = the(plot_items(graph.plot, pg.ColorBarItem))
    assert not bar.isVisible()
    graph.color.setCurrentIndex(graph.color.findData("train_accuracy"))
    assert graph.wait_layout()
    assert bar.isVisible()
    assert graph.plot.graph.segment_value is not None
    assert bar.levels() == pytest.approx((0.5, 1.0))


def test_level_controls_change_the_layout():
    many = layout_graph(TREE, GraphSettings(n_levels=50))
    few = layout_graph(TREE, GraphSettings(n_levels=3, order="energy"))
    assert many.levels.size == 50 and few.levels.size == 3
    assert layout_graph(TREE, GraphSettings(top=0.35)).leaf_order.size == 3  # energy window
    with pytest.raises(ValueError, match="top"):
        layout_graph(TREE, GraphSettings(top=-1.0))


def test_table_filters_sorts_and_syncs_selection(qtbot):
    selection = SelectionModel()
    table = MinimaTable(selection)
    qtbot.addWidget(table)
    table.show()
    table.set_snapshot(TREE)
    assert table.visible_ids() == [10, 20, 30, 50, 40]  # sorted by loss
    flags = QItemSelectionModel.SelectionFlag
    table.view.selectionModel().select(
        table.proxy.index(1, 0), flags.ClearAndSelect | flags.Rows
    )  # as a click does
    assert selection.ids() == [20]
    selection.set([40, 10])
    rows = sorted(i.row() for i in table.view.selectionModel().selectedRows())
    assert [table.visible_ids()[r] for r in rows] == [10, 40]
    table.loss_max.setText("0.3")
    table.loss_max.editingFinished.emit()
    assert table.visible_ids() == [10, 20, 30]
    assert selection.ids() == [40, 10]  # filtering never changes the shared selection
    table.sparsity_min.setValue(1)
    assert table.visible_ids() == [20, 30]
    table.loss_min.setText("x")
    table.loss_min.editingFinished.emit()
    assert "not a number" in table.message.text()
    table.clear_filters()
    assert len(table.visible_ids()) == 5


def test_table_appends_new_minima_without_reset(qtbot):
    table = MinimaTable(SelectionModel())
    qtbot.addWidget(table)
    table.set_snapshot(synthetic([0.2, 0.1]))
    with qtbot.waitSignal(table.model.rowsInserted, timeout=1000):
        table.set_snapshot(synthetic([0.2, 0.1, 0.05]))
    assert table.visible_ids()[0] == 30


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_path):
    path = copy_project(demo_path, tmp_path_factory.mktemp("demo") / "demo.lmapp")
    project = Project.open(path)
    yield project, read_snapshot(project.file, project.model, project.dataset)
    project.close()


def test_inspector_shows_one_and_compares_two(qtbot, demo):
    project, land = demo
    selection = SelectionModel()
    view = InspectorView(selection)
    qtbot.addWidget(view)
    view.set_project(project)
    view.set_snapshot(land)
    a, b = (int(i) for i in land.ids[:2])
    selection.set([a])
    assert view.shown_ids() == [a] and f"Minimum {a}" in view.header.text()
    assert view.diagrams[0].layers and not view.diagrams[1].isVisibleTo(view)
    assert "train accuracy" in view.metrics.text()
    selection.set([a, b])
    assert view.shown_ids() == [a, b]
    assert "Comparing" in view.header.text() and "difference" in view.metrics.text()
    assert view.diagrams[1].isVisibleTo(view)
    assert view.diagrams[0].scale == view.diagrams[1].scale  # widths comparable


def test_export_selected_minima_csv_and_json(tmp_path, demo):
    project, land = demo
    ids = [int(i) for i in land.ids[:3]]
    assert export_minima(land, ids, tmp_path / "m.csv", project.model) == 3
    rows = list(csv.DictReader((tmp_path / "m.csv").open()))
    assert [int(r["id"]) for r in rows] == ids and "w0" in rows[0]
    assert export_minima(land, ids, tmp_path / "m.json", project.model) == 3
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "lmapp-minima" and len(doc["minima"][0]["layers"]) == 2
    with pytest.raises(ValueError, match=r"unknown data format '\.txt'"):
        export_minima(land, ids, tmp_path / "m.txt")


def test_pyside_calls_do_not_leak_references_to_none_or_true(qapp):
    """PySide6 6.12.0 on Python < 3.12 dropped a reference to None per void call and to True
    per emit, aborting the interpreter (hence the <6.12 pin): the counts must hold steady."""
    selection = SelectionModel()
    before_none, before_true = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(3000):
        selection.set([i])  # one emit each
        QApplication.processEvents()  # a void call
    assert sys.getrefcount(None) > before_none - 100
    assert sys.getrefcount(True) > before_true - 100


def test_landscape_has_auc_and_msb_columns_for_colouring(tmp_path):
    """Colour-by values: AUC as sklearn computes it, MSB as the landscape module does."""
    from sklearn.metrics import roc_auc_score

    from lmapp.api import Project
    from lmapp.gui.core.snapshots import read_snapshot
    from lmapp.gui.views.dgraph_view import COLOR_CHOICES
    from lmapp.landscape.model import ModelSpec
    from lmapp.landscape.msb import monotonic_sequence_basins

    with Project.create(tmp_path / "c.lmapp", "xor", ModelSpec(hidden=(3,), lam=1e-2)) as p:
        p.explore(steps=60, walkers=1, seed=1)
        p.connect(mode="all", budget=3, workers=1)
        land = read_snapshot(p.file, p.model, p.dataset)
        a = p.landscape_arrays()
        for r, w in enumerate(land.weights):
            P = p.model.predict_proba(w, p.dataset.X_test)
            assert land.values("test_auc")[r] == pytest.approx(
                roc_auc_score(p.dataset.y_test, P[:, 1])
            )
        assert np.array_equal(
            land.values("msb"), monotonic_sequence_basins(a["energies"], a["ts_min1"], a["ts_min2"])
        )
    assert {"test_auc", "train_auc", "msb"} <= set(COLOR_CHOICES)

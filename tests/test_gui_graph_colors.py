"""The disconnectivity graph's computed colourings: C_V contribution g_α at a temperature
(blue gaining, red losing occupation) and misclassification distance to the selected minimum,
linked to the heat-capacity view, the heatmap's settings and the shared selection."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from lmapp.api import Project
from lmapp.gui.core.selection import SelectionModel
from lmapp.gui.core.snapshots import read_snapshot
from lmapp.gui.views.cv_view import DEFAULT_POINTS, CvView, compute_cv, default_temperatures
from lmapp.gui.views.dgraph_view import DGraphView, GraphSettings, layout_graph
from lmapp.gui.views.graph_colors import (
    CV_KEY,
    DISTANCE_KEY,
    GraphColorLinks,
    cv_contribution_colors,
    distance_colors,
)
from lmapp.gui.views.heatmap_view import DistanceSource, HeatmapView
from lmapp.landscape.model import ModelSpec
from lmapp.landscape.thermo import g_alpha, top_contributors
from tests.gui_helpers import click, plot_items, shown, synthetic, the

#: Four minima, all joined: C_V has a peak (widths differ through the LPPHE column).
ENERGIES = [0.0, 0.05, 0.3, 0.31]
TS = [(0.5, 0, 1), (0.6, 1, 2), (0.4, 2, 3)]


@pytest.fixture(scope="module")
def spiral(tmp_path_factory):
    """A small spiral classifier whose minima classify the test points differently."""
    p = Project.create(
        tmp_path_factory.mktemp("colors") / "s.lmapp",
        "spiral",
        ModelSpec(hidden=(3,), lam=1e-3),
        n_train=60,
        n_test=40,
    )
    p.explore(steps=60, walkers=1, seed=1)
    land = read_snapshot(p.file, p.model, p.dataset)
    assert land.n_minima >= 3
    yield p, land
    p.close()


def test_cv_contribution_values_and_superbasin_sums():
    land = synthetic(ENERGIES, TS)
    T = 0.03
    colors = cv_contribution_colors(T)
    g = g_alpha(land.values("loss"), land.values("lpphe"), T)
    np.testing.assert_allclose(colors.values(land), g)
    dg = layout_graph(land, GraphSettings(color_by=CV_KEY), colors)
    for node in range(dg.node_x.size):  # each branch: its superbasin's dp/dT (brute force)
        assert dg.node_value[node] == pytest.approx(g[dg.members(node)].sum(), abs=1e-9)
    root = int(np.argmax(dg.node_size))
    assert dg.node_size[root] == 4 and abs(dg.node_value[root]) < 1e-6 * np.abs(g).max()
    # no temperature: the highest C_V peak of the automatic window
    lo, hi = default_temperatures(land)
    r = compute_cv(land, np.geomspace(lo, hi, DEFAULT_POINTS), auto=True)
    T_peak = r.thermo.T[r.peaks[0]]
    np.testing.assert_allclose(
        cv_contribution_colors().values(land),
        g_alpha(land.values("loss"), land.values("lpphe"), T_peak),
    )
    assert np.isnan(cv_contribution_colors().values(synthetic([1.0]))).all()
    for bad in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="temperature"):
            cv_contribution_colors(bad)


def test_distance_colors_match_a_brute_force_loop(spiral):
    p, land = spiral
    source = DistanceSource()
    assert np.isnan(distance_colors(source, int(land.ids[0])).values(land)).all()  # no project
    source.set_project(p)
    ref = int(land.ids[1])
    for part, (X, y) in (
        ("test", (p.dataset.X_test, p.dataset.y_test)),
        ("train", (p.dataset.X_train, p.dataset.y_train)),
    ):
        pred = [p.model.predict(w, X) for w in land.weights]
        r = land.row_of(ref)
        expect = {
            "differ": [np.mean(q != pred[r]) for q in pred],
            "exactly_one": [np.mean((q != y) != (pred[r] != y)) for q in pred],
        }
        for kind, want in expect.items():
            colors = distance_colors(source, ref, kind, part)
            np.testing.assert_allclose(colors.values(land), want)
            assert f"minimum {ref}" in colors.label
    got = distance_colors(source, ref).values(land)
    assert got[land.row_of(ref)] == 0 and got.max() > 0  # the minima really differ
    assert np.isnan(distance_colors(source, None).values(land)).all()
    assert "select a minimum" in distance_colors(source, None).label
    with pytest.raises(ValueError, match="kind must be one of"):
        distance_colors(source, ref, kind="nope")


def linked_views(qtbot, land, project=None):
    sel = SelectionModel()
    graph = shown(qtbot, DGraphView(sel), (900, 600))
    cv = shown(qtbot, CvView(sel))
    heatmap = HeatmapView(sel, DistanceSource())
    qtbot.addWidget(heatmap)
    heatmap.set_project(project)
    links = GraphColorLinks(graph, cv, heatmap, sel)
    for view in (graph, cv, heatmap):
        view.set_snapshot(land)
    assert cv.wait_ready() and graph.wait_layout()
    return sel, graph, cv, heatmap, links


def leaf_pixel(graph: DGraphView, row: int):
    """RGB of the drawn graph at the middle of minimum ``row``'s leaf line."""
    QApplication.processEvents()
    plot = graph.plot
    dg = plot.graph
    seg = dg.segments[dg.segment_node == dg.leaf_node[row]][0]
    vb = plot.getPlotItem().getViewBox()
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(seg[0], (seg[1] + seg[3]) / 2)))
    img = plot.grab().toImage()
    c = img.pixelColor(plot.viewport().mapTo(plot, pos))
    return c.red(), c.green(), c.blue()


def test_clicking_a_cv_peak_colours_the_graph_and_selects_contributors(qtbot):
    land = synthetic(ENERGIES, TS)
    sel, graph, cv, _, _ = linked_views(qtbot, land)
    assert graph.settings().color_by == "none"
    assert graph.color.findData(CV_KEY) >= 0 and graph.color.findData(DISTANCE_KEY) >= 0
    r = cv.result
    assert r.peaks.size >= 1
    click(qtbot, cv.plot, cv.peak_point(0))
    T = float(r.thermo.T[r.peaks[0]])
    assert cv.T_cursor == pytest.approx(T)
    # the contributors are selected ...
    L, lp = land.values("loss"), land.values("lpphe")
    pos, neg = top_contributors(L, lp, T, cv.top_k.value())
    assert sel.ids() == land.ids[pos].tolist() + land.ids[neg].tolist()
    # ... and the graph is recoloured by g_α at the peak's T: gaining blue, losing red
    assert graph.settings().color_by == CV_KEY
    assert graph.wait_layout()
    dg, g = graph.plot.graph, g_alpha(L, lp, T)
    np.testing.assert_allclose(dg.node_value[dg.leaf_node], g)
    assert f"T = {T:.3g}" in graph.plot.colors.label and f"T = {T:.3g}" in graph.info.text()
    # strong colours are painted last, over crowded neutral lines
    from lmapp.gui.core import theme

    grey = theme.NEUTRAL_COLOR
    vivid = [
        abs(p.color().red() - grey.red()) + abs(p.color().blue() - grey.blue())
        for p, _ in graph.plot._lines._paths
    ]
    assert vivid == sorted(vivid) and len(vivid) > 2
    big = np.abs(g) > 0.5 * np.abs(g).max()
    assert (g[big] > 0).any() and (g[big] < 0).any()
    for row in np.flatnonzero(big):
        red, _, blue = leaf_pixel(graph, row)
        if g[row] > 0:
            assert blue > red + 60, (row, red, blue)
        else:
            assert red > blue + 60, (row, red, blue)
    # dragging the cursor (here: a click away from the peaks) recolours at the new T
    th = r.thermo
    y_mid = float(np.mean(cv.plot.viewRange()[1]))
    click(qtbot, cv.plot, QPointF(float(np.log10(th.T[10])), y_mid))
    assert graph.wait_layout()
    np.testing.assert_allclose(
        graph.plot.graph.node_value[graph.plot.graph.leaf_node], g_alpha(L, lp, cv.T_cursor)
    )
    assert graph.plot.clone(400, 300).colors is graph.plot.colors  # exports keep the colours
    # hovering names the colour value: a leaf its g_α, a branch its superbasin's sum
    plot = graph.plot
    dg = plot.graph
    row = int(np.argmax(np.abs(dg.node_value[dg.leaf_node])))
    assert (
        f"g_α = dp_α/dT at T = {cv.T_cursor:.3g}: {dg.node_value[dg.leaf_node[row]]:.4g}"
        in plot.describe(("leaf", row))
    )
    root = int(np.argmax(dg.node_size))
    assert plot.describe(("branch", root)).endswith(f": {dg.node_value[root]:.4g}")


def test_distance_colouring_follows_the_selection_and_heatmap_settings(qtbot, spiral):
    p, land = spiral
    sel, graph, _, heatmap, _ = linked_views(qtbot, land, p)
    graph.color_by(DISTANCE_KEY)
    assert graph.wait_layout()
    assert np.isnan(graph.plot.graph.node_value[graph.plot.graph.leaf_node]).all()
    source = heatmap.source
    for ref in (int(land.ids[0]), int(land.ids[2])):
        sel.set([ref])  # a click on a leaf does the same
        assert graph.wait_layout()
        dg = graph.plot.graph
        want = distance_colors(source, ref).values(land)
        np.testing.assert_allclose(dg.node_value[dg.leaf_node], want)
        assert f"minimum {ref}" in graph.info.text()
    heatmap.part.setCurrentIndex(heatmap.part.findData("train"))
    assert graph.wait_layout()
    dg = graph.plot.graph
    np.testing.assert_allclose(
        dg.node_value[dg.leaf_node], distance_colors(source, ref, part="train").values(land)
    )
    assert "training data" in graph.plot.colors.label


def test_main_window_links_its_cv_view_to_its_graph(qtbot, monkeypatch, tmp_path, demo_path):
    from lmapp.gui.core.project_files import copy_project
    from lmapp.gui.window.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "confirm_stop_jobs", lambda self: True)
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    assert win.open_project(copy_project(demo_path, tmp_path / "demo.lmapp"))
    qtbot.waitUntil(lambda: win.snapshot.n_minima > 0, timeout=20000)
    win.docks["cv"].raise_()
    cv = win.docks.view("cv")
    qtbot.waitUntil(cv.isVisible, timeout=5000)
    assert cv.wait_ready() and cv.result.peaks.size
    click(qtbot, cv.plot, cv.peak_point(0))
    assert win.graph_view.settings().color_by == CV_KEY and len(win.selection) > 0
    assert win.graph_view.wait_layout()
    land, dg = win.snapshot, win.graph_view.plot.graph
    np.testing.assert_allclose(
        dg.node_value[dg.leaf_node], g_alpha(land.values("loss"), land.values("lpphe"), cv.T_cursor)
    )
    table = win.table  # the table shows the contributors as its selected rows
    shown_ids = {
        int(table.proxy.index(i.row(), 0).data())
        for i in table.view.selectionModel().selectedRows()
    }
    assert shown_ids == set(win.selection.ids())
    win.close()


def test_links_lay_out_once_per_change_and_survive_an_empty_landscape(qtbot):
    land = synthetic(ENERGIES, TS)
    _sel, graph, cv, _, _ = linked_views(qtbot, land)
    assert graph.wait_layout()
    layouts = []  # each relayout asked for is drawn (wait_layout delivers it)
    graph.layoutReady.connect(lambda: layouts.append(graph.settings().color_by))
    click(qtbot, cv.plot, cv.peak_point(0))  # switches the graph to C_V: one layout
    assert graph.wait_layout() and layouts == [CV_KEY]
    click(qtbot, cv.plot, cv.peak_point(0))  # the same T again: nothing to redo
    assert graph.wait_layout() and len(layouts) == 1
    th = cv.result.thermo
    cv.set_temperature(float(th.T[7]))  # a new T: one layout
    cv.temperaturePicked.emit(float(th.T[7]))
    assert graph.wait_layout() and len(layouts) == 2
    cv.top_k.setValue(cv.top_k.value() + 1)  # same T, more contributors listed: no layout
    qtbot.wait(50)
    assert graph.wait_layout() and len(layouts) == 2
    # the project closes: an empty snapshot draws an empty graph, no error
    from lmapp.gui.core.snapshots import empty_snapshot

    for view in (graph, cv):
        view.set_snapshot(empty_snapshot())
    assert graph.wait_layout() and cv.wait_ready()
    assert graph.plot.snapshot.n_minima == 0 and graph.plot.graph.leaf_x.size == 0
    assert "Error" not in graph.info.text()


def test_diverging_range_spans_the_drawn_minima_only(qtbot):
    land = synthetic(ENERGIES, [(0.1, 0, 1), (0.6, 1, 2), (0.4, 2, 3)])  # 0–1 join below top
    _sel, graph, cv, _, _ = linked_views(qtbot, land)
    L, lp = land.values("loss"), land.values("lpphe")
    hidden = L > 0.2
    # a T where the hidden minima gain more occupation than any drawn minimum changes by:
    # the drawn superbasin's sum then exceeds every drawn leaf
    Ts = cv.result.thermo.T
    ratio = [
        abs(g_alpha(L, lp, t)[hidden].sum()) / np.abs(g_alpha(L, lp, t)[~hidden]).max() for t in Ts
    ]
    T = float(Ts[int(np.argmax(ratio))])
    assert max(ratio) > 1.2
    graph.top.setText("0.2")  # minima at 0.3 and 0.31 are above the window
    graph.top.editingFinished.emit()
    cv.set_temperature(T)
    cv.temperaturePicked.emit(T)
    assert graph.wait_layout()
    dg = graph.plot.graph
    drawn = dg.leaf_node >= 0
    assert (~drawn).sum() == 2
    g = g_alpha(land.values("loss"), land.values("lpphe"), T)
    lo, hi = the(plot_items(graph.plot, pg.ColorBarItem)).levels()
    assert hi == pytest.approx(np.abs(g[drawn]).max()) and lo == pytest.approx(-hi)


def test_cv_cursor_returns_to_the_peak_for_a_new_project(qtbot, spiral):
    p, land = spiral
    cv = shown(qtbot, CvView(SelectionModel()))
    cv.set_snapshot(land)
    assert cv.wait_ready()
    cv.set_temperature(float(cv.result.thermo.T[3]))
    cv.set_project(p)
    assert cv.T_cursor is None

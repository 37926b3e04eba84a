"""Analysis views (heat capacity, misclassification heatmap, distance scatter, network of
minima) and their docks: each computes off the GUI thread, and clicks feed the shared
selection."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from lmapp.api import Project
from lmapp.gui.core.selection import SelectionModel
from lmapp.gui.core.snapshots import empty_snapshot, read_snapshot
from lmapp.gui.views.cv_view import CvView, compute_cv, kappa_of
from lmapp.gui.views.distance_scatter import DistanceScatterView, compute_scatter
from lmapp.gui.views.heatmap_view import DistanceSource, HeatmapView
from lmapp.gui.views.network_view import NetworkView, compute_network
from lmapp.gui.window.docks import Docks
from lmapp.landscape.distances import (
    euclidean_matrix,
    misclassification_matrix,
    pearson,
    predicted_classes,
)
from lmapp.landscape.model import ModelSpec
from lmapp.landscape.thermo import top_contributors
from tests.gui_helpers import click, plot_items, shown, synthetic


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    path = tmp_path_factory.mktemp("analysis") / "x.lmapp"
    p = Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-3))
    p.explore(steps=200, walkers=1, seed=1)
    p.connect(mode="all", budget=6, workers=1)
    land = read_snapshot(p.file, p.model, p.dataset)
    assert land.n_minima >= 3 and land.n_ts >= 1
    yield p, land
    p.close()


# -- heat capacity ---------------------------------------------------------------------------------
def test_cv_peak_click_selects_top_contributors(qtbot, project):
    _, land = project
    sel = SelectionModel()
    view = shown(qtbot, CvView(sel))
    # three well-separated minima with different widths: C_V has peaks
    view.set_snapshot(land)
    assert view.wait_ready()
    r = view.result
    assert r.thermo.kappa == kappa_of(land)
    assert np.allclose(r.thermo.Cv, r.thermo.kappa / 2 + r.thermo.Cplus + r.thermo.Cminus)
    if r.peaks.size == 0:  # the tiny XOR landscape may have no peak: use a synthetic one
        land = synthetic([0.0, 0.05, 0.3, 0.31], n_params=6)
        view.set_snapshot(land)
        assert view.wait_ready()
        r = view.result
    assert r.peaks.size >= 1
    got: list = []
    view.contributorsChanged.connect(lambda T, pos, neg: got.append((T, pos, neg)))
    click(qtbot, view.plot, view.peak_point(0))
    T = float(r.thermo.T[r.peaks[0]])
    assert view.T_cursor == pytest.approx(T)
    pos, neg = top_contributors(land.values("loss"), land.values("lpphe"), T, view.top_k.value())
    expect = land.ids[pos].tolist() + land.ids[neg].tolist()
    assert sel.ids() == expect and expect
    assert sel.label.startswith("C_V contributors at T=")
    assert got and got[-1][0] == pytest.approx(T)
    assert [i for i, _ in got[-1][1]] == land.ids[pos].tolist()
    g = view.cv_contribution(T)
    assert g.shape == (land.n_minima,) and np.isclose(g.sum(), 0, atol=1e-6 * np.abs(g).max())
    # a click away from the peaks only moves the cursor
    sel.clear()
    th = r.thermo
    y_mid = float(np.mean(view.plot.viewRange()[1]))
    click(qtbot, view.plot, QPointF(float(np.log10(th.T[5])), y_mid))
    assert view.T_cursor == pytest.approx(th.T[5], rel=0.05) and len(sel) == 0
    # the button selects the contributors at the cursor
    view.select_button.click()
    assert len(sel) > 0


def test_cv_without_ts_and_tiny_landscapes(qtbot):
    sel = SelectionModel()
    view = shown(qtbot, CvView(sel))
    for land in (empty_snapshot(), synthetic([0.5]), synthetic([0.1, 0.4])):
        view.set_snapshot(land)
        assert view.wait_ready()
        assert "Traceback" not in view.info.text()
    r = compute_cv(synthetic([0.1, 0.4, 0.2]), np.geomspace(1e-3, 10, 50))
    assert np.all(np.isnan(r.thermo.F)) and np.all(np.isfinite(r.thermo.Cv))
    view.curve.setCurrentIndex(2)  # F(T): explains it needs transition states
    assert "transition states" in view.info.text()
    view.t_min.setText("abc")
    view.t_min.editingFinished.emit()
    assert view.wait_ready() and "not a number" in view.info.text()


# -- heatmap and scatter ---------------------------------------------------------------------------
def test_heatmap_click_selects_pair_and_hover_describes_it(qtbot, project):
    p, land = project
    sel = SelectionModel()
    view = shown(qtbot, HeatmapView(sel), (700, 600))
    view.set_project(p)
    view.set_snapshot(land)
    assert view.wait_ready()
    r = view.result
    n = land.n_minima
    pred = predicted_classes(p.model, land.weights, p.dataset.X_test)
    D = misclassification_matrix(pred, p.dataset.y_test, "differ")
    assert sorted(r.order.tolist()) == list(range(n))
    assert np.allclose(r.M, D[np.ix_(r.order, r.order)])
    i, j = 0, n - 1
    click(qtbot, view.plot, view.cell_center(i, j))
    a, b = int(land.ids[r.order[i]]), int(land.ids[r.order[j]])
    assert sel.ids() == [a, b]
    assert f"minima {a} and {b}" in view.describe((i, j))
    outline = [c for c in plot_items(view.plot, pg.PlotCurveItem) if c.getData()[0] is not None]
    assert outline and outline[0].getData()[0].size > 0  # selected rows/columns outlined
    for order in range(view.order.count()):  # clustering and id orders work too
        view.order.setCurrentIndex(order)
        assert view.wait_ready() and sorted(view.result.order.tolist()) == list(range(n))
        o = view.result.order
        assert np.allclose(view.result.M, D[np.ix_(o, o)])
        assert view.pair_at(0, 1)[2] == pytest.approx(D[o[0], o[1]])


def test_heatmap_and_scatter_without_project(qtbot):
    sel = SelectionModel()
    heat = shown(qtbot, HeatmapView(sel))
    scat = shown(qtbot, DistanceScatterView(sel))
    for v in (heat, scat):
        v.set_snapshot(synthetic([0.1, 0.2]))
        assert v.wait_ready()
        assert "no project" in v.info.text() and v.result is None


def test_scatter_pearson_and_click(qtbot, project):
    p, land = project
    sel = SelectionModel()
    source = DistanceSource()
    view = shown(qtbot, DistanceScatterView(sel, source))
    view.set_project(p)
    view.set_snapshot(land)
    assert view.wait_ready()
    pred = predicted_classes(p.model, land.weights, p.dataset.X_test)
    expect = pearson(
        euclidean_matrix(land.weights), misclassification_matrix(pred, p.dataset.y_test, "differ")
    )
    assert view.pearson_r == pytest.approx(expect, nan_ok=True)
    assert "Pearson r" in view.plot.getPlotItem().titleLabel.text
    r = view.result
    k = int(np.argmax(r.euclid))  # the farthest pair stands alone on the right
    click(qtbot, view.plot, view.point_of(k))
    assert set(sel.ids()) == {int(land.ids[r.i[k]]), int(land.ids[r.j[k]])}
    # subsampling keeps at most max_points pairs, but r uses all of them
    small = compute_scatter(source, land, "differ", "test", max_points=2)
    assert small.i.size == 2 and small.r == pytest.approx(expect, nan_ok=True)


# -- network ---------------------------------------------------------------------------------------
def test_network_click_selects_minimum(qtbot, project):
    _, land = project
    sel = SelectionModel()
    view = shown(qtbot, NetworkView(sel))
    view.set_snapshot(land)
    assert view.wait_ready()
    r = view.result
    assert r.stats["nodes"] == land.n_minima and r.stats["edges"] >= 1
    assert "mean degree" in view.stats.text()
    row = int(np.argmax(r.degree))
    click(qtbot, view.plot, view.node_point(row))
    assert sel.ids() == [int(land.ids[row])]
    assert view.selected.data.size == 1
    view.layout_choice.setCurrentText("kamada-kawai")
    assert view.wait_ready() and view.result.layout == "kamada-kawai"
    view.color.setCurrentIndex(view.color.findData("test_accuracy"))


def test_network_isolated_and_tiny(qtbot):
    view = shown(qtbot, NetworkView(SelectionModel()))
    for land in (empty_snapshot(), synthetic([0.3]), synthetic([0.3, 0.1, 0.2])):
        view.set_snapshot(land)
        assert view.wait_ready()
        assert view.result.pos.shape == (land.n_minima, 2)
    r = compute_network(synthetic([0.3, 0.1, 0.2, 0.5], [(0.6, 0, 1)]))
    assert r.stats["edges"] == 1 and r.edges.shape == (1, 2)
    assert len({tuple(x) for x in np.round(r.pos, 6)}) == 4  # no two nodes on one spot


# -- docks ---------------------------------------------------------------------------------------
ANALYSIS = ("cv", "heatmap", "scatter", "network")


def test_registry_docks_and_feeds_the_analysis_views(qtbot, project):
    p, land = project
    win = QMainWindow()
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    selection = SelectionModel(win)
    docks = Docks(win, selection, {"explore": QWidget()})
    QApplication.processEvents()
    assert all(win.tabifiedDockWidgets(docks[k]) for k in ANALYSIS)
    views = {k: docks.view(k) for k in ANALYSIS}
    assert all(v.selection is selection for v in views.values())
    docks.update(land, p)
    # tabbed away: nothing computed until raised (or asked)
    assert views["network"].result is None
    docks["network"].raise_()
    qtbot.waitUntil(lambda: views["network"].result is not None, timeout=10000)
    for v in views.values():
        assert v.wait_ready()
    assert views["heatmap"].result is not None and views["cv"].result.thermo is not None
    # a selection made in one view shows in the others
    selection.set([int(land.ids[0]), int(land.ids[1])])
    assert views["scatter"].selected.data.size == 1
    # closing the project
    docks.update(empty_snapshot(), None)
    for v in views.values():
        assert v.wait_ready()
    assert views["heatmap"].result is None


def test_scatter_many_pairs_draws_density(qtbot, monkeypatch, project):
    import lmapp.gui.views.distance_scatter as ds

    p, land = project
    monkeypatch.setattr(ds, "DRAW_POINTS", 3)  # 10 pairs > 3: density image
    sel = SelectionModel()
    view = shown(qtbot, DistanceScatterView(sel))
    view.set_project(p)
    view.set_snapshot(land)
    assert view.wait_ready()
    assert view.result.density is not None and view.result.density.sum() == view.result.i.size
    k = int(np.argmax(view.result.euclid))
    click(qtbot, view.plot, view.point_of(k))
    assert len(sel) == 2

"""GUI of the ML analyses: MLSUP panel, conserved weights, decision maps (SPEC §3.6–3.8)."""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QWidget

from lmapp.api import Project
from lmapp.datasets import make_dataset
from lmapp.gui.core.selection import SelectionModel
from lmapp.gui.core.snapshots import read_snapshot
from lmapp.gui.figures.styles import FigureStyle
from lmapp.gui.panels.conserved_panel import ConservedPanel
from lmapp.gui.panels.mlsup_panel import MlsupPanel, roc_curve
from lmapp.gui.views.decision_view import DecisionView, render_decision
from lmapp.gui.window.docks import Docks
from lmapp.landscape.conserved import group_conserved
from lmapp.landscape.metrics import auc
from lmapp.landscape.mlsup import evaluate, fit_mlsup
from lmapp.landscape.model import ModelSpec
from lmapp.store.ensembles import list_ensembles, load_ensemble

SHOTS = Path(os.environ.get("LMAPP_ML_SHOTS", "")) if os.environ.get("LMAPP_ML_SHOTS") else None


@pytest.fixture(scope="module")
def spiral(tmp_path_factory):
    path = tmp_path_factory.mktemp("ml") / "s.lmapp"
    p = Project.create(
        path, make_dataset("spiral", n_train=400, n_test=200), ModelSpec(hidden=(4,), lam=1e-4)
    )
    p.explore(steps=40, walkers=2, seed=0, step=3.0, temperature=1.0)
    p.connect(budget=8, workers=2)
    land = read_snapshot(p.file, p.model, p.dataset)
    yield p, land
    p.close()


def _shot(widget, name, qtbot, w=1000, h=800):
    widget.resize(w, h)
    widget.show()
    qtbot.wait(50)
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def test_roc_curve_matches_auc():
    rng = np.random.default_rng(1)
    s = rng.random(300).round(2)
    pos = rng.random(300) < s
    fpr, tpr = roc_curve(s, pos)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(auc(s, pos))


def panel_on(cls, qtbot, spiral):
    """A panel of class ``cls`` on the spiral project, with its own selection."""
    p, land = spiral
    sel = SelectionModel()
    panel = cls(sel)
    qtbot.addWidget(panel)
    panel.set_project(p)
    panel.set_snapshot(land)
    return panel, sel


def test_mlsup_suggest_train_save(qtbot, spiral):
    p, land = spiral
    panel, sel = panel_on(MlsupPanel, qtbot, spiral)
    # a selection made elsewhere (as a graph click would) is the member list
    ids = land.ids[:3].tolist()
    sel.set(ids)
    assert all(str(i) in panel.members_label.text() for i in ids)
    # a real click on "Suggest MMDBM"
    panel.m_spin.setValue(2)
    qtbot.mouseClick(panel.suggest_buttons["mmdbm"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sel.label == "MMDBM suggestion", timeout=15000)
    members = sel.ids()
    assert len(members) == 2
    panel.name_edit.setText("pair")
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.records) == 1, timeout=30000)
    rec = panel.records[0]
    assert rec.ensemble.members.tolist() == members and rec.ensemble.selection == "mmdbm"
    direct = evaluate(rec.ensemble, p.model, p.dataset.X_test, p.dataset.y_test)
    table = {
        panel.table.horizontalHeaderItem(c).text(): panel.table.item(0, c)
        for c in range(panel.table.columnCount())
    }
    for col, key in (
        ("best individual", "best_individual"),
        ("MLSUP", "mlsup"),
        ("majority vote", "majority_vote"),
        ("TMA", "tma"),
    ):
        assert table[col].data(Qt.ItemDataRole.UserRole) == pytest.approx(direct[key])
        assert float(table[col].text()) == pytest.approx(direct[key], abs=5e-5)
    assert table["member AUCs"].text() == " ".join(f"{v:.3f}" for v in direct["member_auc"])
    assert direct["tma"] >= direct["best_individual"] - 1e-12
    # ROC curves drawn, one per member plus the ensemble
    assert set(rec.roc) == {f"member {i}" for i in members} | {"MLSUP"}
    # the gate's choice as a decision map
    qtbot.waitUntil(
        lambda: (
            panel.gate_map.result is not None
            and panel.gate_map.result.request.ensemble is rec.ensemble
            and panel.gate_map.result.request.output == "member"
        ),
        timeout=15000,
    )
    vals = panel.gate_map.result.maps[0][2]
    assert set(np.unique(vals).tolist()) <= {0, 1}
    _shot(panel, "mlsup_panel.png", qtbot, 1000, 950)
    # save and reopen
    assert panel.save_current()
    assert list_ensembles(p.file) == ["pair"]
    again = load_ensemble(p.file, "pair")
    assert again.members.tolist() == members
    panel.records.clear()
    panel.reopen("pair")
    qtbot.waitUntil(lambda: len(panel.records) == 1, timeout=15000)
    assert panel.records[0].metrics["mlsup"] == pytest.approx(direct["mlsup"])
    panel.wait_idle()


def test_mlsup_cancel_stops_the_training(qtbot, spiral):
    land = spiral[1]
    panel, sel = panel_on(MlsupPanel, qtbot, spiral)
    sel.set(land.ids[:3].tolist())
    panel.starts_spin.setValue(100)  # a long training: 100 starts of a 20,20 gate
    panel.hidden_edit.setText("20,20")
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert panel.cancel_button.isEnabled()
    qtbot.wait(200)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.records == [] and "cancelled" in panel.status.text()
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    # a short training waits for the cancelled one's thread: it ends soon only if the engine
    # stopped, and the cancelled training's result never arrives
    panel.starts_spin.setValue(1)
    panel.hidden_edit.setText("2")
    panel.name_edit.setText("short")
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.records) == 1, timeout=10000)
    assert panel.wait_idle() and [r.name for r in panel.records] == ["short"]
    assert panel.records[0].ensemble.members.tolist() == land.ids[:3].tolist()
    assert not panel.cancel_button.isEnabled() and "short: MLSUP AUC" in panel.status.text()


def test_decision_map_values_and_small_multiples(qtbot, spiral):
    p, land = spiral
    view, sel = panel_on(DecisionView, qtbot, spiral)
    lowest = int(land.ids[land.values("loss").argmin()])
    sel.set([lowest])
    qtbot.waitUntil(
        lambda: view.result is not None and view.result.request.ids == [lowest], timeout=15000
    )
    xs, ys, vals = view.result.maps[0]
    img = view.plots[0].image.image
    assert img.shape == (ys.size, xs.size)
    np.testing.assert_allclose(img, vals)
    w = land.weights[land.row_of(lowest)]
    rng = np.random.default_rng(0)
    for i, j in zip(rng.integers(0, ys.size, 8), rng.integers(0, xs.size, 8)):
        direct = p.model.predict_proba(w, np.array([[xs[j], ys[i]]]))[0, 1]
        assert img[i, j] == pytest.approx(direct, rel=1e-9, abs=1e-12)
    _shot(view, "decision_minimum.png", qtbot, 900, 700)
    # predicted class
    view.output.setCurrentIndex(view.output.findData("class"))
    view.refresh()
    qtbot.waitUntil(lambda: view.result.request.output == "class" and not view.busy, timeout=15000)
    cls = view.plots[0].image.image
    assert set(np.unique(cls).tolist()) <= {0, 1}
    # small multiples
    pick = land.ids[:5].tolist()
    sel.set(pick)
    view.source.setCurrentIndex(1)
    view.output.setCurrentIndex(view.output.findData("proba"))
    view.refresh()
    qtbot.waitUntil(
        lambda: view.result is not None and len(view.result.maps) == 5 and not view.busy,
        timeout=15000,
    )
    assert len(view.plots) == 5
    _shot(view, "decision_small_multiples.png", qtbot, 1000, 800)


def test_decision_map_pca_plane_and_render(qtbot, spiral, tmp_path):
    p, _land = spiral
    out = render_decision(p, None, tmp_path / "d.png", FigureStyle.from_pixels(600, 450, 96))
    assert out.exists() and out.stat().st_size > 5000
    with pytest.raises(ValueError, match="no minimum with id 1000000"):
        render_decision(p, 10**6, tmp_path / "x.png")


def test_conserved_panel_lists_group_conserved(qtbot, spiral):
    p, land = spiral
    panel, sel = panel_on(ConservedPanel, qtbot, spiral)
    D = np.linalg.norm(land.weights[:, None] - land.weights[None], axis=2)
    D[np.diag_indices_from(D)] = np.inf
    a, b = np.unravel_index(np.argmin(D), D.shape)  # the two closest minima
    ids = [int(land.ids[a]), int(land.ids[b])]
    sel.set(ids, label="closest pair")
    qtbot.waitUntil(lambda: len(panel.groups) == 1, timeout=15000)
    panel.set_eta(0.1)
    W = land.weights[land.rows_of(ids)]
    expected = np.flatnonzero(group_conserved(p.model, W, panel.eta))
    listed = [i for _, i, _, _ in panel.conserved_rows()]
    print("conserved", expected.size, "of", p.model.n_params)
    assert listed == expected.tolist()
    assert panel.weights_table.rowCount() == expected.size
    _shot(panel, "conserved_selection.png", qtbot, 900, 850)
    if expected.size and expected.size <= p.model.n_params // 2:
        panel.repeats.setValue(3)
        qtbot.mouseClick(panel.perturb_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.last_perturbation is not None, timeout=20000)
        assert panel.last_perturbation["conserved_drops"].size == 3
        assert "random" in panel.perturb_result.text()
    # level scan
    panel.level_spin.setValue(panel.levels_spin.value() - 1)
    qtbot.mouseClick(panel.scan_button, Qt.MouseButton.LeftButton)
    assert panel.wait_idle() and "scanning" not in panel.info.text()
    assert panel.relevance().shape == (2,)
    _shot(panel, "conserved_level_scan.png", qtbot, 900, 850)


def test_registry_feeds_the_ml_panels(qtbot, spiral):
    p, land = spiral
    win = QMainWindow()
    qtbot.addWidget(win)
    selection = SelectionModel(win)
    docks = Docks(win, selection, {"explore": QWidget()})
    panels = {k: docks.view(k) for k in ("mlsup", "conserved", "decision")}
    docks.update(land, p)
    assert all(panel.project is p for panel in panels.values())
    selection.set(land.ids[:2].tolist())
    assert panels["decision"].make_request() is not None
    for panel in panels.values():
        panel.wait_idle()
    docks.update(land, None)
    for panel in panels.values():
        panel.wait_idle()
    assert all(panel.project is None for panel in panels.values())
    assert panels["decision"].make_request() is None


def test_names_from_a_project_are_shown_as_text_not_markup(qtbot, spiral):
    """A project file is untrusted: an ensemble or selection named with markup is shown as
    those characters (escaped), never interpreted as rich text."""
    p, land = spiral
    evil = '<img src="x"><b>bold</b>'
    ids = land.ids[:2].tolist()
    ens = fit_mlsup(
        p.model,
        np.array([land.weights[land.row_of(i)] for i in ids]),
        p.dataset.X_train,
        p.dataset.y_train,
        np.array(ids),
        starts=1,
        selection=evil,
    )
    view, _ = panel_on(DecisionView, qtbot, spiral)
    view.set_ensemble(evil, ens)
    qtbot.waitUntil(
        lambda: view.result is not None and view.result.request.ensemble is ens and not view.busy,
        timeout=15000,
    )
    assert view.info.textFormat() == Qt.TextFormat.RichText
    assert html.escape(evil) in view.info.text() and evil not in view.info.text()
    panel, sel = panel_on(MlsupPanel, qtbot, spiral)
    sel.set(ids, label=evil)
    assert (
        html.escape(evil) in panel.members_label.text() and evil not in panel.members_label.text()
    )
    assert panel.status.textFormat() == Qt.TextFormat.PlainText

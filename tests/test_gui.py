"""The main window end to end: create a project in the dialog, explore it, see graph and table
fill, pick a leaf and find it in the table and the inspector, export, reopen, cancel, queue,
close during a job, and errors as dialogs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from lmapp.api import Project
from lmapp.cli import main as lmapp_main
from lmapp.gui.app import install_excepthook
from lmapp.gui.core.project_files import recent_projects
from lmapp.gui.figures.export import export_view
from lmapp.gui.figures.styles import FigureStyle
from lmapp.gui.panels.new_project_dialog import NewProjectDialog
from lmapp.gui.window.demo import demo_project
from lmapp.gui.window.main_window import MainWindow
from lmapp.landscape.model import ModelSpec
from lmapp.store import ProjectFile


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(MainWindow, "confirm_stop_jobs", lambda self: True)
    settings = QSettings()
    for key in ("window/geometry", "window/state"):  # not the layout an earlier test saved
        settings.remove(key)
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def settle(window: MainWindow, qtbot, minima: int | None = None, timeout: int = 20000) -> None:
    """Wait for the jobs to end and the views to show the project's current minima."""
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=timeout)
    n = window.project.file.n_minima() if minima is None else minima
    window.poller.refresh()
    qtbot.waitUntil(
        lambda: (
            window.snapshot.n_minima == n
            and window.poller is not None
            and window.poller.wait_idle(0)
        ),
        timeout=timeout,
    )
    assert window.graph_view.wait_layout()
    qtbot.waitUntil(lambda: window.graph_view.plot.snapshot is window.snapshot, timeout=5000)


def errors(window: MainWindow) -> list[str]:
    return [b.text() for b in window.findChildren(QMessageBox) if b.isVisible()]


def dark_pixels(path: Path) -> int:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    return int((a.reshape(img.height(), img.bytesPerLine())[:, : img.width()] < 160).sum())


def fill_dialog(dialog: NewProjectDialog, path: Path) -> None:
    dialog.preset.setCurrentText("xor")
    dialog.n_hidden.setValue(1)
    dialog.hidden[0].setValue(3)
    dialog.lam.setText("1e-3")
    dialog.path.setText(str(path))


def test_new_project_dialog_validates_inline(qtbot, tmp_path):
    dialog = NewProjectDialog(tmp_path)
    qtbot.addWidget(dialog)
    fill_dialog(dialog, tmp_path / "a.lmapp")
    assert dialog.wait_validated()
    assert dialog.ok_button.isEnabled() and "4 training" in dialog.error.text()
    dialog.lam.setText("-1")
    assert not dialog.ok_button.isEnabled()
    assert not dialog.wait_validated() and "λ" in dialog.error.text()
    assert "c00000" in dialog.error.styleSheet() and not dialog.ok_button.isEnabled()
    dialog.lam.setText("1e-3")
    dialog.preset.setCurrentText("iris")
    dialog.loss.setCurrentText("appauc")
    assert not dialog.wait_validated() and "binary" in dialog.error.text()
    dialog.loss.setCurrentText("ce")
    (tmp_path / "taken.lmapp").write_bytes(b"")
    dialog.path.setText(str(tmp_path / "taken.lmapp"))
    assert not dialog.wait_validated() and "already exists" in dialog.error.text()


def test_new_project_dialog_generator_shape(qtbot, tmp_path):
    dialog = NewProjectDialog(tmp_path)
    qtbot.addWidget(dialog)
    fill_dialog(dialog, tmp_path / "s.lmapp")
    assert not any(w.isEnabled() for w in (dialog.turns, dialog.noise, dialog.cells))  # xor
    dialog.preset.setCurrentText("spiral")
    dialog.n_train.setValue(60)
    dialog.n_test.setValue(20)
    assert dialog.turns.isEnabled() and dialog.noise.isEnabled() and not dialog.cells.isEnabled()
    dialog.turns.setValue(3.0)
    dialog.noise.setValue(0.0)  # no noise (the box's minimum means "default")
    assert dialog.wait_validated()
    data, _ = dialog._valid
    assert data.spec["params"]["turns"] == 3.0 and data.spec["params"]["noise"] == 0.0
    dialog.preset.setCurrentText("checkerboard")
    dialog.noise.setValue(dialog.noise.minimum())
    dialog.cells.setValue(6)
    assert dialog.wait_validated()
    data, _ = dialog._valid
    assert data.spec["params"]["cells"] == 6 and data.spec["params"]["noise"] == 0.0
    dialog.grab().save(str(tmp_path / "dialog.png"))


def test_new_project_from_csv_with_preview(qtbot, tmp_path):
    rows = ["a,b,kind"] + [f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}" for i in range(40)]
    (tmp_path / "d.csv").write_text("\n".join(rows))
    dialog = NewProjectDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "csv.lmapp"))
    dialog.use_csv.setChecked(True)
    dialog.csv_path.setText(str(tmp_path / "d.csv"))
    dialog.csv_path.editingFinished.emit()
    assert [dialog.label_column.itemText(i) for i in range(3)] == ["a", "b", "kind"]
    assert dialog.label_column.currentText() == "kind" and dialog.preview.rowCount() == 8
    assert dialog.wait_validated()
    dialog.label_column.setCurrentText("a")  # 7 classes: fine; a text feature is not
    (tmp_path / "bad.csv").write_text("a,kind\n1,x\nzz,y\n")
    dialog.csv_path.setText(str(tmp_path / "bad.csv"))
    dialog.csv_path.editingFinished.emit()
    assert not dialog.wait_validated() and "line 3" in dialog.error.text()


def test_create_explore_pick_export_reopen(window, qtbot, tmp_path):
    path = tmp_path / "xor.lmapp"
    dialog = window.new_project()
    fill_dialog(dialog, path)
    assert dialog.wait_validated()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.project is not None and window.project.path == path.absolute()
    assert window.windowTitle().startswith("xor.lmapp")

    window.explore_panel.set_params(steps=300, walkers=2, seed=1)
    qtbot.mouseClick(window.explore_panel.start_button, Qt.MouseButton.LeftButton)
    settle(window, qtbot)
    n = window.snapshot.n_minima
    assert n >= 3
    assert window.table.model.rowCount() == n
    assert window.graph_view.plot.graph.leaf_order.size == n
    assert "finished" in window.explore_panel.log.toPlainText()

    # click a leaf in the graph → the same minimum is selected in the table and inspected
    plot = window.graph_view.plot
    row = int(np.argsort(window.snapshot.values("loss"))[1])
    min_id = int(window.snapshot.ids[row])
    vb = plot.getPlotItem().getViewBox()
    pos = plot.mapFromScene(vb.mapViewToScene(plot.leaf_point(row)))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.selection.ids() == [min_id]
    table_rows = window.table.view.selectionModel().selectedRows()
    assert [window.table.visible_ids()[i.row()] for i in table_rows] == [min_id]
    assert window.inspector.shown_ids() == [min_id]
    assert f"Minimum {min_id}" in window.inspector.header.text()

    png = export_view(
        window.graph_view, tmp_path / "graph.png", FigureStyle.from_pixels(900, 600, 96)
    )
    svg = export_view(
        window.graph_view, tmp_path / "graph.svg", FigureStyle.from_pixels(900, 600, 96)
    )
    assert dark_pixels(png) > 1000  # axis, ticks, labels and the leaves
    text = svg.read_text()
    assert "<path" in text or "<polyline" in text
    assert (
        export_view(
            window.inspector, tmp_path / "inspector.pdf", FigureStyle.from_pixels(900, 600, 96)
        )
        .stat()
        .st_size
        > 1000
    )
    assert (
        export_view(window.table, tmp_path / "table.png", FigureStyle.from_pixels(900, 600, 96))
        .stat()
        .st_size
        > 1000
    )
    assert window.export_selected(tmp_path / "sel.json")

    # save as → continue on the copy; reopen the original → same minima; recent list
    assert window.save_as(tmp_path / "copy.lmapp")
    assert window.project.path.name == "copy.lmapp"
    settle(window, qtbot, n)
    assert window.open_project(path)
    settle(window, qtbot, n)
    assert window.selection.ids() == []
    assert str(path.absolute()) in recent_projects()[:2]


def test_cancel_running_job_within_a_second(window, qtbot, tmp_path):
    path = tmp_path / "spiral.lmapp"
    Project.create(
        path, "spiral", ModelSpec(hidden=(10,), lam=1e-4), n_train=400, n_test=100
    ).close()
    assert window.open_project(path)
    window.explore_panel.set_params(steps=100_000, walkers=2)
    job = window.explore_panel.start()
    qtbot.waitUntil(lambda: job.progress is not None, timeout=20000)
    t0 = time.perf_counter()
    qtbot.mouseClick(window.explore_panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.status == "cancelled", timeout=1000)
    assert time.perf_counter() - t0 < 1.0
    assert "cancelled" in window.explore_panel.log.toPlainText()
    runs = window.project.file.runs()
    assert runs[-1]["status"] == "cancelled"


def test_queue_pause_resume_and_close_during_job(window, qtbot, tmp_path):
    path = tmp_path / "q.lmapp"
    Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-3)).close()
    assert window.open_project(path)
    first = window.jobs.submit({"steps": 200_000, "walkers": 1, "seed": 0})
    second = window.jobs.submit({"steps": 10, "walkers": 1, "seed": 0})
    assert second.status == "queued" and window.explore_panel.queue_list.count() == 2
    qtbot.waitUntil(lambda: first.progress is not None, timeout=10000)
    qtbot.mouseClick(window.explore_panel.pause_button, Qt.MouseButton.LeftButton)
    assert first.status == "paused" and window.explore_panel.pause_button.text() == "Resume"
    qtbot.mouseClick(window.explore_panel.pause_button, Qt.MouseButton.LeftButton)
    assert first.status == "running"
    window.jobs.cancel_current()
    qtbot.waitUntil(lambda: second.status in ("running", "finished"), timeout=5000)
    assert first.status == "cancelled"
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=10000)

    window.jobs.submit({"steps": 200_000, "walkers": 2, "seed": 3})
    qtbot.waitUntil(lambda: window.jobs.current.progress is not None, timeout=10000)
    window.close()  # asks (patched: yes), cancels, waits; the file stays valid
    assert window.project is None and not window.jobs.busy
    with ProjectFile.open(path, readonly=True) as pf:
        assert [r["status"] for r in pf.runs()] == ["cancelled", "finished", "cancelled"]


def test_connect_job_adds_transition_states_to_the_graph(window, qtbot, tmp_path):
    path = tmp_path / "xor.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-3)) as p:
        p.explore(steps=200, walkers=2, seed=1, temperature=1.0)  # minima, no TS yet
    assert window.open_project(path)
    settle(window, qtbot)
    assert window.snapshot.n_minima >= 3 and window.snapshot.n_ts == 0
    window.explore_panel.connect_budget.setValue(10)
    qtbot.mouseClick(window.explore_panel.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=120000)  # longer only if compiling
    settle(window, qtbot)
    stored = window.project.file.n_transition_states()
    assert stored > 0
    drawn = window.graph_view.plot.snapshot
    assert window.snapshot.n_ts == drawn.n_ts == stored  # in the snapshot and in the graph
    assert np.any(window.graph_view.plot.graph.node_parent >= 0)  # branches joined by the TS
    a, b = (int(i) for i in window.snapshot.ids[:2])
    window.selection.set([a, b])
    assert window.connect_pair_action.isEnabled()


def test_errors_become_dialogs(window, qtbot, tmp_path, monkeypatch):
    assert not window.open_project(tmp_path / "missing.lmapp")
    assert any("no such project file" in t for t in errors(window))
    path = tmp_path / "e.lmapp"
    Project.create(path, "xor", ModelSpec(hidden=(3,))).close()
    assert window.open_project(path)
    job = window.jobs.submit({"steps": 10, "walkers": 0})  # the job itself refuses
    assert job.status == "failed"
    assert any("walkers" in t for t in errors(window))
    window.explore_panel.fields["gtol"].setText("abc")
    assert "gtol" in window.explore_panel.invalid.text()
    assert not window.explore_panel.start_button.isEnabled()
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: seen.append(exc))  # restored afterwards
    install_excepthook(window)
    sys.excepthook(RuntimeError, RuntimeError("boom"), None)
    assert any("boom" in t for t in errors(window)) and len(seen) == 1  # and still on stderr


def test_demo_opens_with_minima_and_transition_states(window, qtbot, demo_path):
    assert demo_project() == demo_path  # the user's copy is reused
    assert window.open_demo()
    assert window.project.path == demo_path
    settle(window, qtbot)
    assert window.snapshot.n_minima >= 10 and window.snapshot.n_ts >= 1
    dg = window.graph_view.plot.graph
    assert (dg.node_minimum < 0).any()  # superbasins: transition states joined minima
    QApplication.processEvents()
    plot = window.graph_view.plot
    vertical = (dg.segments[:, 0] == dg.segments[:, 2]) & (dg.node_minimum[dg.segment_node] < 0)
    k = int(np.argmax(np.where(vertical, np.abs(dg.segments[:, 3] - dg.segments[:, 1]), -1)))
    seg, node = dg.segments[k], int(dg.segment_node[k])  # the longest superbasin line
    vb = plot.getPlotItem().getViewBox()
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(seg[0], (seg[1] + seg[3]) / 2)))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert len(window.selection) == dg.node_size[node] >= 2
    assert window.selection.label.startswith("superbasin")


def test_lmapp_without_subcommand_starts_the_app_on_the_demo(qtbot, monkeypatch, demo_path):
    monkeypatch.setattr(QApplication, "exec", lambda *args: 0)  # return at once
    monkeypatch.setattr(MainWindow, "confirm_stop_jobs", lambda self: True)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # the app installs its own
    before = set(QApplication.topLevelWidgets())
    assert lmapp_main(["--demo"]) == 0
    windows = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w not in before
    ]
    assert len(windows) == 1 and windows[0].isVisible()
    assert windows[0].project.path.name == "demo.lmapp"
    windows[0].close()


def test_reset_layout_docks_every_view_with_heat_capacity_beside_the_graph(window, qtbot):
    cv, heat = window.docks["cv"], window.docks["heatmap"]
    inspector, graph = window.docks["inspector"], window.docks["graph"]
    assert cv in window.tabifiedDockWidgets(inspector) and heat in window.tabifiedDockWidgets(graph)
    cv.setFloating(True)
    heat.close()
    window.docks["mlsup"].setFloating(True)
    window.reset_layout()
    QApplication.processEvents()
    assert not cv.isFloating() and heat.isVisible() and not window.docks["mlsup"].isFloating()
    assert cv in window.tabifiedDockWidgets(inspector) and heat in window.tabifiedDockWidgets(graph)
    assert window.docks["mlsup"] in window.tabifiedDockWidgets(inspector)
    cv.raise_()
    QApplication.processEvents()
    assert cv.widget().isVisible() and window.graph_view.isVisible()  # side by side


def test_user_model_project_opens_after_consent_once_per_module(
    window, qtbot, monkeypatch, tmp_path
):
    from PySide6.QtWidgets import QMessageBox

    import lmapp.landscape.user_model as um
    from lmapp.gui.core.project_files import trusted_modules
    from lmapp.landscape.model import ModelSpec

    spec = ModelSpec(kind="user", reference="tests.surfaces:MULLER_BROWN_MODEL")
    path = tmp_path / "mb.lmapp"
    with Project.create(path, None, spec, trust_user_model=True) as p:
        p.explore(steps=100, walkers=2, temperature=20.0, step=0.5)
        p.connect(mode="all")
    monkeypatch.setattr(um, "_TRUSTED", set())  # a fresh process: nothing trusted yet
    asked = []

    def answer(answer_with):
        def question(*args, **kwargs):
            asked.append(args[2] if len(args) > 2 else "")
            return answer_with

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    assert not window.open_project(path) and window.project is None and len(asked) == 1
    assert "tests.surfaces" in asked[0] and "tests.surfaces" not in trusted_modules()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert window.open_project(path) and len(asked) == 2
    settle(window, qtbot)
    assert window.snapshot.n_minima == 3 and window.snapshot.n_ts == 2
    assert "tests.surfaces" in trusted_modules()
    window.close_project()
    monkeypatch.setattr(um, "_TRUSTED", set())
    assert window.open_project(path) and len(asked) == 2  # remembered: not asked again


def test_an_old_project_is_re_identified_in_the_background(window, qtbot, tmp_path):
    from lmapp.landscape.model import ModelSpec
    from tests.test_dedupe import as_old_file

    path = tmp_path / "old.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-3)) as p:
        p.explore(steps=200, walkers=2, temperature=1.0)
        m = p.minima(order="id")
        n = len(m["id"])
        p.file.add_minima([{"loss": float(m["loss"][0]), "weights": m["weights"][0] + 1e-7}], None)
    as_old_file(path)
    assert window.open_project(path)
    settle(window, qtbot, minima=n)
    assert window.project.file.n_minima() == n and not window.project.needs_reidentification
    assert "merging duplicate minima" in window.explore_panel.log.toPlainText()
    assert "1 duplicates merged" in window.explore_panel.log.toPlainText()

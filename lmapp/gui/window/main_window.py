"""The main window: one open project, its views in rearrangeable docks, menus, toolbar and a
status bar with job progress; window layout and recent projects persist in QSettings."""

from __future__ import annotations

import html
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar, QWidget

from ... import __version__
from ...api import Project
from ...datasets import DatasetError
from ...landscape.model import ModelError
from ...landscape.user_model import UntrustedModelError, trust_module
from ...landscape.warmup import compile_kernels
from ...store import ProjectError, UncheckedOwner
from ...words import minima, plural
from ..core.background import Background, TaskWarning, error_details, error_line
from ..core.job_queue import JobQueue, JobState, QueuedJob
from ..core.project_files import (
    copy_project,
    recent_projects,
    remember_project,
    remember_trusted,
    trusted_modules,
)
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot, SnapshotPoller, empty_snapshot
from ..figures.export import DATA_FORMATS, ExportViewDialog, export_minima
from ..panels.explore_panel import ExplorePanel
from ..panels.new_project_dialog import NewProjectDialog
from ..views.graph_colors import GraphColorLinks
from .demo import demo_project
from .docks import Docks

ORGANISATION = APPLICATION = "lmapp"
#: Version of the saved dock layout: a layout saved by an older arrangement is not restored.
LAYOUT_VERSION = 4
#: After this long without compiled kernels, the status bar says they are being compiled.
WARMUP_NOTICE_MS = 400
#: Window size on first start where the screen has room for it.
DEFAULT_SIZE = (1500, 950)
OPEN_ERRORS = (ProjectError, DatasetError, ModelError, OSError, ValueError)


def ensure_identity() -> None:
    """Organisation and application names, which QSettings and QStandardPaths use."""
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)


class MainWindow(QMainWindow):
    """lmapp's window: the graph, the minima table, the inspector and the exploration panel
    share one selection and one snapshot of the open project."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ensure_identity()
        self.setWindowTitle("lmapp")
        self.project: Project | None = None
        self.poller: SnapshotPoller | None = None
        self.snapshot: Snapshot = empty_snapshot()
        self.selection = SelectionModel(self)
        self.jobs = JobQueue(self)
        self._dialogs: list[QMessageBox] = []
        self._heard: weakref.WeakSet[Background] = weakref.WeakSet()  #: warned is connected

        self.explore_panel = ExplorePanel(self.jobs)
        self.explore_panel.errorMessage.connect(self.show_error)
        self.setDockNestingEnabled(True)
        self.docks = Docks(self, self.selection, {"explore": self.explore_panel})
        self.graph_view = self.docks.view("graph")
        self.table = self.docks.view("table")
        self.inspector = self.docks.view("inspector")
        self.graph_links = GraphColorLinks(
            self.graph_view, self.docks.view("cv"), self.docks.view("heatmap"), self.selection
        )

        self.status_label = QLabel("Open or create a project (File menu)")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)  # a path is untrusted text
        self.job_label = QLabel()
        self.job_progress = QProgressBar()
        self.job_progress.setRange(0, 1000)
        self.job_progress.setMaximumWidth(220)
        self.job_progress.setVisible(False)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.job_label)
        self.statusBar().addPermanentWidget(self.job_progress)
        self._start_warmup()

        self._make_actions()
        self._make_menus()
        self.jobs.jobStarted.connect(self._job_started)
        self.jobs.jobProgress.connect(self._job_progress)
        self.jobs.jobFinished.connect(self._job_finished)
        self.jobs.queueChanged.connect(self._update_actions)
        self.selection.changed.connect(self._update_actions)
        self._restore_settings()
        self._update_actions()
        self._hear_warnings()

    # -- construction --------------------------------------------------------------------------
    def _start_warmup(self) -> None:
        """Compile the kernels in the background; after a moment without them, say so with a
        busy indicator (a first start compiles for about a minute, later ones load in ~1 s)."""
        self.warmup_label = QLabel("compiling the numerical kernels (first run only)…")
        self.warmup_busy = QProgressBar()
        self.warmup_busy.setRange(0, 0)
        self.warmup_busy.setMaximumWidth(120)
        for w in (self.warmup_label, self.warmup_busy):
            w.setVisible(False)
            self.statusBar().addPermanentWidget(w)
        self.warmup = Background(self)
        self.warmup.finished.connect(self._warmup_done)
        self.warmup.failed.connect(
            lambda _t, exc: (
                self._warmup_done(None, None),
                self.show_error("Kernels failed to compile", error_line(exc), error_details(exc)),
            )
        )
        self.warmup.submit(lambda _state: compile_kernels())
        QTimer.singleShot(WARMUP_NOTICE_MS, self._warmup_notice)

    def _warmup_notice(self) -> None:
        if self.warmup.busy:
            self.warmup_label.setVisible(True)
            self.warmup_busy.setVisible(True)

    def _warmup_done(self, _tag: object, seconds: object) -> None:
        shown = self.warmup_label.isVisible()
        self.warmup_label.setVisible(False)
        self.warmup_busy.setVisible(False)
        if shown and isinstance(seconds, float):
            self.statusBar().showMessage(
                f"kernels compiled in {seconds:.0f} s; they are cached for the next start", 8000
            )

    def reset_layout(self) -> None:
        """Every dock back to its default place (View → Reset layout)."""
        self.docks.reset_layout()

    def _action(
        self, text: str, slot: Callable[[], object], shortcut: object = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())  # never pass `checked` on
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip or text.replace("…", ""))
        return action

    def _make_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.new_action = self._action("&New…", self.new_project, K.New, "create a project")
        self.open_action = self._action("&Open…", self.choose_project, K.Open, "open a project")
        self.demo_action = self._action(
            "Open &Demo", self.open_demo, None, "open the bundled two-spiral demo project"
        )
        self.save_as_action = self._action(
            "Save &As…", self.save_as, K.SaveAs, "copy the project to a new file and continue there"
        )
        self.export_action = self._action(
            "&Export view…", self.export_view, "Ctrl+E", "save a view as PNG, SVG or PDF"
        )
        self.export_minima_action = self._action(
            "Export selected &minima…",
            self.export_selected,
            None,
            "save the selected minima as CSV or JSON",
        )
        self.quit_action = self._action("&Quit", self.close, K.Quit)
        self.start_action = self._action(
            "&Explore",
            self.explore_panel.start,
            "F5",
            "run basin-hopping with the panel's parameters",
        )
        self.pause_action = self._action("&Pause / resume", self.explore_panel.toggle_pause, "F6")
        self.stop_action = self._action(
            "S&top", self.jobs.cancel_all, "Shift+F5", "stop the running job and drop queued ones"
        )
        self.connect_action = self._action(
            "&Connect",
            self.explore_panel.start_connect,
            None,
            "search transition states (panel settings)",
        )
        self.connect_pair_action = self._action(
            "Connect the two &selected minima",
            self.connect_selected_pair,
            None,
            "search transition states between the two selected minima",
        )
        self.dedupe_action = self._action(
            "&Merge duplicate minima",
            self.merge_duplicates,
            None,
            "re-identify minima and transition states by the current identity rule "
            "(duplicates merge into the lowest id)",
        )
        self.unlock_action = self._action(
            "&Unlock project…",
            self.unlock_project,
            None,
            "free a project left locked by a writer that was killed (refused while it runs)",
        )
        self.reset_layout_action = self._action("&Reset layout", self.reset_layout)
        self.about_action = self._action("&About lmapp", self.about)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.new_action, self.open_action, self.demo_action):
            file_menu.addAction(a)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.export_minima_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = bar.addMenu("E&xploration")
        for a in (
            self.start_action,
            self.connect_action,
            self.connect_pair_action,
            self.pause_action,
            self.stop_action,
        ):
            run_menu.addAction(a)
        run_menu.addSeparator()
        run_menu.addAction(self.dedupe_action)
        run_menu.addAction(self.unlock_action)
        view_menu = bar.addMenu("&View")
        for action in self.docks.actions():
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.reset_layout_action)
        bar.addMenu("&Help").addAction(self.about_action)

        tools = self.addToolBar("Main")
        tools.setObjectName("main_toolbar")
        for a in (self.new_action, self.open_action, self.demo_action):
            tools.addAction(a)
        tools.addSeparator()
        for a in (self.start_action, self.connect_action, self.pause_action, self.stop_action):
            tools.addAction(a)
        tools.addSeparator()
        tools.addAction(self.export_action)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = recent_projects()
        for path in paths:
            self.recent_menu.addAction(
                Path(path).name, lambda p=path: self.open_project(p)
            ).setStatusTip(path)
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _update_actions(self) -> None:
        has = self.project is not None
        busy = self.jobs.busy
        self.save_as_action.setEnabled(has and not busy)
        self.export_action.setEnabled(has)
        self.export_minima_action.setEnabled(has)
        self.start_action.setEnabled(has)
        self.connect_action.setEnabled(has)
        self.dedupe_action.setEnabled(has)
        self.unlock_action.setEnabled(has and not busy)
        self.connect_pair_action.setEnabled(has and len(self.selection) == 2)
        self.pause_action.setEnabled(self.jobs.current is not None)
        self.stop_action.setEnabled(busy)
        for a in (self.new_action, self.open_action, self.demo_action):
            a.setEnabled(not busy)

    # -- projects ------------------------------------------------------------------------------
    def open_project(self, path: str | Path) -> bool:
        """Open a project file (the current one is closed); errors become a dialog."""
        if self.jobs.busy:
            self.show_error("Cannot open", "Stop the running exploration first.")
            return False
        if not self._may_discard_ensembles("Open another project"):
            return False
        for module in trusted_modules():
            trust_module(module)
        try:
            project = Project.open(path, reidentify=False)
        except UntrustedModelError as exc:
            if not self.ask_trust(exc.module):
                return False
            remember_trusted(exc.module)
            trust_module(exc.module)
            return self.open_project(path)
        except OPEN_ERRORS as exc:
            self.show_error("Cannot open project", str(exc))
            return False
        self._set_project(project)
        if project.needs_reidentification:  # identified by an older rule: merge in the background
            self.explore_panel.log_message(
                "this project was stored under an older identity rule: merging duplicate minima…"
            )
            self.jobs.submit({}, kind="dedupe")
        return True

    def ask_trust(self, module: str) -> bool:
        """Ask whether the app may import a user-model module (a project file is untrusted)."""
        answer = QMessageBox.question(
            self,
            "Run code from this project?",
            f"This project's model is Python code from the module <b>{html.escape(module)}</b>. "
            "Opening it imports and runs that module with your permissions.<br><br>"
            "Only continue if you trust where the module comes from. Your answer is remembered "
            "for this module.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def merge_duplicates(self) -> None:
        """Exploration → Merge duplicate minima: re-identify the project in the background."""
        if self.project is not None:
            self.jobs.submit({}, kind="dedupe")

    def unlock_project(self) -> None:
        """Exploration → Unlock project: runs of killed writers become failed, so jobs may run
        again; refused while the writer lives; one on another host only if the user confirms."""
        if self.project is None or self.jobs.busy:
            return
        try:
            try:
                freed = self.project.unlock()
            except UncheckedOwner as exc:
                if not self.confirm_force_unlock(str(exc)):
                    return
                freed = self.project.unlock(force=True)
        except ProjectError as exc:
            self.show_error("Cannot unlock", str(exc))
            return
        self.statusBar().showMessage(
            f"freed: {plural(len(freed), 'interrupted run')} marked failed"
            if freed
            else "the project was not locked",
            8000,
        )

    def confirm_force_unlock(self, why: str) -> bool:
        """Ask whether a writer on another host is really gone."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unlock project?",
            f"{why}\n\nUnlock only if that process has stopped: two writers "
            "on one file would store the same minima twice.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _set_project(self, project: Project) -> None:
        self.close_project()
        self.project = project
        self.jobs.set_project(project)
        self.poller = SnapshotPoller(project.path, project.model, project.dataset, parent=self)
        self.poller.changed.connect(self._snapshot_changed)
        self.poller.failed.connect(
            lambda exc: self.show_error("Cannot read project", error_line(exc), error_details(exc))
        )
        self.docks.update(None, project)
        self.setWindowTitle(f"{project.path.name} — lmapp")
        self.status_label.setText(f"{project.path}")
        remember_project(project.path)
        self._hear_warnings()
        self.poller.start()
        self._update_actions()

    def close_project(self) -> None:
        """Close the open project (jobs must have ended)."""
        if self.poller is not None:
            self.poller.stop()
            self.poller.deleteLater()
            self.poller = None
        if self.project is not None:
            self.project.close()
            self.project = None
        self.jobs.set_project(None)
        self.selection.clear()
        self.snapshot = empty = empty_snapshot()
        self.docks.update(empty, None, skip=("graph",))
        self.graph_links.refresh(relayout=False)
        self.graph_view.set_snapshot(empty)
        self.setWindowTitle("lmapp")
        self._update_actions()

    def new_project(self) -> NewProjectDialog | None:
        """Show the new-project dialog (non-blocking); its project opens when it is accepted."""
        if self.jobs.busy:
            self.show_error("Cannot create", "Stop the running exploration first.")
            return None
        folder = self.project.path.parent if self.project is not None else Path.cwd()
        dialog = NewProjectDialog(folder, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._set_project(dialog.project))
        dialog.open()
        return dialog

    def choose_project(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", "lmapp projects (*.lmapp);;All files (*)"
        )
        if name:
            self.open_project(name)

    def open_demo(self) -> bool:
        """Open (creating on first use) the demo project in the user's data folder."""
        try:
            path = demo_project()
        except OPEN_ERRORS as exc:
            self.show_error("Cannot create the demo project", str(exc))
            return False
        return self.open_project(path)

    def save_as(self, path: str | Path | None = None) -> bool:
        """Copy the project to a new file (SQLite backup) and continue working there."""
        if self.project is None or self.jobs.busy:
            self.show_error("Cannot save", "Open a project and stop its exploration first.")
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save project as", str(self.project.path), "lmapp projects (*.lmapp)"
            )
            if not path:
                return False
        try:
            copy_project(self.project.path, path)
        except (OSError, ValueError) as exc:
            self.show_error("Cannot save project", str(exc))
            return False
        return self.open_project(path)

    # -- snapshots -----------------------------------------------------------------------------
    def _snapshot_changed(self, land: Snapshot) -> None:
        """A new snapshot: the graph starts laying it out, the other views get it one per turn
        of the event loop, and ``self.snapshot`` becomes it once every view shows it."""
        self.selection.retain(land.ids.tolist())
        self.docks.update_live(land, skip=("graph",), then=lambda: self._views_show(land))
        self.graph_links.refresh(relayout=False)  # the graph lays out the new snapshot next
        self.graph_view.set_snapshot(land)

    def _views_show(self, land: Snapshot) -> None:
        self.snapshot = land

    # -- jobs ----------------------------------------------------------------------------------
    def _job_started(self, job: QueuedJob) -> None:
        self.job_label.setText(f"job {job.number} running")
        self.job_progress.setValue(0)
        self.job_progress.setVisible(True)
        self._update_actions()

    def _job_progress(self, job: QueuedJob) -> None:
        self.job_progress.setValue(int(1000 * job.fraction()))
        self.job_label.setText(
            f"job {job.number} ({job.kind}): {job.progress_text()}"
            + (" (paused)" if job.status is JobState.PAUSED else "")
        )

    def _job_finished(self, job: QueuedJob) -> None:
        self.job_label.setText(f"job {job.number} {job.status}")
        self.job_progress.setVisible(self.jobs.busy)
        if self.poller is not None:
            self.poller.refresh()
        self._update_actions()

    def connect_selected_pair(self) -> None:
        ids = self.selection.ids()
        if len(ids) == 2:
            self.explore_panel.start_connect((ids[0], ids[1]))

    def _may_discard_ensembles(self, action: str) -> bool:
        """True when no trained ensemble is unsaved, or the user agrees to drop them."""
        names = self.docks.view("mlsup").unsaved()
        return not names or self.confirm_discard_ensembles(action, names)

    def confirm_discard_ensembles(self, action: str, names: list[str]) -> bool:
        """Ask whether trained but unsaved MLSUP ensembles may be dropped."""
        listed = ", ".join(html.escape(n) for n in names)
        answer = QMessageBox.question(
            self,
            f"{action}?",
            f"{plural(len(names), 'MLSUP ensemble')} ({listed}) "
            f"{'is' if len(names) == 1 else 'are'} not saved in the project and will be lost. "
            f"{action} anyway? (Save them in the MLSUP panel to keep them.)",
        )
        return answer == QMessageBox.StandardButton.Yes

    def confirm_stop_jobs(self) -> bool:
        """Ask whether to stop running jobs (closing the window)."""
        answer = QMessageBox.question(
            self,
            "Exploration running",
            "An exploration is running. Stop it and close?\n"
            "Its last batch is saved; the project stays valid.",
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- export --------------------------------------------------------------------------------
    def exportable_views(self) -> dict[str, object]:
        return dict(self.docks.exportable())

    def export_view(self) -> None:
        if self.project is None:
            return
        stem = self.project.path.with_suffix("")
        dialog = ExportViewDialog(self.exportable_views(), f"{stem}-dgraph.png", self)
        dialog.view.currentTextChanged.connect(
            lambda name: dialog.path.setText(
                f"{stem}-{name.split()[-1].lower()}{Path(dialog.path.text()).suffix or '.png'}"
            )
        )
        if not dialog.exec():
            return
        try:
            out = dialog.run_export()
        except (OSError, ValueError) as exc:
            self.show_error("Export failed", str(exc))
            return
        self.statusBar().showMessage(f"wrote {out}", 5000)

    def export_selected(self, path: str | Path | None = None) -> bool:
        if not len(self.selection):
            self.show_error("Nothing selected", "Select minima in the graph or the table first.")
            return False
        if path is None:
            filters = ";;".join(f"{d} (*{e})" for e, d in DATA_FORMATS.items())
            path, _ = QFileDialog.getSaveFileName(self, "Export selected minima", "", filters)
            if not path:
                return False
        try:
            n = export_minima(
                self.snapshot,
                self.selection.ids(),
                path,
                self.project.model if self.project else None,
            )
        except (OSError, ValueError) as exc:
            self.show_error("Export failed", str(exc))
            return False
        self.statusBar().showMessage(f"wrote {minima(n)} to {path}", 5000)
        return True

    # -- messages ------------------------------------------------------------------------------
    def _hear_warnings(self) -> None:
        """Show the warnings of every background task of this window (its views, panels and
        poller) that is not heard yet."""
        for bg in self.findChildren(Background):
            if bg not in self._heard:
                bg.warned.connect(self._task_warned)
                self._heard.add(bg)

    def _task_warned(self, _tag: object, found: list[TaskWarning]) -> None:
        """Warnings of a background computation: in the log, the first in the status bar."""
        for w in found:
            self.explore_panel.log_message(f"warning in a background computation: {w}")
        more = f" (and {plural(len(found) - 1, 'other')})" if len(found) > 1 else ""
        self.statusBar().showMessage(f"warning: {found[0]}{more}", 10000)

    def show_error(self, title: str, text: str, details: str = "") -> QMessageBox:
        """A non-blocking error dialog (the event loop, and running jobs, carry on)."""
        box = QMessageBox(
            QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote names and file contents
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(
            lambda _r, b=box: self._dialogs.remove(b) if b in self._dialogs else None
        )
        self._dialogs.append(box)
        box.open()
        return box

    def about(self) -> None:
        import platform
        import sys

        import numba
        from PySide6.QtCore import qVersion

        # what a bug report needs: which build (bundle or pip) and the versions under it
        build = "standalone bundle" if getattr(sys, "frozen", False) else "Python package"
        QMessageBox.about(
            self,
            "About lmapp",
            f"<b>lmapp {__version__}</b><br><br>lmapp explores the loss landscapes "
            "of small machine-learning models with the energy-landscape methods of "
            "chemical physics: basin-hopping, transition states, disconnectivity "
            "graphs, heat capacity, MLSUP ensembles and conserved weights.<br><br>"
            f"<small>{build} · Python {platform.python_version()} · numba "
            f"{numba.__version__} · Qt {qVersion()}</small>",
        )

    # -- settings and closing ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = QSettings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is None or not self.restoreGeometry(geometry):
            self.fit_to_screen()
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)

    def fit_to_screen(self) -> None:
        """The default size, or the screen's free area when that is smaller (a 1366×768
        laptop gets a maximised window rather than one running off the screen)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        if free is None or (free.width() >= DEFAULT_SIZE[0] and free.height() >= DEFAULT_SIZE[1]):
            self.resize(*DEFAULT_SIZE)
            return
        self.resize(min(DEFAULT_SIZE[0], free.width()), min(DEFAULT_SIZE[1], free.height()))
        self.move(free.topLeft())
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before stopping jobs or dropping unsaved ensembles, then cancel the job and wait
        for it (it records itself as cancelled, so the project file stays valid); background
        computations are cancelled, not waited for (their threads are daemons)."""
        if not self._may_discard_ensembles("Quit"):
            event.ignore()
            return
        if self.jobs.busy:
            if not self.confirm_stop_jobs():
                event.ignore()
                return
            self.jobs.cancel_all()
            self.jobs.wait(30.0)
        s = QSettings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.close_project()
        for bg in self.findChildren(Background):
            bg.cancel()  # no worker may deliver into a closed window
        event.accept()

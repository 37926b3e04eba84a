"""Exploration control panel: basin-hopping parameters (ExploreParams, OPTIM-like expert
names) and transition-state connect runs, run here or on a Dask cluster; start/queue,
pause/resume, stop, live counts, rate, ETA and a log."""

from __future__ import annotations

import dataclasses
import html
import time
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...jobs.connect import ConnectParams
from ...jobs.explore import ExploreParams
from ..core import theme
from ..core.job_queue import JobQueue, JobState, QueuedJob
from .run_on import RunOnBox

#: Parameters always shown; every other ExploreParams field goes under "Expert".
BASIC = ("steps", "walkers", "temperature", "step", "seed", "new_walkers")
HELP = {
    "steps": "quenches per walker in this run",
    "walkers": "parallel basin-hopping walkers (earlier walkers are continued)",
    "temperature": "Metropolis temperature, in loss units",
    "step": "initial maximum displacement of every weight",
    "seed": "random seed of new walkers",
    "new_walkers": "start new walkers instead of continuing the saved ones (replaces them)",
    "target_acceptance": "the step size adapts towards this acceptance ratio",
    "adapt_every": "adapt the step size every this many steps",
    "adapt_factor": "step size factor per adaptation",
    "step_min": "smallest step size",
    "step_max": "largest step size",
    "chunk": "quenches per walker between commits (0: automatic)",
    "init_scale": "new walkers start uniformly in [−s, s]",
    "gtol": "RMS gradient for convergence",
    "max_iter": "L-BFGS iterations per quench",
    "m": "L-BFGS memory",
    "max_step": "largest L-BFGS step",
    "max_rise": "energy rise allowed per L-BFGS step",
    "ediff": "minima closer than this in loss may be the same",
    "geomdiff": "…and are the same if their canonical weights are this close",
    "zero_tol": "|Hessian eigenvalue| below this is a zero mode",
}


def describe_project(project: Any) -> str:
    """The project in a few rich-text lines (names escaped: a project file is untrusted)."""
    d, m = project.dataset, project.model
    if m.spec.kind == "user":
        arch = f"user model {html.escape(m.spec.reference or '')}"
        data = "data inside the user model"
    else:
        arch = (
            "regression model"
            if not m.is_network
            else "-".join(str(int(s)) for s in m.sizes) + f" network, loss {m.spec.loss}"
        )
        arch += f", λ={m.spec.lam:g}"
        data = f"{html.escape(d.name)}: {d.n_train} train / {d.n_test} test points"
    return f"<b>{html.escape(project.path.name)}</b><br>{data}<br>{arch}, {m.n_params} parameters"


class ExplorePanel(QWidget):
    """Parameter form and job controls for a :class:`JobQueue`."""

    errorMessage = Signal(str, str)  #: title, text (shown as a dialog by the main window)

    def __init__(self, jobs: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.project: Any = None
        self._has_project = False
        self._logs: dict[str, str] = {}  # project path → its log, while the app runs
        self.fields: dict[str, QWidget] = {}
        self.project_label = QLabel("no project open")
        self.project_label.setWordWrap(True)
        basic, expert = QFormLayout(), QFormLayout()
        for f in dataclasses.fields(ExploreParams):
            w = self._field_widget(f.name, f.default)
            w.setToolTip(HELP.get(f.name, ""))
            (basic if f.name in BASIC else expert).addRow(f.name, w)
            self.fields[f.name] = w
        self.show_expert = QCheckBox("expert settings (L-BFGS, identity, step adaptation)")
        self.expert = QGroupBox("Expert")
        self.expert.setLayout(expert)
        self.expert.setVisible(False)
        self.show_expert.toggled.connect(self.expert.setVisible)
        self.invalid = QLabel()
        self.invalid.setStyleSheet(theme.ERROR_STYLE)
        self.invalid.setWordWrap(True)

        self.start_button = QPushButton("Explore")
        self.start_button.setToolTip("run basin-hopping (queued if a job is running)")
        self.start_button.clicked.connect(self.start)

        self.connect_mode = QComboBox()
        self.connect_mode.addItems(["all", "refine"])
        self.connect_mode.setToolTip(
            "all: join every minimum to the global minimum; "
            "refine: join nearest unconnected neighbours"
        )
        self.connect_budget = QSpinBox(minimum=0, maximum=1_000_000, value=0)
        self.connect_budget.setSpecialValueText("auto")
        self.connect_budget.setToolTip(
            "attempts in all; auto: 20 + 10 per minimum still to "
            "connect (room for escalating stubborn pairs)"
        )
        self.connect_workers = QSpinBox(minimum=1, maximum=64, value=ConnectParams.workers)
        self.connect_workers.setToolTip("searches run at once")
        self.connect_button = QPushButton("Connect")
        self.connect_button.setToolTip("search transition states (queued if a job is running)")
        # a lambda: clicked(bool) would pass its `checked` flag as the pair
        self.connect_button.clicked.connect(lambda: self.start_connect())  # noqa: PLW0108
        connect_form = QFormLayout()
        connect_form.addRow("mode", self.connect_mode)
        connect_form.addRow("budget", self.connect_budget)
        connect_form.addRow("workers", self.connect_workers)
        connect_tab = QWidget()
        connect_lay = QVBoxLayout(connect_tab)
        connect_lay.addLayout(connect_form)
        connect_lay.addStretch(1)
        connect_lay.addWidget(self.connect_button)

        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.pause_button.setToolTip("pause or resume the running job")
        self.stop_button.setToolTip("stop the running job and drop queued ones")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.jobs.cancel_all)
        buttons = QHBoxLayout()
        for b in (self.pause_button, self.stop_button):
            buttons.addWidget(b)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.counts = QLabel("idle")
        self.counts.setWordWrap(True)
        self.queue_list = QListWidget()
        self.queue_list.setMaximumHeight(48)
        self.queue_list.setToolTip("running and queued jobs")
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setMaximumBlockCount(2000)
        self.log.setMinimumHeight(60)
        self.log.setPlaceholderText("log of started and finished jobs")

        explore_tab = QWidget()
        explore_lay = QVBoxLayout(explore_tab)
        explore_lay.addLayout(basic)
        explore_lay.addWidget(self.show_expert)
        explore_lay.addWidget(self.expert)
        explore_lay.addWidget(self.invalid)
        explore_lay.addStretch(1)
        explore_lay.addWidget(self.start_button)
        self.tabs = QTabWidget()
        self.tabs.addTab(explore_tab, "Basin-hopping")
        self.tabs.addTab(connect_tab, "Transition states")
        self.run_on = RunOnBox()
        self.run_on.changed.connect(self._update_buttons)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.project_label)
        lay.addWidget(self.tabs)
        lay.addWidget(self.run_on)
        lay.addLayout(buttons)
        lay.addWidget(self.progress)
        lay.addWidget(self.counts)
        lay.addWidget(self.queue_list)
        lay.addWidget(self.log, 1)

        jobs.jobStarted.connect(self._started)
        jobs.jobProgress.connect(self._progress)
        jobs.jobFinished.connect(self._finished)
        jobs.queueChanged.connect(self._update_buttons)
        self._validate()
        self._update_buttons()

    # -- the form ------------------------------------------------------------------------------
    def _field_widget(self, name: str, default: object) -> QWidget:
        if name == "chunk":
            w = QSpinBox(minimum=0, maximum=100_000, specialValueText="auto")
            w.valueChanged.connect(self._validate)
            return w
        if isinstance(default, bool):
            w = QCheckBox()
            w.setChecked(default)
            return w
        if isinstance(default, int):
            w = QSpinBox(minimum=0, maximum=2**31 - 1, value=default)
            w.valueChanged.connect(self._validate)
            return w
        w = QLineEdit(f"{default:g}")
        w.textChanged.connect(self._validate)
        return w

    def params(self) -> dict:
        """The form's ExploreParams keywords (ValueError with a message if invalid)."""
        out: dict = {}
        for name, w in self.fields.items():
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QSpinBox):
                out[name] = (w.value() or None) if name == "chunk" else w.value()
            else:
                try:
                    out[name] = float(w.text())
                except ValueError:
                    raise ValueError(f"{name}: {w.text()!r} is not a number") from None
        ExploreParams(**out).validate()
        return out

    def set_params(self, **values: object) -> None:
        """Fill form fields (tests, scripted runs)."""
        for name, value in values.items():
            w = self.fields[name]
            if isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value or 0))
            else:
                w.setText(f"{value:g}")

    def _validate(self) -> None:
        try:
            self.params()
            self.invalid.setText("")
        except ValueError as exc:
            self.invalid.setText(str(exc))
        self._update_buttons()

    # -- commands ------------------------------------------------------------------------------
    def _where(self) -> dict:
        """The job keywords that say where it runs (none: on this computer)."""
        cluster = self.run_on.cluster()
        return {} if cluster is None else {"cluster": cluster}

    def start(self) -> QueuedJob | None:
        """Queue a job with the form's parameters, to run where "Run on" says."""
        try:
            return self.jobs.submit({**self.params(), **self._where()})
        except (ValueError, RuntimeError) as exc:
            self.errorMessage.emit("Cannot start exploration", str(exc))
            return None

    def start_connect(self, pair: tuple[int, int] | None = None) -> QueuedJob | None:
        """Queue a connect run: the chosen mode, or the given pair of minimum ids."""
        params = {
            "mode": "pair" if pair else self.connect_mode.currentText(),
            "pair": pair,
            "budget": self.connect_budget.value() or None,
            "workers": self.connect_workers.value(),
        }
        try:
            ConnectParams(**params).validate()
            return self.jobs.submit({**params, **self._where()}, kind="connect")
        except (ValueError, RuntimeError) as exc:
            self.errorMessage.emit("Cannot start connecting", str(exc))
            return None

    def toggle_pause(self) -> None:
        cur = self.jobs.current
        if cur is None:
            return
        if cur.status is JobState.PAUSED:
            self.jobs.resume()
            self._log(f"job {cur.number} resumed")
        else:
            self.jobs.pause()
            self._log(f"job {cur.number} pausing after the current chunk…")

    def set_project(self, project: Any) -> None:
        """Show the open project (None: none); the progress starts afresh and the log shows
        this project's own lines."""
        if self.project is not None:
            self._logs[str(self.project.path)] = self.log.toPlainText()
        self.project = project
        self._has_project = project is not None
        self.project_label.setText(
            "no project open" if project is None else describe_project(project)
        )
        self.progress.setValue(0)
        self.counts.setText("idle")
        self.log.setPlainText("" if project is None else self._logs.get(str(project.path), ""))
        self._update_buttons()

    # -- job reports ---------------------------------------------------------------------------
    def _started(self, job: QueuedJob) -> None:
        where = job.params.get("cluster")
        self._log(f"started {job.describe()}" + (f" on {where}" if where else ""))
        self.counts.setStyleSheet("")
        self.progress.setValue(0)
        self.counts.setText("starting…")

    def _progress(self, job: QueuedJob) -> None:
        self.progress.setValue(int(1000 * job.fraction()))
        self.counts.setText(job.progress_text())

    def _finished(self, job: QueuedJob) -> None:
        self._log(f"job {job.number} {job.summary_text()}")
        if job.error is not None:
            self.errorMessage.emit("Job failed", f"{job.describe()}\n\n{job.error}")
        warning = getattr(job.summary, "warning", "")
        self.counts.setStyleSheet(theme.WARNING_STYLE if warning else "")
        self.counts.setText(f"job {job.number} {job.status}" + (f" — {warning}" if warning else ""))
        if job.status is JobState.FINISHED:
            self.progress.setValue(1000)

    def _update_buttons(self) -> None:
        cur = self.jobs.current
        try:
            self.run_on.cluster()
            placed = True
        except ValueError:
            placed = False
        self.start_button.setEnabled(self._has_project and placed and not self.invalid.text())
        self.start_button.setText("Queue exploration" if self.jobs.busy else "Explore")
        self.connect_button.setEnabled(self._has_project and placed)
        self.connect_button.setText("Queue connect" if self.jobs.busy else "Connect")
        self.pause_button.setEnabled(cur is not None)
        self.pause_button.setText(
            "Resume" if cur is not None and cur.status is JobState.PAUSED else "Pause"
        )
        self.stop_button.setEnabled(self.jobs.busy)
        self.queue_list.clear()
        if cur is not None:
            self.queue_list.addItem(f"▶ {cur.describe()} — {cur.status}")
        for job in self.jobs.waiting:
            self.queue_list.addItem(f"… {job.describe()}")

    def log_message(self, text: str) -> None:
        """Add a line to the panel's log (time-stamped)."""
        self._log(text)

    def _log(self, text: str) -> None:
        self.log.appendPlainText(time.strftime("%H:%M:%S ") + text)
        self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())

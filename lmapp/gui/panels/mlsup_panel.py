"""MLSUP panel (SPEC §3.6): the selection is the member list; suggestions (MMDBM, C_V peak, QP,
random) set the selection; a gate is trained off the GUI thread; every ensemble gets a row of
test AUCs, ROC curves and a decision map of the gate's choice; ensembles are saved in and
reopened from the project."""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...landscape.distances import misclassification_matrix
from ...landscape.metrics import auc
from ...landscape.minimum_metrics import default_positive_class
from ...landscape.mlsup import (
    GATE_LAM,
    Ensemble,
    evaluate,
    fit_mlsup,
    member_probabilities,
    select_cv_peak,
    select_mmdbm,
    select_qp,
    select_random,
)
from ...store.ensembles import list_ensembles, load_ensemble, save_ensemble
from ..core import theme
from ..core.background import Background, TaskState, error_line
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot, empty_snapshot
from ..views.decision_view import MEMBER_COLORS, DecisionView

SUGGESTIONS = {"mmdbm": "MMDBM", "cv": "C_V peak", "qp": "QP", "random": "random"}
COLUMNS = (
    "name",
    "selection",
    "members",
    "best individual",
    "MLSUP",
    "majority vote",
    "TMA",
    "member AUCs",
    "gate picks best",
)


def roc_curve(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates over all thresholds (ties as one step), from (0, 0)."""
    scores = np.asarray(scores, float)
    positive = np.asarray(positive, bool)
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], positive[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # last item of each distinct score
    tp = np.cumsum(p)[last]
    fp = np.cumsum(~p)[last]
    n_pos, n_neg = max(int(p.sum()), 1), max(int((~p).sum()), 1)
    return np.r_[0.0, fp / n_neg], np.r_[0.0, tp / n_pos]


@dataclass
class EnsembleRecord:
    name: str
    ensemble: Ensemble
    metrics: dict[str, Any]
    roc: dict[str, tuple[np.ndarray, np.ndarray]]
    saved: bool = False


def _evaluate_record(
    name: str, ens: Ensemble, model: Any, X: np.ndarray, y: np.ndarray, saved: bool = False
) -> EnsembleRecord:
    """Test metrics and ROC curves of an ensemble (pure; worker thread)."""
    metrics = evaluate(ens, model, X, y)
    c = ens.positive_class
    pos = np.asarray(y) == c
    P = member_probabilities(model, ens.member_weights, X)
    roc = {
        f"member {mid}": roc_curve(P[k, :, c], pos) for k, mid in enumerate(ens.members.tolist())
    }
    roc["MLSUP"] = roc_curve(ens.predict_proba(model, X)[:, c], pos)
    ens.metrics = metrics
    return EnsembleRecord(name, ens, metrics, roc, saved)


def _test_scores(
    model: Any, W: np.ndarray, X: np.ndarray, y: np.ndarray, c: int
) -> tuple[np.ndarray, np.ndarray]:
    """Test AUC and predicted test classes of every minimum (worker thread)."""
    P = member_probabilities(model, W, X)
    return np.array([auc(p[:, c], y == c) for p in P]), P.argmax(axis=2)


class MlsupPanel(QWidget):
    """Members, suggestions, gate settings, training, results, ROC curves, gate map."""

    ensemble_ready = Signal(str, object)  #: (name, Ensemble) whenever a row is added
    busy_changed = Signal(bool)

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.selection = selection
        self.snapshot: Snapshot = empty_snapshot()
        self.project: Any = None
        self.records: list[EnsembleRecord] = []
        self._scores: tuple[Snapshot, np.ndarray, np.ndarray] | None = None
        self._names = itertools.count(1)
        self._suggest_bg = Background(self)
        self._suggest_bg.finished.connect(self._on_suggested)
        self._suggest_bg.failed.connect(lambda _t, exc: self._message(error_line(exc), True))
        self._train_bg = Background(self)
        self._train_bg.finished.connect(self._on_trained)
        self._train_bg.failed.connect(self._on_train_failed)

        # members and suggestions
        self.members_label = QLabel()
        self.members_label.setTextFormat(Qt.TextFormat.RichText)  # names in it are escaped
        self.members_label.setWordWrap(True)
        self.m_spin = QSpinBox()
        self.m_spin.setRange(2, 20)
        self.m_spin.setValue(2)
        self.m_spin.setToolTip("Number of members a suggestion picks (2–20)")
        self.suggest_buttons: dict[str, QPushButton] = {}
        sug = QHBoxLayout()
        sug.addWidget(QLabel("Suggest"))
        for key, text in SUGGESTIONS.items():
            b = QPushButton(text)
            b.setToolTip(
                {
                    "mmdbm": "best test-AUC minimum plus the minima misclassifying most "
                    "differently from it",
                    "cv": "minima contributing most to the highest heat-capacity peak",
                    "qp": "maximise the summed pairwise misclassification distance (QP)",
                    "random": "a random draw (baseline; uses the seed)",
                }[key]
            )
            b.clicked.connect(lambda _=False, k=key: self.suggest(k))
            self.suggest_buttons[key] = b
            sug.addWidget(b)
        sug.addWidget(QLabel("m ="))
        sug.addWidget(self.m_spin)
        sug.addStretch(1)
        box_members = QGroupBox("Members (the current selection)")
        lm = QVBoxLayout(box_members)
        lm.addWidget(self.members_label)
        lm.addLayout(sug)

        # gate settings
        self.hidden_edit = QLineEdit("3")
        self.hidden_edit.setToolTip("Gate hidden layer sizes, e.g. 3 or 5,5")
        self.lam_spin = QDoubleSpinBox()
        self.lam_spin.setDecimals(6)
        self.lam_spin.setRange(0.0, 10.0)
        self.lam_spin.setSingleStep(1e-4)
        self.lam_spin.setValue(GATE_LAM)
        self.starts_spin = QSpinBox()
        self.starts_spin.setRange(1, 100)
        self.starts_spin.setValue(5)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("ens1")
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.train)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # ensemble names are untrusted text
        self.status.setWordWrap(True)
        form = QFormLayout()
        row = QHBoxLayout()
        for label, w in (
            ("hidden", self.hidden_edit),
            ("λ", self.lam_spin),
            ("starts", self.starts_spin),
            ("seed", self.seed_spin),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        form.addRow("Gate", row)
        row2 = QHBoxLayout()
        row2.addWidget(self.name_edit, 1)
        row2.addWidget(self.train_button)
        row2.addWidget(self.cancel_button)
        form.addRow("Name", row2)
        box_gate = QGroupBox("Gate network")
        lg = QVBoxLayout(box_gate)
        lg.addLayout(form)
        lg.addWidget(self.progress)
        lg.addWidget(self.status)

        # results
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._row_chosen)
        self.table.setToolTip("AUCs on the test set (positive class as in the ROC plot)")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Store the chosen ensemble in the project under its name")
        self.save_button.clicked.connect(self.save_current)
        self.select_button = QPushButton("Select members")
        self.select_button.setToolTip("Make the chosen ensemble's members the selection")
        self.select_button.clicked.connect(self._select_members)
        self.saved_combo = QComboBox()
        self.saved_combo.setMinimumContentsLength(10)
        self.open_button = QPushButton("Reopen")
        self.open_button.clicked.connect(lambda: self.reopen(self.saved_combo.currentText()))
        rbar = QHBoxLayout()
        for w in (
            self.save_button,
            self.select_button,
            QLabel("saved:"),
            self.saved_combo,
            self.open_button,
        ):
            rbar.addWidget(w)
        rbar.addStretch(1)
        box_res = QGroupBox("Ensembles (test AUC)")
        lr = QVBoxLayout(box_res)
        lr.addWidget(self.table)
        lr.addLayout(rbar)

        # ROC and gate choice
        self.roc = pg.PlotWidget(title="ROC on the test set")
        self.roc.setLabel("bottom", "false-positive rate")
        self.roc.setLabel("left", "true-positive rate")
        self.roc.setMenuEnabled(False)
        self.roc.setMinimumHeight(260)
        self.roc.getPlotItem().hideButtons()
        self.roc.setAspectLocked(True)
        self._fix_roc_axes()
        self.roc_legend = self.roc.addLegend(offset=(-5, -5), labelTextSize="8pt")
        self.gate_map = DecisionView(SelectionModel(self))
        self.gate_map.source.setEnabled(False)
        self.gate_map.setMinimumHeight(260)
        plots = QTabWidget()  # each plot gets the panel's whole width
        plots.addTab(self.roc, "ROC curves")
        plots.addTab(self.gate_map, "Gate's choice of member")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(box_members)
        lay.addWidget(box_gate)
        lay.addWidget(box_res, 1)
        lay.addWidget(plots, 2)
        selection.changed.connect(self._show_members)
        self._show_members()
        self._set_busy(False)

    # -- inputs ---------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        """A new project (or None): nothing of the old one stays (ensembles, names, messages,
        suggestions or trainings still running)."""
        self._suggest_bg.cancel()
        self._train_bg.cancel()
        self.project = project
        self._scores = None
        self.records = []
        self._names = itertools.count(1)
        self.name_edit.clear()
        self._message("")
        self.table.setRowCount(0)
        self._draw_roc(None)
        self.gate_map.set_project(project)
        for name in list(self.gate_map.ensembles):
            self.gate_map.set_ensemble(name, None)
        self._refresh_saved()
        self._show_members()
        self._set_busy(False)

    def set_snapshot(self, land: Snapshot) -> None:
        self.snapshot = land
        self.gate_map.set_snapshot(land)
        self._show_members()

    def _usable(self) -> str:
        """Why MLSUP cannot run now ('' if it can)."""
        p = self.project
        if p is None:
            return "Open a project."
        if not p.model.is_network:
            return "MLSUP combines classifier minima; this is a regression project."
        if p.dataset.X_test.shape[0] == 0:
            return "MLSUP is evaluated on test data; this project has none."
        return ""

    def _member_ids(self) -> list[int]:
        return [i for i in self.selection.ids() if self.snapshot.row_of(i) is not None]

    def _show_members(self) -> None:
        ids = self._member_ids()
        why = self._usable()
        if why:
            text = why
        elif not ids:
            text = (
                "No members: select 2–20 minima in the graph or the table, or use a "
                "suggestion below."
            )
        else:
            label = f" — {html.escape(self.selection.label)}" if self.selection.label else ""
            text = (
                f"<b>{len(ids)} member{'s' * (len(ids) != 1)}</b>{label}: "
                + ", ".join(map(str, ids[:40]))
                + (" …" if len(ids) > 40 else "")
            )
            if not 2 <= len(ids) <= 20:
                text += ' <span style="color:#c00000">(MLSUP needs 2–20 members)</span>'
        self.members_label.setText(text)
        self._update_enabled()

    def _update_enabled(self) -> None:
        ok = not self._usable()
        busy = self._train_bg.busy
        n = len(self._member_ids())
        self.train_button.setEnabled(ok and not busy and 2 <= n <= 20)
        self.open_button.setEnabled(ok and not busy and self.saved_combo.count() > 0)
        for b in self.suggest_buttons.values():
            b.setEnabled(ok and self.snapshot.n_minima >= 2 and not self._suggest_bg.busy)
        row = self._current_row()
        self.save_button.setEnabled(row is not None and self.project is not None)
        self.select_button.setEnabled(row is not None)

    def _message(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(theme.ERROR_STYLE if error else "")
        self.status.setText(text)

    def _positive_class(self) -> int:
        return default_positive_class(self.project.dataset)

    # -- suggestions ----------------------------------------------------------------------------
    def suggest(self, how: str) -> None:
        """Select members by ``how`` (mmdbm, cv, qp, random); heavy parts off the GUI thread."""
        why = self._usable()
        if why:
            self._message(why, True)
            return
        land, m, seed = self.snapshot, self.m_spin.value(), self.seed_spin.value()
        if land.n_minima < m:
            self._message(
                f"{SUGGESTIONS[how]} needs {m} minima; the project has {land.n_minima}.", True
            )
            return
        model, d, c = self.project.model, self.project.dataset, self._positive_class()
        cached = self._scores if self._scores is not None and self._scores[0] is land else None

        def work(
            _state: TaskState,
        ) -> tuple[Snapshot, np.ndarray | None, np.ndarray | None, np.ndarray]:
            aucs = pred = None
            if how in ("mmdbm", "qp"):
                if cached is not None:
                    aucs, pred = cached[1], cached[2]
                else:
                    aucs, pred = _test_scores(model, land.weights, d.X_test, d.y_test, c)
            if how == "mmdbm":
                rows = select_mmdbm(aucs, pred, d.y_test, m)
            elif how == "qp":
                rows = select_qp(
                    misclassification_matrix(pred, d.y_test), m, rng=np.random.default_rng(seed)
                )
            elif how == "cv":
                rows = select_cv_peak(land.values("loss"), land.values("lpphe"), m)
            else:
                rows = select_random(land.n_minima, m, np.random.default_rng(seed))
            return land, aucs, pred, rows

        self._message(f"finding {SUGGESTIONS[how]} members…")
        self._suggest_bg.submit(work, tag=how)
        self._update_enabled()

    def _on_suggested(self, how: str, result: tuple) -> None:
        land, aucs, pred, rows = result
        if aucs is not None:
            self._scores = (land, aucs, pred)
        self._update_enabled()
        if land is not self.snapshot:
            return
        ids = [int(land.ids[r]) for r in rows]
        self._message(f"{SUGGESTIONS[how]} suggests minima {', '.join(map(str, ids))}.")
        self.selection.set(ids, label=f"{SUGGESTIONS[how]} suggestion")

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until suggestions and trainings asked for have arrived (tests)."""
        return self._suggest_bg.wait_idle(timeout) and self._train_bg.wait_idle(timeout)

    # -- training -------------------------------------------------------------------------------
    def gate_hidden(self) -> tuple[int, ...]:
        try:
            sizes = tuple(int(s) for s in self.hidden_edit.text().replace(" ", "").split(","))
        except ValueError:
            raise ValueError(
                f"gate hidden sizes must look like 3 or 5,5, got {self.hidden_edit.text()!r}"
            ) from None
        if not sizes or min(sizes) < 1:
            raise ValueError("gate hidden sizes must be ≥ 1")
        return sizes

    def train(self) -> None:
        """Train a gate over the selected members (off the GUI thread)."""
        why = self._usable()
        ids = self._member_ids()
        if not why and not 2 <= len(ids) <= 20:
            why = f"MLSUP needs 2–20 members; {len(ids)} selected."
        try:
            hidden = self.gate_hidden()
        except ValueError as exc:
            why = why or str(exc)
        if why:
            self._message(why, True)
            return
        name = self.name_edit.text().strip() or self._fresh_name()
        if any(r.name == name for r in self.records):
            self._message(f"an ensemble named {name!r} exists; choose another name", True)
            return
        label = self.selection.label
        how = next((k for k, t in SUGGESTIONS.items() if label == f"{t} suggestion"), "hand")
        W = self.snapshot.weights[self.snapshot.rows_of(ids)]
        model, d = self.project.model, self.project.dataset
        lam, starts, seed, c = (
            self.lam_spin.value(),
            self.starts_spin.value(),
            self.seed_spin.value(),
            self._positive_class(),
        )

        def work(state: TaskState) -> EnsembleRecord:
            ens = fit_mlsup(
                model,
                W,
                d.X_train,
                d.y_train,
                np.array(ids),
                gate_hidden=hidden,
                gate_lam=lam,
                starts=starts,
                seed=seed,
                positive_class=c,
                selection=how,
                abort=state.abort,
            )
            return _evaluate_record(name, ens, model, d.X_test, d.y_test)

        self._train_bg.submit(work)
        self._message(
            f"training the gate of {name} over minima {', '.join(map(str, ids))} "
            f"({starts} start{'s' * (starts != 1)})…"
        )
        self._set_busy(True)

    def cancel(self) -> None:
        """Stop the running training within one L-BFGS iteration (a result that arrives
        anyway is dropped)."""
        self._train_bg.cancel()
        self._message("training cancelled")
        self._set_busy(False)

    def _fresh_name(self) -> str:
        taken = {r.name for r in self.records} | set(self._saved_names())
        return next(n for n in (f"ens{k}" for k in self._names) if n not in taken)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setRange(0, 0 if busy else 1)
        self.progress.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self._update_enabled()
        self.busy_changed.emit(busy)

    def _on_trained(self, _tag: None, record: EnsembleRecord) -> None:
        self._set_busy(self._train_bg.busy)
        self.add_record(record)
        mt = record.metrics
        self._message(
            f"{record.name}: MLSUP AUC {mt['mlsup']:.4f} (best member "
            f"{mt['best_individual']:.4f}, TMA {mt['tma']:.4f})."
        )
        self.name_edit.clear()

    def _on_train_failed(self, _tag: None, exc: Exception) -> None:
        self._set_busy(self._train_bg.busy)
        self._message("training failed: " + error_line(exc), True)

    def add_record(self, rec: EnsembleRecord) -> None:
        """Add (or replace, by name) a row and show it."""
        self.records = [r for r in self.records if r.name != rec.name] + [rec]
        self._fill_table()
        self.table.selectRow(len(self.records) - 1)
        self.gate_map.set_ensemble(rec.name, rec.ensemble)
        self.ensemble_ready.emit(rec.name, rec.ensemble)

    def _fill_table(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.records))
        for r, rec in enumerate(self.records):
            m = rec.metrics
            cells = [
                rec.name + ("" if rec.saved else " *"),
                rec.ensemble.selection,
                ", ".join(map(str, rec.ensemble.members.tolist())),
                m["best_individual"],
                m["mlsup"],
                m["majority_vote"],
                m["tma"],
                " ".join(f"{v:.3f}" for v in m["member_auc"]),
                m["gate_accuracy"],
            ]
            for col, v in enumerate(cells):
                text = (f"{v:.1%}" if col == 8 else f"{v:.4f}") if isinstance(v, float) else str(v)
                item = QTableWidgetItem(text)
                if isinstance(v, float):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                    item.setData(Qt.ItemDataRole.UserRole, v)
                if col == 4 and m["mlsup"] > m["best_individual"]:
                    item.setForeground(QColor(0, 120, 0))
                self.table.setItem(r, col, item)
            self.table.item(r, 0).setToolTip(
                "* not saved in the project" if not rec.saved else "saved in the project"
            )
        self.table.blockSignals(False)

    def _current_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].row() if rows else None

    def current_record(self) -> EnsembleRecord | None:
        r = self._current_row()
        return None if r is None or r >= len(self.records) else self.records[r]

    def _row_chosen(self) -> None:
        rec = self.current_record()
        self._update_enabled()
        self._draw_roc(rec)
        if rec is not None:
            self.gate_map.set_ensemble(rec.name, rec.ensemble)
            k = self.gate_map.output.findData("member")
            if k >= 0:
                self.gate_map.output.setCurrentIndex(k)
                self.gate_map.refresh()

    def _fix_roc_axes(self) -> None:
        """The unit square, whatever is drawn: ROC curves live there."""
        vb = self.roc.getPlotItem().getViewBox()
        vb.disableAutoRange()
        vb.setLimits(xMin=-0.02, xMax=1.02, yMin=-0.02, yMax=1.02)
        vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)

    def _draw_roc(self, rec: EnsembleRecord | None) -> None:
        self.roc.clear()
        self.roc_legend.clear()
        self.roc.plot(
            [0, 1], [0, 1], pen=pg.mkPen((150, 150, 150), style=Qt.PenStyle.DashLine), name="chance"
        )
        self._fix_roc_axes()
        if rec is None:
            self.roc.setTitle("ROC on the test set")
            return
        c = rec.ensemble.positive_class
        self.roc.setTitle(f"ROC of {rec.name} (test, class {c})")
        for k, (label, (fpr, tpr)) in enumerate(rec.roc.items()):
            if label == "MLSUP":
                pen = pg.mkPen("k", width=3)
                text = f"MLSUP (AUC {rec.metrics['mlsup']:.3f})"
            else:
                pen = pg.mkPen(MEMBER_COLORS[k % len(MEMBER_COLORS)], width=1.5)
                text = f"{label.split()[-1]} ({rec.metrics['member_auc'][k]:.3f})"
            self.roc.plot(fpr, tpr, pen=pen, name=text)

    def _select_members(self) -> None:
        rec = self.current_record()
        if rec is not None:
            self.selection.set(rec.ensemble.members.tolist(), label=f"ensemble {rec.name}")

    # -- save / reopen --------------------------------------------------------------------------
    def unsaved(self) -> list[str]:
        """Names of trained ensembles not saved in the project (lost when it closes)."""
        return [r.name for r in self.records if not r.saved]

    def _saved_names(self) -> list[str]:
        if self.project is None:
            return []
        try:
            return list_ensembles(self.project.file)
        except Exception:  # noqa: BLE001 - a damaged index must not break the panel
            return []

    def _refresh_saved(self) -> None:
        self.saved_combo.clear()
        self.saved_combo.addItems(self._saved_names())
        self._update_enabled()

    def save_current(self) -> bool:
        rec = self.current_record()
        if rec is None or self.project is None:
            return False
        try:
            save_ensemble(self.project.file, rec.name, rec.ensemble)
        except Exception as exc:  # noqa: BLE001 - read-only project, disk full …
            self._message(f"cannot save {rec.name}: {exc}", True)
            return False
        rec.saved = True
        self._fill_table()
        self._refresh_saved()
        self.saved_combo.setCurrentText(rec.name)
        self._message(f"saved ensemble {rec.name!r} in {self.project.path.name}")
        return True

    def reopen(self, name: str) -> None:
        """Load a saved ensemble and evaluate it again on the test set (off the GUI thread)."""
        if not name or self._usable():
            return
        try:
            ens = load_ensemble(self.project.file, name)
        except Exception as exc:  # noqa: BLE001
            self._message(str(exc), True)
            return
        if ens.member_weights.shape[1] != self.project.model.n_params:
            self._message(f"ensemble {name} was made for another model", True)
            return
        model, d = self.project.model, self.project.dataset
        self._train_bg.submit(
            lambda _state: _evaluate_record(name, ens, model, d.X_test, d.y_test, saved=True)
        )
        self._message(f"evaluating saved ensemble {name}…")
        self._set_busy(True)

    def export_widget(self, width: int, height: int) -> QWidget:
        """The ROC curves as on screen (the figure of an ensemble)."""
        return self.roc

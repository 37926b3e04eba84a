"""New-project dialog: dataset (preset or CSV with label column and preview), architecture,
loss and data options, validated inline by building the dataset and model off the GUI thread."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...api import Project
from ...datasets import (
    DATASET_NAMES,
    Dataset,
    DatasetError,
    default_lambda,
    lambda_source,
    load_csv,
    make_dataset,
)
from ...landscape.model import ModelError, ModelSpec, build_model
from ...store import ProjectError
from ..core import theme
from ..core.background import Background, error_line

#: Datasets that are split from a table (test fraction applies) rather than generated.
TABLES = ("iris", "digits", "breast_cancer", "wine")
PREVIEW_ROWS = 8

#: Generator-shape fields of the dialog → the built-in datasets that take them.
GENERATOR_FIELDS = {
    "turns": ("spiral",),
    "noise": ("spiral", "checkerboard"),
    "cells": ("checkerboard",),
}


class NewProjectDialog(QDialog):
    """Collects dataset + model options; ``project`` holds the created Project after OK."""

    def __init__(self, folder: str | Path = ".", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.setMinimumWidth(760)
        self.project: Project | None = None
        self._valid: tuple[Dataset, ModelSpec] | None = None
        self._serial = 0
        self._bg = Background(self)
        self._bg.finished.connect(self._validated)
        self._bg.failed.connect(lambda tag, exc: self._validated(tag, error_line(exc)))
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._validate_now)

        # -- data source
        self.use_preset = QRadioButton("Built-in dataset")
        self.use_csv = QRadioButton("CSV file")
        self.use_preset.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.use_preset)
        group.addButton(self.use_csv)
        self.preset = QComboBox()
        self.preset.addItems(DATASET_NAMES)
        self.csv_path = QLineEdit(placeholderText="file with a header row")
        browse_csv = QPushButton("Browse…")
        browse_csv.clicked.connect(self._browse_csv)
        self.label_column = QComboBox()
        self.preview = QTableWidget(0, 0)
        self.preview.setMinimumHeight(170)
        self.preview.setVisible(False)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        src = QFormLayout()
        src.addRow(self.use_preset, self.preset)
        csv_row = QHBoxLayout()
        csv_row.addWidget(self.csv_path, 1)
        csv_row.addWidget(browse_csv)
        src.addRow(self.use_csv, csv_row)
        src.addRow("label column", self.label_column)
        src.addRow(self.preview)
        source_box = QGroupBox("Data")
        source_box.setLayout(src)

        # -- data options
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.mislabel = QDoubleSpinBox(minimum=0.0, maximum=0.99, singleStep=0.01, decimals=3)
        self.mislabel.setToolTip("fraction of training labels flipped to a wrong class")
        self.test_fraction = QDoubleSpinBox(
            minimum=0.0, maximum=0.9, singleStep=0.05, decimals=2, specialValueText="default"
        )
        self.test_fraction.setToolTip("test split of tables and CSV files")
        self.n_train = QSpinBox(minimum=0, maximum=1_000_000, specialValueText="default")
        self.n_test = QSpinBox(minimum=0, maximum=1_000_000, specialValueText="default")
        opts = QFormLayout()
        opts.addRow("seed", self.seed)
        opts.addRow("mislabelled fraction", self.mislabel)
        opts.addRow("test fraction", self.test_fraction)
        opts.addRow("training points", self.n_train)
        opts.addRow("test points", self.n_test)
        # generator shape (the minimum of each box means "the generator's default")
        self.turns = QDoubleSpinBox(
            minimum=0.0, maximum=20.0, singleStep=0.25, decimals=2, specialValueText="default"
        )
        self.turns.setToolTip("spiral turns (default 1.75; Lang & Witbrock's spiral has 3)")
        self.noise = QDoubleSpinBox(
            minimum=-0.001, maximum=1.0, singleStep=0.01, decimals=3, specialValueText="default"
        )
        self.noise.setValue(self.noise.minimum())
        self.noise.setToolTip("uniform coordinate noise (spiral default 0.05, checkerboard 0)")
        self.cells = QSpinBox(minimum=1, maximum=100, specialValueText="default")
        self.cells.setToolTip("checkerboard cells per side (default 4)")
        opts.addRow("spiral turns", self.turns)
        opts.addRow("noise", self.noise)
        opts.addRow("checkerboard cells", self.cells)

        # -- model
        self.n_hidden = QSpinBox(minimum=1, maximum=3, value=1)
        self.n_hidden.setToolTip("number of hidden tanh layers")
        self.hidden = [QSpinBox(minimum=1, maximum=1000, value=3) for _ in range(3)]
        hid = QHBoxLayout()
        for h in self.hidden:
            h.setToolTip("units in this hidden layer")
            hid.addWidget(h)
        self.lam = QLineEdit()
        self.lam.setToolTip("L2 regularisation λ; each data set starts at the seeds' value")
        self.lam.textEdited.connect(lambda _t: setattr(self, "_lam_edited", True))
        self._lam_edited = False
        self.lam_hint = QLabel()
        self.lam_hint.setWordWrap(True)
        self.lam_hint.setStyleSheet(theme.HINT_STYLE)
        self.loss = QComboBox()
        self.loss.addItems(["ce", "appauc"])
        self.loss.setToolTip("ce: cross-entropy; appauc: approximate AUC (binary problems)")
        self.locality = QSpinBox(minimum=0, maximum=1000, specialValueText="off")
        self.locality.setToolTip("keep only the k nearest-neighbour links of each hidden unit")
        self.reg_bias = QCheckBox("regularise biases")
        self.reg_bias.setChecked(True)
        model = QFormLayout()
        model.addRow("hidden layers", self.n_hidden)
        model.addRow("units per layer", hid)
        model.addRow("λ", self.lam)
        model.addRow("", self.lam_hint)
        model.addRow("loss", self.loss)
        model.addRow("locality", self.locality)
        model.addRow("", self.reg_bias)
        self.model_box = QGroupBox("Model")
        self.model_box.setLayout(model)
        options_box = QGroupBox("Data options")
        options_box.setLayout(opts)

        # -- output
        self.path = QLineEdit(str(Path(folder) / "untitled.lmapp"))
        browse_out = QPushButton("Browse…")
        browse_out.clicked.connect(self._browse_out)
        out = QHBoxLayout()
        out.addWidget(QLabel("Project file"))
        out.addWidget(self.path, 1)
        out.addWidget(browse_out)

        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file contents
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create")

        cols = QHBoxLayout()
        cols.addWidget(options_box, 1)
        cols.addWidget(self.model_box, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(source_box)
        lay.addLayout(cols)
        lay.addLayout(out)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

        self.preset.currentIndexChanged.connect(self._default_lambda)
        self.use_csv.toggled.connect(self._default_lambda)
        self._default_lambda()
        for w in (self.preset, self.label_column, self.loss):
            w.currentIndexChanged.connect(self.revalidate)
        for w in (self.seed, self.n_train, self.n_test, self.n_hidden, self.locality, *self.hidden):
            w.valueChanged.connect(self.revalidate)
        for w in (self.mislabel, self.test_fraction, self.turns, self.noise, self.cells):
            w.valueChanged.connect(self.revalidate)
        for w in (self.lam, self.path):
            w.textChanged.connect(self.revalidate)
        self.csv_path.editingFinished.connect(self._csv_changed)
        self.use_csv.toggled.connect(self.revalidate)
        self.reg_bias.toggled.connect(self.revalidate)
        self.revalidate()

    def _default_lambda(self) -> None:
        """The data set's default λ (unless the user typed one), with where it comes from."""
        name = "" if self.use_csv.isChecked() else self.preset.currentText()
        lam = default_lambda(name)
        if not self._lam_edited:
            self.lam.setText(f"{lam:g}")
        self.lam_hint.setText(f"default {lam:g}: {lambda_source(name)}")

    # -- validation ----------------------------------------------------------------------------
    @property
    def is_valid(self) -> bool:
        return self._valid is not None and not self._timer.isActive() and not self._bg.busy

    def revalidate(self) -> None:
        """Inputs changed: disable OK and validate shortly (debounced)."""
        self._valid = None
        self._serial += 1
        self.ok_button.setEnabled(False)
        self._sync_enabled()
        self._timer.start()

    def _sync_enabled(self) -> None:
        csv_mode = self.use_csv.isChecked()
        name = self.preset.currentText()
        generated = not csv_mode and name not in TABLES
        self.preset.setEnabled(not csv_mode)
        self.csv_path.setEnabled(csv_mode)
        self.label_column.setEnabled(csv_mode)
        self.preview.setVisible(csv_mode and self.preview.rowCount() > 0)
        self.test_fraction.setEnabled(not generated)
        self.n_train.setEnabled(generated and name != "xor")
        self.n_test.setEnabled(generated and name != "xor")
        for w, names in GENERATOR_FIELDS.items():
            getattr(self, w).setEnabled(not csv_mode and name in names)
        self.model_box.setEnabled(csv_mode or name != "regression")
        for k, h in enumerate(self.hidden):
            h.setEnabled(k < self.n_hidden.value())

    def _validate_now(self) -> None:
        try:
            request = self._request()
        except ValueError as exc:
            self._show_error(str(exc))
            return
        serial = self._serial
        self._bg.submit(lambda _state: _build(request), tag=serial)

    def _request(self) -> dict[str, Any]:
        """Everything the worker needs, read from the widgets on the GUI thread."""
        path = Path(self.path.text().strip())
        if not self.path.text().strip():
            raise ValueError("choose a project file")
        if path.exists():
            raise ValueError(f"{path.name} already exists; choose a new file name")
        if not path.parent.exists():
            raise ValueError(f"folder {path.parent} does not exist")
        try:
            lam = float(self.lam.text())
        except ValueError:
            raise ValueError(f"λ: {self.lam.text()!r} is not a number") from None
        csv_mode = self.use_csv.isChecked()
        name = self.preset.currentText()
        common = {"seed": self.seed.value(), "mislabel": self.mislabel.value()}
        if csv_mode:
            if not self.csv_path.text().strip():
                raise ValueError("choose a CSV file")
            if self.label_column.currentIndex() < 0:
                raise ValueError("choose the label column")
            if self.test_fraction.value() > 0:
                common["test_fraction"] = self.test_fraction.value()
            data = {
                "csv": self.csv_path.text().strip(),
                "label": self.label_column.currentIndex(),
                **common,
            }
        else:
            if name in TABLES and self.test_fraction.value() > 0:
                common["test_fraction"] = self.test_fraction.value()
            for key, w in (("n_train", self.n_train), ("n_test", self.n_test)):
                if w.isEnabled() and w.value() > 0:
                    common[key] = w.value()
            for key in GENERATOR_FIELDS:
                w = getattr(self, key)
                if w.isEnabled() and w.value() > w.minimum():
                    common[key] = w.value()
            data = {"name": name, **common}
        if not csv_mode and name == "regression":
            model = {"kind": "regression"}
        else:
            model = {
                "hidden": tuple(h.value() for h in self.hidden[: self.n_hidden.value()]),
                "lam": lam,
                "loss": self.loss.currentText(),
                "locality": self.locality.value() or None,
                "reg_bias": self.reg_bias.isChecked(),
            }
        return {"data": data, "model": model}

    def _validated(self, serial: int, result: tuple[Dataset, ModelSpec] | str) -> None:
        if serial != self._serial:
            return  # inputs changed meanwhile
        if isinstance(result, str):
            self._show_error(result)
            return
        self._valid = result
        data, spec = result
        self.error.setStyleSheet("")
        arch = (
            "regression model"
            if spec.kind == "regression"
            else f"{data.n_features}-{'-'.join(map(str, spec.hidden))}-{data.n_classes} network"
        )
        self.error.setText(
            f"{data.name}: {data.n_train} training and {data.X_test.shape[0]} test points · {arch}"
        )
        self.ok_button.setEnabled(True)

    def _show_error(self, text: str) -> None:
        self._valid = None
        self.error.setStyleSheet(theme.ERROR_STYLE)
        self.error.setText(text)
        self.ok_button.setEnabled(False)

    def wait_validated(self, timeout: float = 10.0) -> bool:
        """Run pending validation now and wait for it (tests)."""
        if self._timer.isActive():
            self._timer.stop()
            self._validate_now()
        self._bg.wait_idle(timeout)
        return self._valid is not None

    # -- files ------------------------------------------------------------------------------------
    def _browse_csv(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "CSV file", "", "CSV files (*.csv);;All files (*)"
        )
        if name:
            self.csv_path.setText(name)
            self.use_csv.setChecked(True)
            self._csv_changed()

    def _browse_out(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "New project", self.path.text(), "lmapp projects (*.lmapp)"
        )
        if name:
            self.path.setText(name if name.endswith(".lmapp") else name + ".lmapp")

    def _csv_changed(self) -> None:
        """Read the header and first rows: fill the label choices and the preview."""
        self.label_column.blockSignals(True)
        self.label_column.clear()
        self.preview.clear()
        self.preview.setRowCount(0)
        try:
            with open(self.csv_path.text().strip(), newline="", encoding="utf-8-sig") as fh:
                rows = [r for _, r in zip(range(PREVIEW_ROWS + 1), csv.reader(fh))]
        except (OSError, UnicodeDecodeError, csv.Error):
            rows = []
        if rows:
            header = rows[0]
            self.label_column.addItems(header)
            self.label_column.setCurrentIndex(len(header) - 1)  # labels usually come last
            self.preview.setColumnCount(len(header))
            self.preview.setHorizontalHeaderLabels(header)
            self.preview.setRowCount(len(rows) - 1)
            for i, row in enumerate(rows[1:]):
                for j, cell in enumerate(row[: len(header)]):
                    self.preview.setItem(i, j, QTableWidgetItem(cell))
        self.label_column.blockSignals(False)
        self.revalidate()

    # -- accept ---------------------------------------------------------------------------------
    def accept(self) -> None:
        """Create the project (errors are shown inline and keep the dialog open)."""
        if not self.is_valid:
            return
        data, spec = self._valid
        try:
            self.project = Project.create(self.path.text().strip(), data, spec)
        except (ProjectError, DatasetError, ModelError, OSError) as exc:
            self._show_error(str(exc))
            return
        super().accept()


def _build(request: dict[str, Any]) -> tuple[Dataset, ModelSpec] | str:
    """Build dataset and model as Project.create would; a user error becomes its message."""
    d = dict(request["data"])
    try:
        if "csv" in d:
            data = load_csv(d.pop("csv"), d.pop("label"), **d)
        else:
            data = make_dataset(d.pop("name"), **d)
        spec = ModelSpec(**request["model"])
        build_model(spec, data.X_train, data.y_train, data.n_classes)
    except (DatasetError, ModelError, ValueError) as exc:
        return str(exc)
    return data, spec

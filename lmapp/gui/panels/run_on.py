"""Where the exploration panel's jobs run: this computer, or a Dask cluster (a scheduler's
``tcp://HOST:PORT``, or ``local:N`` worker processes), with a connection check made off the GUI
thread that shows the number of workers and the Dask dashboard's link."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from ...jobs.cluster import CLUSTER_FORMS, ClusterAddress, ClusterError, ClusterInfo, check_cluster
from ..core import theme
from ..core.background import Background, error_line

HERE, CLUSTER = "this computer", "a Dask cluster"
DEFAULT_ADDRESS = "tcp://localhost:8786"


class RunOnBox(QWidget):
    """The "Run on" choice; ``cluster()`` is what a job's ``cluster=`` keyword gets."""

    changed = Signal()  #: the choice or the address changed (valid or not)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice = QComboBox()
        self.choice.addItems([HERE, CLUSTER])
        self.choice.setToolTip(
            "run explorations and connect jobs here, or as tasks on the "
            "workers of a Dask cluster (this app stays the one writer of "
            "the project file)"
        )
        self.address = QLineEdit(DEFAULT_ADDRESS)
        self.address.setToolTip(CLUSTER_FORMS)
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("connect to the cluster and count its workers")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setOpenExternalLinks(True)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Run on"), 0, 0)
        lay.addWidget(self.choice, 0, 1, 1, 2)
        lay.addWidget(self.address, 1, 1)
        lay.addWidget(self.check_button, 1, 2)
        lay.addWidget(self.status, 2, 0, 1, 3)
        lay.setColumnStretch(1, 1)
        self._checks = Background(self)
        self._checks.finished.connect(self._checked)
        self._checks.failed.connect(self._check_failed)
        self.choice.currentIndexChanged.connect(self._update)
        self.address.textChanged.connect(self._update)
        self.check_button.clicked.connect(self.check)
        self._update()

    def set_cluster(self, address: str | None) -> None:
        """Choose this computer (None) or a cluster address (tests, scripted runs)."""
        if address is not None:
            self.address.setText(address)
        self.choice.setCurrentText(HERE if address is None else CLUSTER)

    def cluster(self) -> str | None:
        """The chosen cluster's address, None for this computer (ValueError in words if the
        address is not one)."""
        if self.choice.currentText() == HERE:
            return None
        return str(ClusterAddress.parse(self.address.text()))

    def check(self) -> None:
        """Connect to the chosen cluster on a background thread and show what it has."""
        try:
            where = self.cluster()
        except ValueError:
            return  # the status line says why already
        if where is None:
            return
        self.check_button.setEnabled(False)
        self._show(f"connecting to {html.escape(where)}…", theme.HINT_STYLE)
        self._checks.submit(lambda state: check_cluster(where), where)

    def _checked(self, where: Any, info: ClusterInfo) -> None:
        link = (
            f', dashboard <a href="{html.escape(info.dashboard)}">{html.escape(info.dashboard)}</a>'
            if info.dashboard
            else ""
        )
        self._show(
            f"{html.escape(where)}: {info.workers} worker{'s' if info.workers != 1 else ''}{link}",
            "",
        )
        self.check_button.setEnabled(True)

    def _check_failed(self, where: Any, error: BaseException) -> None:
        text = str(error) if isinstance(error, ClusterError) else error_line(error)
        self._show(html.escape(text), theme.ERROR_STYLE)
        self.check_button.setEnabled(True)

    def _show(self, rich: str, style: str) -> None:
        self.status.setStyleSheet(style)
        self.status.setText(rich)

    def _update(self) -> None:
        on_cluster = self.choice.currentText() == CLUSTER
        self.address.setVisible(on_cluster)
        self.check_button.setVisible(on_cluster)
        self.status.setVisible(on_cluster)
        try:
            self.cluster()
            if self.status.styleSheet() == theme.ERROR_STYLE:
                self._show("", "")
        except ValueError as exc:
            self._show(html.escape(str(exc)), theme.ERROR_STYLE)
        self.changed.emit()

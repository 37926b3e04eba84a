"""The protocol every analysis view follows (:class:`LazyView`): data in by ``set_snapshot`` /
``set_project``, an expensive computation off the GUI thread (``Background``), ``draw`` on
it, coalesced by a short timer and skipped while the view is hidden (a tabbed-away dock) until
it is shown again; the main window, the dock registry and headless export talk to views
through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

from . import theme
from .background import Background, error_line
from .selection import SelectionModel
from .snapshots import Snapshot, empty_snapshot


class LazyView(QWidget):
    """A view whose expensive part is ``compute()`` (pure, any thread) → ``draw(result)``
    (GUI thread). ``schedule()`` coalesces requests; hidden views only mark themselves stale."""

    computed = Signal()  #: a new result was drawn
    DELAY_MS = 150

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.selection = selection
        self.snapshot: Snapshot = empty_snapshot()
        self.project: Any = None
        self._stale = False
        self._bg = Background(self)
        self._bg.finished.connect(self._on_done)
        self._bg.failed.connect(self._on_failed)
        self._timer = QTimer(self, singleShot=True, interval=self.DELAY_MS)
        self._timer.timeout.connect(self._start)
        selection.changed.connect(self.show_selection)

    # -- data in -----------------------------------------------------------------------------
    def set_snapshot(self, land: Snapshot) -> None:
        self.snapshot = land
        self.schedule()

    def set_project(self, project: Any) -> None:
        """A (new) project; a different one starts with fitted axes."""
        if project is not self.project:
            self.reset_view()
        self.project = project
        self.schedule()

    def reset_view(self) -> None:
        """Forget zoom and pan: the axes follow the data again."""
        plot = getattr(self, "plot", None)
        if plot is not None:
            plot.getPlotItem().enableAutoRange()

    def schedule(self) -> None:
        """Recompute soon (now-ish if visible, else when shown)."""
        self._stale = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self._timer.start()

    def _start(self) -> None:
        self._stale = False
        try:
            job = self.make_job()
        except ValueError as exc:
            self.message(str(exc), error=True)
            return
        if job is None:
            return
        fn, tag = job
        self._bg.submit(lambda _state: fn(), tag)

    def wait_ready(self, timeout: float = 20.0) -> bool:
        """Compute now if stale and wait for the result to be drawn (tests, export)."""
        if self._stale or self._timer.isActive():
            self._timer.stop()
            self._start()
        return self._bg.wait_idle(timeout)

    def _on_done(self, tag: Any, result: Any) -> None:
        self.draw(tag, result)
        self.show_selection()
        self.computed.emit()

    def _on_failed(self, _tag: Any, exc: Exception) -> None:
        self.message(error_line(exc), error=True)

    # -- for subclasses ----------------------------------------------------------------------
    def make_job(self) -> tuple[Callable[[], Any], Any] | None:
        """(pure function to run off-thread, tag) from the current inputs (GUI thread)."""
        raise NotImplementedError

    def draw(self, tag: Any, result: Any) -> None:
        raise NotImplementedError

    def show_selection(self) -> None:
        pass

    # -- figures ------------------------------------------------------------------------------
    def clone(self) -> LazyView:
        """A new, empty view of the same kind (with its own selection)."""
        return type(self)(SelectionModel())

    def copy_state(self, other: LazyView) -> None:
        """After drawing: take over what the controls do not hold (e.g. the C_V cursor)."""

    def export_widget(self, width: int, height: int) -> LazyView:
        """A fresh copy of this view, drawn, with the same controls, selection and zoom, for
        a figure (the copy is not on screen; the figure hides its controls)."""
        copy = self.clone()
        copy_controls(self, copy)
        copy.resize(width, height)
        copy.set_project(self.project)
        copy.set_snapshot(self.snapshot)
        copy.selection.set(self.selection.ids(), self.selection.current, self.selection.label)
        copy.wait_ready()
        copy.copy_state(self)
        plot, own = getattr(copy, "plot", None), getattr(self, "plot", None)
        if (
            plot is not None
            and own is not None
            and not any(own.getPlotItem().getViewBox().autoRangeEnabled())
        ):
            (x0, x1), (y0, y1) = own.getPlotItem().getViewBox().viewRange()
            plot.getPlotItem().getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        return copy

    def message(self, text: str, error: bool = False) -> None:
        info = getattr(self, "info", None)
        if info is not None:
            style = theme.ERROR_STYLE if error else ""
            if info.styleSheet() != style:  # a new style sheet re-polishes and re-lays out
                info.setStyleSheet(style)
            if info.text() != text:
                info.setText(text)


def copy_controls(src: QWidget, dst: QWidget) -> None:
    """Set ``dst``'s controls (attributes of the same name) to ``src``'s values."""
    for name, w in vars(src).items():
        other = getattr(dst, name, None)
        if other is None or type(other) is not type(w):
            continue
        if isinstance(w, QComboBox):
            index = other.findData(w.currentData()) if w.currentData() is not None else -1
            other.setCurrentIndex(index if index >= 0 else other.findText(w.currentText()))
        elif isinstance(w, QLineEdit):
            other.setText(w.text())
        elif (isinstance(w, QAbstractSpinBox) and hasattr(w, "value")) or isinstance(
            w, QAbstractSlider
        ):
            other.setValue(w.value())
        elif isinstance(w, QAbstractButton) and w.isCheckable():
            other.setChecked(w.isChecked())

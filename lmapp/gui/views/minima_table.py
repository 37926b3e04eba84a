"""Minima table: a sortable, filterable list of every stored minimum, its rows selected in
step with the shared selection (both ways)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.layouts import FlowLayout, group_of
from ..core.selection import SelectionModel
from ..core.snapshots import VALUE_LABELS, Snapshot, describe_minimum, empty_snapshot

#: Raw numbers for sorting and filtering (the display role holds formatted text).
SORT_ROLE = Qt.ItemDataRole.UserRole


def _pct(v: float) -> str:
    return f"{v:.1%}"


#: (column key, header, formatter) in display order.
COLUMNS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("id", "id", lambda v: f"{int(v)}"),
    ("loss", "loss", lambda v: f"{v:.8g}"),
    ("train_accuracy", "train acc.", _pct),
    ("test_accuracy", "test acc.", _pct),
    ("hessian_index", "index", lambda v: f"{int(v)}"),
    ("min_eig", "min. eigenvalue", lambda v: f"{v:.3g}"),
    ("lpphe", "LPPHE", lambda v: f"{v:.5g}"),
    ("rms_grad", "RMS gradient", lambda v: f"{v:.1e}"),
    ("n_zero_modes", "zero modes", lambda v: f"{int(v)}"),
    ("sparsity", "zero weights", lambda v: f"{int(v)}"),
    ("run_id", "run", lambda v: f"{int(v)}"),
    ("walker", "walker", lambda v: f"{int(v)}"),
    ("step", "step", lambda v: f"{int(v)}"),
)


class MinimaTableModel(QAbstractTableModel):
    """The minima of a snapshot, one row each in id order; new minima are appended as rows
    (so sorting, scrolling and selection survive live updates)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.snapshot: Snapshot = empty_snapshot()

    def set_snapshot(self, land: Snapshot) -> None:
        old = self.snapshot
        n_old = old.n_minima
        if 0 < n_old < land.n_minima and np.array_equal(old.ids, land.ids[:n_old]):
            self.beginInsertRows(QModelIndex(), n_old, land.n_minima - 1)
            self.snapshot = land
            self.endInsertRows()
        elif n_old == land.n_minima and np.array_equal(old.ids, land.ids):
            self.snapshot = land
            if n_old:
                self.dataChanged.emit(self.index(0, 0), self.index(n_old - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self.snapshot = land
            self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.snapshot.n_minima

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key, _, fmt = COLUMNS[index.column()]
        value = self.snapshot.columns[key][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "—" if isinstance(value, float) and math.isnan(value) else fmt(float(value))
        if role == SORT_ROLE:
            return float(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return describe_minimum(self.snapshot, index.row())
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return VALUE_LABELS.get(COLUMNS[section][0], "")
        return None


class MinimaFilterProxy(QSortFilterProxyModel):
    """Numeric sorting and range filters (loss, Hessian index, LPPHE, zero weights)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.ranges: dict[str, tuple[float | None, float | None]] = {}

    def set_range(self, key: str, lo: float | None, hi: float | None) -> None:
        """Keep rows with lo ≤ value ≤ hi (None: unbounded)."""
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9
            self.beginFilterChange()
            self.ranges[key] = (lo, hi)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.ranges[key] = (lo, hi)
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        cols = self.sourceModel().snapshot.columns
        for key, (lo, hi) in self.ranges.items():
            v = float(cols[key][source_row])
            if (lo is not None and not v >= lo) or (hi is not None and not v <= hi):
                return False
        return True


class MinimaTable(QWidget):
    """Filter bar + table view, synchronised with the shared selection."""

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.model = MinimaTableModel(self)
        self.proxy = MinimaFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self._size_columns()
        self._syncing = False

        self.loss_min, self.loss_max = QLineEdit(), QLineEdit()
        self.lpphe_min, self.lpphe_max = QLineEdit(), QLineEdit()
        for e in (self.loss_min, self.loss_max, self.lpphe_min, self.lpphe_max):
            e.setPlaceholderText("any")
            e.setMaximumWidth(90)
            e.editingFinished.connect(self._apply_filters)
        self.index_max = QSpinBox(minimum=-1, maximum=10_000, value=-1, specialValueText="any")
        self.index_max.setToolTip("largest Hessian index shown")
        self.sparsity_min = QSpinBox(minimum=0, maximum=1_000_000, value=0)
        self.sparsity_min.setToolTip("fewest zero weights (|w| < 1e-10) shown")
        self.index_max.valueChanged.connect(self._apply_filters)
        self.sparsity_min.valueChanged.connect(self._apply_filters)
        clear = QPushButton("Clear filters")
        clear.clicked.connect(self.clear_filters)
        self.count = QLabel()
        self.message = QLabel()
        self.message.setStyleSheet("color: #c00000;")

        bar = FlowLayout()
        for group in (
            (QLabel("loss"), self.loss_min, QLabel("–"), self.loss_max),
            (QLabel("LPPHE"), self.lpphe_min, QLabel("–"), self.lpphe_max),
            (QLabel("index ≤"), self.index_max),
            (QLabel("zero weights ≥"), self.sparsity_min),
            (clear,),
            (self.message,),
            (self.count,),
        ):
            bar.addWidget(group_of(*group))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)

        self.view.selectionModel().selectionChanged.connect(self._table_selection_changed)
        selection.changed.connect(self._show_selection)
        self._update_count()

    # -- data --------------------------------------------------------------------------------
    def _size_columns(self) -> None:
        """Widths from the header and a wide typical value, once (sizing to the contents
        formats every row: too slow for live updates of thousands of minima)."""
        header, cell = self.view.horizontalHeader(), self.view.fontMetrics()
        bold = header.fontMetrics()
        for column, (_, title, fmt) in enumerate(COLUMNS):
            sample = fmt(-0.000123456789)
            header.resizeSection(
                column, max(bold.horizontalAdvance(title) + 24, cell.horizontalAdvance(sample) + 16)
            )

    def set_snapshot(self, land: Snapshot) -> None:
        self._syncing = True
        self.model.set_snapshot(land)
        self._syncing = False
        self._show_selection()
        self._update_count()

    def visible_ids(self) -> list[int]:
        """Ids in table order (after sorting and filtering)."""
        ids = self.model.snapshot.ids
        return [
            int(ids[self.proxy.mapToSource(self.proxy.index(r, 0)).row()])
            for r in range(self.proxy.rowCount())
        ]

    # -- filters -----------------------------------------------------------------------------
    def clear_filters(self) -> None:
        for e in (self.loss_min, self.loss_max, self.lpphe_min, self.lpphe_max):
            e.clear()
        self.index_max.setValue(-1)
        self.sparsity_min.setValue(0)
        self._apply_filters()

    def _apply_filters(self) -> None:
        try:
            ranges = {
                "loss": (_num(self.loss_min, "loss"), _num(self.loss_max, "loss")),
                "lpphe": (_num(self.lpphe_min, "LPPHE"), _num(self.lpphe_max, "LPPHE")),
                "hessian_index": (
                    None,
                    None if self.index_max.value() < 0 else float(self.index_max.value()),
                ),
                "sparsity": (float(self.sparsity_min.value()) or None, None),
            }
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("")
        self._syncing = True
        for key, (lo, hi) in ranges.items():
            if self.proxy.ranges.get(key, (None, None)) != (lo, hi):
                self.proxy.set_range(key, lo, hi)
        self._syncing = False
        self._show_selection()
        self._update_count()

    def _update_count(self) -> None:
        self.count.setText(f"showing {self.proxy.rowCount()} of {self.model.rowCount()}")

    # -- selection -----------------------------------------------------------------------------
    def _table_selection_changed(self) -> None:
        if self._syncing:
            return
        ids = self.model.snapshot.ids
        rows = sorted(
            {self.proxy.mapToSource(i).row() for i in self.view.selectionModel().selectedRows()}
        )
        cur = self.view.currentIndex()
        current = (
            int(ids[self.proxy.mapToSource(cur).row()])
            if cur.isValid() and self.view.selectionModel().isRowSelected(cur.row())
            else None
        )
        self._syncing = True
        self.selection.set([int(ids[r]) for r in rows], current=current)
        self._syncing = False

    def _show_selection(self) -> None:
        if self._syncing:
            return
        land = self.model.snapshot
        proxy_rows = sorted(
            self.proxy.mapFromSource(self.model.index(int(r), 0)).row()
            for r in land.rows_of(self.selection.ids())
        )
        proxy_rows = [r for r in proxy_rows if r >= 0]
        sel = QItemSelection()
        last = len(COLUMNS) - 1
        start = prev = None
        for r in [*proxy_rows, None]:
            if start is not None and (r is None or r != prev + 1):
                sel.select(self.proxy.index(start, 0), self.proxy.index(prev, last))
                start = None
            if r is not None and start is None:
                start = r
            prev = r
        self._syncing = True
        sm = self.view.selectionModel()
        sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        cur_row = (
            land.row_of(self.selection.current) if self.selection.current is not None else None
        )
        if cur_row is not None:
            idx = self.proxy.mapFromSource(self.model.index(cur_row, 0))
            if idx.isValid():
                sm.setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.view.scrollTo(idx)
        self._syncing = False

    # -- export ----------------------------------------------------------------------------
    def export_widget(self, width: int, height: int) -> QWidget:
        """The table as it is on screen (a table has no better-looking copy)."""
        return self


def _num(edit: QLineEdit, what: str) -> float | None:
    text = edit.text().strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} bound {text!r} is not a number") from None

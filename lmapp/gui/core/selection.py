"""The one shared selection of minima: every view listens to it and sets it, so the graph,
the table and the inspector always show the same minima."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal


class SelectionModel(QObject):
    """Selected minimum ids (database ids) in the order they were picked.

    ``current`` is the most recently picked minimum (what the inspector shows); ``label``
    names how the selection was made, e.g. ``"superbasin 5_2"`` after a branch click.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids: dict[int, None] = {}  # insertion-ordered set
        self._current: int | None = None
        self._label = ""

    # -- reading ---------------------------------------------------------------------------
    def ids(self) -> list[int]:
        """Selected ids, oldest pick first."""
        return list(self._ids)

    def __contains__(self, min_id: object) -> bool:
        return min_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def current(self) -> int | None:
        return self._current

    @property
    def label(self) -> str:
        return self._label

    # -- changing --------------------------------------------------------------------------
    def set(self, ids: Iterable[int], current: int | None = None, label: str = "") -> None:
        """Replace the selection (``current`` defaults to the last of ``ids``)."""
        new = dict.fromkeys(int(i) for i in ids)
        if current is None and new:
            current = next(reversed(new))
        if current is not None and int(current) not in new:
            current = None
        self._apply(new, current, label)

    def add(self, ids: Iterable[int]) -> None:
        """Add minima to the selection; the last added becomes current."""
        new = dict(self._ids)
        last = self._current
        for i in ids:
            new[int(i)] = None
            last = int(i)
        self._apply(new, last, "")

    def toggle(self, min_id: int) -> None:
        """Add a minimum, or remove it if already selected (Ctrl-click)."""
        min_id = int(min_id)
        new = dict(self._ids)
        if min_id in new:
            del new[min_id]
            current = self._current if self._current != min_id else next(reversed(new), None)
        else:
            new[min_id] = None
            current = min_id
        self._apply(new, current, "")

    def clear(self) -> None:
        self._apply({}, None, "")

    def retain(self, valid: Iterable[int]) -> None:
        """Drop ids that no longer exist (e.g. after opening another project)."""
        keep = {int(i) for i in valid}
        new = {i: None for i in self._ids if i in keep}
        if len(new) != len(self._ids):
            self._apply(new, self._current if self._current in new else None, self._label)

    def _apply(self, ids: dict[int, None], current: int | None, label: str) -> None:
        if list(ids) == list(self._ids) and current == self._current and label == self._label:
            return
        self._ids, self._current, self._label = ids, current, label
        self.changed.emit()

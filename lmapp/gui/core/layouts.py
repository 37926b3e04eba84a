"""Layout helpers the views share: a bar of labelled controls that wraps onto more lines when
its dock is narrow, the controls–plot–notes column of every plot view, word-wrapped note
labels, and a scroll area for tall panels."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class FlowLayout(QLayout):
    """Items left to right, wrapping onto the next line when the width runs out (so a dock's
    controls never set its minimum width beyond its widest single item)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """One line of everything."""
        w = sum(i.sizeHint().width() for i in self._items) + self._spacing * max(
            len(self._items) - 1, 0
        )
        h = max((i.sizeHint().height() for i in self._items), default=0)
        m = self.contentsMargins()
        return QSize(w + m.left() + m.right(), h + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        """The widest single item (everything else wraps)."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line > 0:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


def group_of(*widgets: QWidget) -> QWidget:
    """Widgets that wrap as one (a label and its control)."""
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(4)
    for w in widgets:
        lay.addWidget(w)
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return box


def control_bar(
    labelled: Sequence[tuple[str, QWidget]], *more: QWidget, right: Sequence[QWidget] = ()
) -> QLayout:
    """Label–control pairs, then unlabelled widgets, then ``right``; they wrap onto more lines
    when the view is narrower than one line of them."""
    bar = FlowLayout()
    for text, widget in labelled:
        bar.addWidget(group_of(QLabel(text), widget))
    for widget in (*more, *right):
        bar.addWidget(widget)
    return bar


def view_column(
    owner: QWidget, bar: QLayout, body: QWidget | QLayout, *below: QWidget | QLayout
) -> QVBoxLayout:
    """``owner``'s layout: the controls on top, ``body`` (the plot) taking the spare height,
    then ``below`` (contributors, notes) in order. The controls and ``below`` are the view's
    ``figure_chrome``: an exported figure shows ``body`` only."""
    owner.figure_chrome = [bar, *below]  # type: ignore[attr-defined]
    lay = QVBoxLayout(owner)
    lay.setContentsMargins(4, 4, 4, 4)
    lay.addLayout(bar)
    for item, stretch in ((body, 1), *((b, 0) for b in below)):
        if isinstance(item, QLayout):
            lay.addLayout(item, stretch)
        else:
            lay.addWidget(item, stretch)
    return lay


def note_label() -> QLabel:
    """A word-wrapped label for a view's status and hints."""
    label = QLabel()
    label.setWordWrap(True)
    return label


def scrolling(widget: QWidget) -> QScrollArea:
    """A tall panel in a scroll area, so that it never forces the window taller."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area

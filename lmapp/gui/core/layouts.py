"""Layout helpers the views share: a bar of labelled controls, the controls–plot–notes column
of every plot view, word-wrapped note labels, and a scroll area for tall panels."""
from __future__ import annotations

from typing import Sequence

from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLayout, QScrollArea, QVBoxLayout, QWidget)


def control_bar(labelled: Sequence[tuple[str, QWidget]], *more: QWidget,
                right: Sequence[QWidget] = ()) -> QHBoxLayout:
    """Label–control pairs, then unlabelled widgets, a stretch, and ``right`` at the end."""
    bar = QHBoxLayout()
    for text, widget in labelled:
        bar.addWidget(QLabel(text))
        bar.addWidget(widget)
    for widget in more:
        bar.addWidget(widget)
    bar.addStretch(1)
    for widget in right:
        bar.addWidget(widget)
    return bar


def view_column(owner: QWidget, bar: QLayout, body: QWidget | QLayout,
                *below: QWidget | QLayout) -> QVBoxLayout:
    """``owner``'s layout: the controls on top, ``body`` (the plot) taking the spare height,
    then ``below`` (contributors, notes) in order."""
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

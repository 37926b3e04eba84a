"""Colours, pens and pyqtgraph settings shared by every view, so exports look alike."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

#: Selected branches and leaf markers.
SELECTION_COLOR = QColor(230, 120, 0)
#: Hovered leaf or branch.
HOVER_COLOR = QColor(0, 150, 200)
#: Branch lines when not coloured by a value.
LINE_COLOR = QColor(30, 30, 30)
#: Values that are not defined (NaN), e.g. accuracy of a regression model.
MISSING_COLOR = QColor(170, 170, 170)
#: Network edges: positive weights red, negative blue.
POSITIVE_COLOR = QColor(200, 40, 40)
NEGATIVE_COLOR = QColor(40, 80, 200)
#: Heat-capacity contributors: minima gaining occupation with T (g_α > 0) blue, losing red.
GAINING_COLOR = QColor(40, 80, 200)
LOSING_COLOR = QColor(200, 40, 40)
#: Middle of the diverging map: light enough to recede, dark enough to see on white.
NEUTRAL_COLOR = QColor(200, 200, 200)
#: Colour map of per-minimum values: viridis without its palest yellow (unreadable on white).
COLORMAP = "viridis"
COLORMAP_SPAN = 0.85
#: Inline validation messages.
ERROR_STYLE = "color: #c00000;"
#: Style of secondary explanations (defaults and where they come from).
HINT_STYLE = "color: #606060;"
#: Style of warnings that are not errors.
WARNING_STYLE = "color: #a05a00;"


def value_colormap() -> pg.ColorMap:
    """The colour map of per-minimum values, readable on a white background."""
    return pg.colormap.get(COLORMAP).getSubset(0.0, COLORMAP_SPAN)


def diverging_colormap() -> pg.ColorMap:
    """Signed values (e.g. g_α): red (most negative) – grey (0) – blue (most positive)."""
    return pg.ColorMap([0.0, 0.5, 1.0], [LOSING_COLOR, NEUTRAL_COLOR, GAINING_COLOR])


def color_bar(
    cmap: pg.ColorMap, values: tuple[float, float] = (0.0, 1.0), label: str | None = None
) -> pg.ColorBarItem:
    """A read-only colour bar whose axis grows to fit its numbers (pyqtgraph's fixed width
    silently drops labels such as 0.0115) and shows them without SI prefixes."""
    bar = pg.ColorBarItem(values=values, colorMap=cmap, interactive=False, width=14, label=label)
    bar.axis.setWidth(None)
    bar.axis.enableAutoSIPrefix(False)
    return bar


def configure_pyqtgraph() -> None:
    """White plots with black axes and antialiased lines (readable on screen and in reports)."""
    pg.setConfigOptions(background="w", foreground="k", antialias=True)

"""The analysis views as docks of the main window: heat capacity (tabbed with the inspector,
beside the graph), misclassification heatmap, Euclidean-vs-misclassification scatter and the
network of minima (tabbed behind the disconnectivity graph), all sharing the window's
selection.

The main window calls :func:`install_analysis_docks` once and
:func:`update_analysis_docks` from its landscape-changed handler. Each view computes off the
GUI thread and only while visible (a tabbed-away view catches up when raised).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from ..views.cv_view import CvView
from ..views.distance_scatter import DistanceScatterView
from ..views.heatmap_view import DistanceSource, HeatmapView
from ..views.network_view import NetworkView
from ..core.snapshots import Landscape

#: key → dock title, in tab order.
TITLES = {"cv": "Heat capacity", "heatmap": "Misclassification heatmap",
          "scatter": "Distance scatter", "network": "Network of minima"}


def make_analysis_views(selection: Any) -> dict[str, Any]:
    """The four views on one selection (heatmap and scatter share one prediction cache)."""
    source = DistanceSource()
    return {"cv": CvView(selection), "heatmap": HeatmapView(selection, source),
            "scatter": DistanceScatterView(selection, source), "network": NetworkView(selection)}


#: Dock each view is tabbed with: the heat capacity beside the graph (with the inspector), so
#: that picking a temperature visibly recolours the graph; the others behind the graph.
TAB_WITH = {"cv": "inspector", "heatmap": "graph", "scatter": "graph", "network": "graph"}


def install_analysis_docks(window: QMainWindow) -> dict[str, QDockWidget]:
    """Create the analysis views on ``window.selection``, wrap each with ``window._dock`` and
    place them (:func:`place_analysis_docks`). Returns key → dock (keys: ``cv``,
    ``heatmap``, ``scatter``, ``network``; each dock's ``widget()`` is the view)."""
    views = make_analysis_views(window.selection)
    docks = {key: window._dock(TITLES[key], view) for key, view in views.items()}
    place_analysis_docks(window, docks)
    if getattr(window, "project", None) is not None or getattr(window, "landscape", None) is not None:
        update_analysis_docks(docks, getattr(window, "landscape", None),
                              getattr(window, "project", None))
    return docks


def place_analysis_docks(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Dock each view (floating or closed ones too) as a tab of the window's dock named in
    TAB_WITH (else the graph's, else the right dock area); the existing tabs stay in front."""
    existing = getattr(window, "docks", {})
    anchors = []
    for key, dock in docks.items():
        dock.setFloating(False)
        dock.show()
        anchor = existing.get(TAB_WITH[key]) or existing.get("graph")
        if anchor is not None:
            window.tabifyDockWidget(anchor, dock)
            anchors.append(anchor)
        else:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    for anchor in anchors:
        anchor.raise_()


def update_analysis_docks(docks: dict[str, QDockWidget], land: Landscape | None,
                          project: Any) -> None:
    """Give every analysis view the new snapshot and project (None: no project open).
    Cheap: views recompute later, off the GUI thread, and only when visible."""
    for dock in docks.values():
        view = dock.widget()
        if hasattr(view, "set_project") and getattr(view, "project", None) is not project:
            view.set_project(project)
        if land is not None:
            view.set_landscape(land)


def analysis_views(docks: dict[str, QDockWidget]) -> dict[str, Any]:
    """key → view of installed docks (for export lists and tests)."""
    return {key: dock.widget() for key, dock in docks.items()}

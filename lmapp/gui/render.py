"""Headless rendering of a project's views to image files (``lmapp render``, ``lmapp dgraph``
and tests call this, so reports show exactly what the app draws)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from ..api import Project
from .dgraph_view import DGraphPlot, GraphSettings, layout_graph
from .export import render_offscreen
from .inspector import InspectorView
from .selection import SelectionModel
from .snapshots import Landscape, read_landscape

VIEWS = ("dgraph", "weights", "decision")


def ensure_app() -> QApplication:
    """The running QApplication, or a new one on the offscreen platform (no display needed)."""
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(sys.argv[:1])
    return app


def dgraph_widget(land: Landscape, settings: GraphSettings = GraphSettings(),
                  selected: list[int] = ()) -> DGraphPlot:
    """A disconnectivity-graph plot of a snapshot, laid out now (on this thread)."""
    plot = DGraphPlot()
    plot.show_graph(land, layout_graph(land, settings), settings)
    plot.show_selection(land.rows_of(list(selected)))
    return plot


def weights_widget(project: Project, land: Landscape, ids: list[int]) -> QWidget:
    """The inspector showing one minimum (or comparing two)."""
    selection = SelectionModel()
    view = InspectorView(selection)
    view.set_project(project.model, project.dataset)
    view.set_landscape(land)
    selection.set(ids)
    return view


def render_project(project_path: str | Path, view: str, out: str | Path, *, width: int = 1200,
                   height: int = 800, dpi: int = 96, minimum: int | None = None,
                   settings: GraphSettings = GraphSettings()) -> Path:
    """Render one view of a project file to PNG, SVG or PDF (by the extension of ``out``).

    ``dgraph``: the disconnectivity graph (``minimum`` highlighted if given); ``weights``: the
    network of ``minimum`` (default: the global minimum); ``decision``: its decision map.
    Raises ValueError for bad input.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if view == "decision":
        from .decision_view import render_decision
        return render_decision(project_path, minimum, out, width, height)
    ensure_app()
    with Project.open(project_path, readonly=True) as project:
        land = read_landscape(project.file, project.model, project.dataset)
        if minimum is not None and land.row_of(minimum) is None:
            raise ValueError(f"no minimum with id {minimum} in {project_path}")
        if view == "dgraph":
            widget = dgraph_widget(land, settings, [] if minimum is None else [minimum])
        else:
            if land.n_minima == 0:
                raise ValueError(f"{project_path} has no minima yet")
            lowest = int(land.ids[land.values("loss").argmin()])
            widget = weights_widget(project, land, [lowest if minimum is None else minimum])
        try:
            return render_offscreen(widget, out, width, height, dpi)
        finally:
            widget.close()
            widget.deleteLater()

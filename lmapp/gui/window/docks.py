"""The one registry of the main window's docks: what each is (title, how its view is made), where
it goes by default (area, or the dock it is split from or tabbed with), and how every view is
fed. The window, the View menu, Reset layout and export all read it.

Every view follows one protocol (:mod:`lmapp.gui.core.view`): optional ``set_project(project)``
(``None`` when the project closes; the view then forgets everything of the old one) and
``set_snapshot(snapshot)``, both cheap on the GUI thread. A live snapshot reaches the views one
per turn of the event loop (:meth:`Docks.update_live`), so their costs never add up to a stall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from ..core.layouts import scrolling
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot
from ..panels.conserved_panel import ConservedPanel
from ..panels.mlsup_panel import MlsupPanel
from ..views.cv_view import CvView
from ..views.decision_view import DecisionView
from ..views.dgraph_view import DGraphView
from ..views.distance_scatter import DistanceScatterView
from ..views.heatmap_view import DistanceSource, HeatmapView
from ..views.inspector import InspectorView
from ..views.minima_table import MinimaTable
from ..views.network_view import NetworkView

Area = Qt.DockWidgetArea
LEFT, RIGHT = Area.LeftDockWidgetArea, Area.RightDockWidgetArea


@dataclass(frozen=True)
class Shared:
    """What views are built from: the window's selection and what several views share."""

    selection: SelectionModel
    distances: DistanceSource


@dataclass(frozen=True)
class DockSpec:
    """One dock: ``make`` builds its view; it goes to ``area``, below ``below`` (split), or as a
    tab behind ``tab_with``; ``scroll`` wraps long forms in a scroll area."""

    key: str
    title: str
    make: Callable[[Shared], QWidget] | None  #: None: the window supplies the view
    area: Area = RIGHT
    below: str | None = None
    tab_with: str | None = None
    scroll: bool = False
    export: bool = True  #: offered by File → Export view


#: In creation order; a dock's ``below``/``tab_with`` names an earlier one. The heat capacity
#: sits beside the graph (tabbed with the inspector), so a picked T visibly recolours it.
DOCKS: tuple[DockSpec, ...] = (
    DockSpec("graph", "Disconnectivity graph", lambda s: DGraphView(s.selection), LEFT),
    DockSpec("table", "Minima", lambda s: MinimaTable(s.selection), LEFT, below="graph"),
    DockSpec("inspector", "Minimum inspector", lambda s: InspectorView(s.selection), RIGHT),
    DockSpec("explore", "Exploration", None, RIGHT, below="inspector", scroll=True, export=False),
    DockSpec("cv", "Heat capacity", lambda s: CvView(s.selection), tab_with="inspector"),
    DockSpec(
        "mlsup",
        "MLSUP ensembles",
        lambda s: MlsupPanel(s.selection),
        tab_with="inspector",
        scroll=True,
    ),
    DockSpec(
        "conserved",
        "Conserved weights",
        lambda s: ConservedPanel(s.selection),
        tab_with="inspector",
        scroll=True,
    ),
    DockSpec("decision", "Decision map", lambda s: DecisionView(s.selection), tab_with="inspector"),
    DockSpec(
        "heatmap",
        "Misclassification heatmap",
        lambda s: HeatmapView(s.selection, s.distances),
        tab_with="graph",
    ),
    DockSpec(
        "scatter",
        "Distance scatter",
        lambda s: DistanceScatterView(s.selection, s.distances),
        tab_with="graph",
    ),
    DockSpec("network", "Network of minima", lambda s: NetworkView(s.selection), tab_with="graph"),
)
#: Default widths (graph column, right column) and heights (graph, table; inspector, explore).
WIDTHS = (820, 520)
HEIGHTS = ((560, 240), (560, 260))


def dock_widget(window: QMainWindow, key: str, title: str, widget: QWidget) -> QDockWidget:
    """A movable, floatable, closable dock that may shrink below its content (scroll areas
    and plots take what room there is)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(key)
    dock.setWidget(widget)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    return dock


class Docks:
    """The window's docks by key: their views, the View menu actions and the default layout."""

    def __init__(
        self,
        window: QMainWindow,
        selection: SelectionModel,
        given: dict[str, QWidget] | None = None,
    ) -> None:
        """Build every dock of DOCKS on ``window``; ``given`` supplies views the window made
        itself (the exploration panel, which needs the job queue)."""
        self.window = window
        self.shared = Shared(selection, DistanceSource())
        self._views: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self._live: Snapshot | None = None  # the snapshot the views in _due still have to get
        self._due: list[str] = []
        self._then: Callable[[], None] | None = None  # called once every view has _live
        self._feed = QTimer(window, singleShot=True, interval=0)
        self._feed.timeout.connect(self._feed_next)
        for spec in DOCKS:
            view = (given or {}).get(spec.key)
            if view is None:
                if spec.make is None:
                    raise ValueError(f"the window must supply the view of dock {spec.key!r}")
                view = spec.make(self.shared)
            self._views[spec.key] = view
            self.docks[spec.key] = dock_widget(
                window, spec.key, spec.title, scrolling(view) if spec.scroll else view
            )
        mlsup, decision = self._views["mlsup"], self._views["decision"]
        mlsup.ensemble_ready.connect(lambda name, ens: decision.set_ensemble(name, ens, show=False))
        self.reset_layout()

    def view(self, key: str) -> Any:
        """The view (not its scroll area) of dock ``key``."""
        return self._views[key]

    def __getitem__(self, key: str) -> QDockWidget:
        return self.docks[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.docks)

    def actions(self) -> list[QAction]:
        """One checkable show/hide action per dock, for the View menu (a closed dock can always
        be reopened there)."""
        return [self.docks[s.key].toggleViewAction() for s in DOCKS]

    def exportable(self) -> dict[str, QWidget]:
        """Title → view of the docks File → Export view offers."""
        return {s.title: self._views[s.key] for s in DOCKS if s.export}

    def reset_layout(self) -> None:
        """Every dock back to its default place, shown and docked (View → Reset layout)."""
        w = self.window
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        for spec in DOCKS:
            if spec.below is None and spec.tab_with is None:
                w.addDockWidget(spec.area, self.docks[spec.key])
        for spec in DOCKS:
            if spec.below is not None:
                w.splitDockWidget(
                    self.docks[spec.below], self.docks[spec.key], Qt.Orientation.Vertical
                )
        for spec in DOCKS:
            if spec.tab_with is not None:
                w.tabifyDockWidget(self.docks[spec.tab_with], self.docks[spec.key])
        for key in ("graph", "inspector"):
            self.docks[key].raise_()
        d = self.docks
        w.resizeDocks([d["graph"], d["inspector"]], list(WIDTHS), Qt.Orientation.Horizontal)
        w.resizeDocks([d["graph"], d["table"]], list(HEIGHTS[0]), Qt.Orientation.Vertical)
        w.resizeDocks([d["inspector"], d["explore"]], list(HEIGHTS[1]), Qt.Orientation.Vertical)

    def update(self, land: Snapshot | None, project: Any, skip: tuple[str, ...] = ()) -> None:
        """Give every view (but those in ``skip``) the project, when it changed, and the new
        snapshot, now."""
        for key, view in self._views.items():
            if key in skip:
                continue
            if hasattr(view, "set_project") and getattr(view, "project", None) is not project:
                view.set_project(project)
            if land is not None and hasattr(view, "set_snapshot"):
                view.set_snapshot(land)
        self._due, self._then = [], None  # a project change or full update supersedes it

    def update_live(
        self, land: Snapshot, skip: tuple[str, ...] = (), then: Callable[[], None] | None = None
    ) -> None:
        """Give the views (but those in ``skip``) a new snapshot, one view per turn of the
        event loop, then call ``then``; a newer snapshot replaces one that not every view
        has yet (and its ``then``)."""
        self._live, self._then = land, then
        self._due = [
            key
            for key, view in self._views.items()
            if key not in skip and hasattr(view, "set_snapshot")
        ]
        self._feed.start()

    def _feed_next(self) -> None:
        if self._due and self._live is not None:
            self._views[self._due.pop(0)].set_snapshot(self._live)
        if self._due:
            self._feed.start()
        elif self._then is not None:
            then, self._then = self._then, None
            then()

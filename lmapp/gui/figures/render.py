"""Headless rendering of a project's views to image files (``lmapp render``, ``lmapp dgraph``
and tests call this, so reports show exactly what the app draws).

Each view has a builder in :data:`VIEW_SPECS` that returns a widget drawn synchronously. Qt
and the view modules are imported by the builders only, so the command line reads
:data:`VIEWS` and the option choices here without starting Qt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...api import Project
from .styles import LAYOUT_DPI, FigureStyle
from .view_names import VIEWS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QComboBox, QWidget

    from ..core.snapshots import Snapshot
    from ..core.view import LazyView
    from ..views.dgraph_view import GraphSettings

#: Longest wait for a view's computation, in seconds.
COMPUTE_TIMEOUT = 300.0


@dataclass(frozen=True)
class RenderOptions:
    """What a rendered view shows besides the project; None keeps the view's own default."""

    minimum: int | None = None  #: shown (weights, decision) or highlighted (the others)
    settings: GraphSettings | None = None  #: dgraph layout and colour
    tmin: float | None = None  #: cv temperature window
    tmax: float | None = None
    temperature: float | None = None  #: cv cursor
    kind: str | None = None  #: heatmap, scatter: one of landscape.distances.KINDS
    part: str | None = None  #: heatmap, scatter: one of landscape.distances.PARTS
    order: str | None = None  #: heatmap: one of landscape.distances.ORDERS


Builder = Callable[[Project, "Snapshot", RenderOptions], "QWidget"]


#: what the offscreen platform says about every window it shows: not about the figure
_PLATFORM_CHATTER = ("This plugin does not support propagateSizeHints()",)


def _quiet_platform(_mode: Any, context: Any, message: str) -> None:
    """Qt's messages on stderr, less the offscreen platform's chatter."""
    if message not in _PLATFORM_CHATTER:
        category = getattr(context, "category", None)
        print(
            f"{category}: {message}" if category and category != "default" else message,
            file=sys.stderr,
        )


def ensure_app() -> QApplication:
    """The running QApplication, or a new one on the offscreen platform (no display needed)."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        if os.environ["QT_QPA_PLATFORM"] == "offscreen":
            qInstallMessageHandler(_quiet_platform)
        app = QApplication(sys.argv[:1])
    return app


def global_minimum(land: Snapshot) -> int:
    """Id of the lowest-loss minimum (ValueError without minima)."""
    if land.n_minima == 0:
        raise ValueError("it has no minima yet")
    return int(land.ids[land.values("loss").argmin()])


# -- builders: (open project, snapshot, options) → a drawn widget -------------------------------
def dgraph_widget(project: Project, land: Snapshot, opts: RenderOptions) -> QWidget:
    """A disconnectivity-graph plot of a snapshot, laid out now, ``opts.minimum`` highlighted.

    Computed colourings: ``cv_contribution`` at ``opts.temperature`` (default the highest C_V
    peak); ``misclass_distance`` to ``opts.minimum`` (default the global minimum) with
    ``opts.kind`` and ``opts.part``.
    """
    from ..views.dgraph_view import DGraphPlot, GraphSettings, layout_graph
    from ..views.graph_colors import CV_KEY, DISTANCE_KEY, computed_colors

    settings = opts.settings or GraphSettings()
    key = settings.color_by
    for name, needs in (("temperature", CV_KEY), ("kind", DISTANCE_KEY), ("part", DISTANCE_KEY)):
        if getattr(opts, name) is not None and key != needs:
            raise ValueError(f"{name} applies to the graph only with --color {needs}")
    reference = opts.minimum
    if key == DISTANCE_KEY and reference is None and land.n_minima:
        reference = global_minimum(land)
    colors = computed_colors(
        key,
        project,
        land,
        temperature=opts.temperature,
        reference=reference,
        kind=opts.kind or "differ",
        part=opts.part or "test",
    )
    plot = DGraphPlot()
    plot.show_graph(land, layout_graph(land, settings, colors), settings, colors)
    plot.show_selection(land.rows_of([] if reference is None else [reference]))
    return plot


def weights_widget(project: Project, land: Snapshot, opts: RenderOptions) -> QWidget:
    """The inspector showing ``opts.minimum`` (default: the global minimum)."""
    from ..core.selection import SelectionModel
    from ..views.inspector import InspectorView

    shown = global_minimum(land) if opts.minimum is None else opts.minimum
    selection = SelectionModel()
    view = InspectorView(selection)
    view.set_project(project)
    view.set_snapshot(land)
    selection.set([shown])
    return view


def cv_widget(project: Project, land: Snapshot, opts: RenderOptions) -> QWidget:
    """The heat-capacity view over the T window of ``opts`` (default automatic), with the T
    cursor at ``opts.temperature`` (default the highest peak)."""
    from ..core.selection import SelectionModel
    from ..views.cv_view import CvView

    view = CvView(SelectionModel())
    for edit, value in ((view.t_min, opts.tmin), (view.t_max, opts.tmax)):
        if value is not None:
            edit.setText(repr(float(value)))
    drawn(view, project, land)
    if opts.temperature is not None:
        T = view.result.thermo.T
        if not T[0] <= opts.temperature <= T[-1]:
            raise ValueError(
                f"temperature {opts.temperature:g} lies outside the plotted range "
                f"{T[0]:.3g} to {T[-1]:.3g} (set it with --tmin/--tmax)"
            )
        view.set_temperature(opts.temperature)
    return view


def heatmap_widget(project: Project, land: Snapshot, opts: RenderOptions) -> QWidget:
    """The misclassification heatmap (``opts`` kind, part, order), ``opts.minimum`` outlined."""
    from ..core.selection import SelectionModel
    from ..views.heatmap_view import HeatmapView

    view = HeatmapView(SelectionModel())
    choose(view.kind, "kind", opts.kind)
    choose(view.part, "part", opts.part)
    choose(view.order, "order", opts.order)
    return drawn(view, project, land, opts.minimum)


def scatter_widget(project: Project, land: Snapshot, opts: RenderOptions) -> QWidget:
    """Euclidean against misclassification distance of every pair (``opts`` kind, part)."""
    from ..core.selection import SelectionModel
    from ..views.distance_scatter import DistanceScatterView

    view = DistanceScatterView(SelectionModel())
    choose(view.kind, "kind", opts.kind)
    choose(view.part, "part", opts.part)
    return drawn(view, project, land)


def network_widget(project: Project, land: Snapshot, opts: RenderOptions) -> QWidget:
    """The network of minima, ``opts.minimum`` ringed."""
    from ..core.selection import SelectionModel
    from ..views.network_view import NetworkView

    return drawn(NetworkView(SelectionModel()), project, land, opts.minimum)


def choose(combo: QComboBox, name: str, value: str | None) -> None:
    """Set a view's combo box to the item holding ``value`` (None: keep its default)."""
    if value is None:
        return
    index = combo.findData(value)
    if index < 0:
        choices = ", ".join(str(combo.itemData(i)) for i in range(combo.count()))
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    combo.setCurrentIndex(index)


def drawn(view: LazyView, project: Project, land: Snapshot, minimum: int | None = None) -> LazyView:
    """Give an analysis view its project and snapshot, select ``minimum``, compute and draw
    now; ValueError with the view's own message when it has nothing to draw, or no minima."""
    view.set_project(project)
    view.set_snapshot(land)
    if minimum is not None:
        view.selection.set([minimum])
    if not view.wait_ready(COMPUTE_TIMEOUT):
        raise ValueError(f"the view is still computing after {COMPUTE_TIMEOUT:g} s")
    if view.result is None:
        raise ValueError(view.info.text())
    global_minimum(land)  # an empty project draws an empty plot: refuse it
    return view


@dataclass(frozen=True)
class ViewSpec:
    """How to build one view and which :class:`RenderOptions` (besides ``settings``) it reads."""

    build: Builder | None  #: None: the decision map, rendered by its own module
    options: tuple[str, ...] = ()


VIEW_SPECS: dict[str, ViewSpec] = {
    "dgraph": ViewSpec(dgraph_widget, ("minimum", "temperature", "kind", "part")),
    "weights": ViewSpec(weights_widget, ("minimum",)),
    "decision": ViewSpec(None, ("minimum",)),
    "cv": ViewSpec(cv_widget, ("tmin", "tmax", "temperature")),
    "heatmap": ViewSpec(heatmap_widget, ("minimum", "kind", "part", "order")),
    "scatter": ViewSpec(scatter_widget, ("kind", "part")),
    "network": ViewSpec(network_widget, ("minimum",)),
}
assert tuple(VIEW_SPECS) == VIEWS, "view_names.VIEWS lists the views of VIEW_SPECS"


#: option → the views that read it (the others refuse it).
OPTION_VIEWS: dict[str, tuple[str, ...]] = {
    name: tuple(v for v, s in VIEW_SPECS.items() if name in s.options)
    for name in dict.fromkeys(n for s in VIEW_SPECS.values() for n in s.options)
}


def misplaced_options(view: str, options: RenderOptions) -> list[str]:
    """Names of the options set in ``options`` that ``view`` does not read."""
    return [
        n
        for n, views in OPTION_VIEWS.items()
        if view not in views and getattr(options, n) is not None
    ]


def view_spec(view: str, options: RenderOptions) -> ViewSpec:
    """The spec of ``view``; ValueError for an unknown view or an option it does not read."""
    if view not in VIEW_SPECS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    misplaced = misplaced_options(view, options)
    if misplaced:
        name = misplaced[0]
        raise ValueError(
            f"option {name} does not apply to the {view} view (only to "
            f"{', '.join(OPTION_VIEWS[name])})"
        )
    return VIEW_SPECS[view]


def render_project(
    project_path: str | Path,
    view: str,
    out: str | Path,
    *,
    style: FigureStyle | None = None,
    dpi: int = LAYOUT_DPI,
    options: RenderOptions = RenderOptions(),
) -> Path:
    """Render one view of a project file as a figure (its plot, axes, colour bar and legend,
    no controls) to PNG, SVG or PDF (by the extension of ``out``).

    ``view`` is one of VIEWS; ``style`` the figure's size and fonts (default: 12.5 × 8.3 in
    at 10 pt); ``options`` as in :class:`RenderOptions`. Raises ValueError for bad input
    (before anything is written).
    """
    style = style or FigureStyle()
    spec = view_spec(view, options)
    if spec.build is None:
        from ..views.decision_view import render_decision

        return render_decision(project_path, options.minimum, out, style, dpi)
    ensure_app()
    from ..core.snapshots import read_snapshot

    with Project.open(project_path, readonly=True) as project:
        land = read_snapshot(project.file, project.model, project.dataset)
        if options.minimum is not None and land.row_of(options.minimum) is None:
            raise ValueError(f"no minimum with id {options.minimum} in {project_path}")
        try:
            widget = spec.build(project, land, options)
        except ValueError as exc:
            raise ValueError(f"cannot render the {view} view of {project_path}: {exc}") from None
        from .figure import save_figure

        try:
            return save_figure(widget, out, style, dpi)
        finally:
            widget.close()
            widget.deleteLater()

"""Computed colourings of the disconnectivity graph that link it to the analysis views
(SPEC §3.3, §3.5): the C_V contribution g_α = dp_α/dT at the heat-capacity view's temperature
(blue: minima gaining occupation, red: losing; a branch shows its superbasin's sum), and the
misclassification distance of every minimum to the selected one."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from ...landscape.distances import KINDS, distance_to
from ...landscape.thermo import g_alpha
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot
from .cv_view import DEFAULT_POINTS, CvView, compute_cv, default_temperatures
from .dgraph_view import ColorValues, DGraphView
from .heatmap_view import PART_LABELS, DistanceSource, HeatmapView

CV_KEY, DISTANCE_KEY = "cv_contribution", "misclass_distance"
#: Colour-menu entries of the computed colourings.
MENU = {CV_KEY: "C_V contribution at T", DISTANCE_KEY: "misclassification distance to selected"}


def main_peak_temperature(land: Snapshot) -> float | None:
    """T of the highest C_V peak in the automatic temperature window (None: no peak)."""
    if land.n_minima < 2:
        return None
    lo, hi = default_temperatures(land)
    result = compute_cv(land, np.geomspace(lo, hi, DEFAULT_POINTS), auto=True)
    return float(result.thermo.T[result.peaks[0]]) if result.peaks.size else None


def cv_contribution_colors(T: float | None = None) -> ColorValues:
    """g_α(T) of every minimum: red–grey–blue, branches summed (a superbasin's dp/dT);
    ``T`` None: at the highest C_V peak of the snapshot (NaN, drawn grey, if it has none)."""
    if T is not None and not (np.isfinite(T) and T > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {T!r}")

    def values(land: Snapshot) -> np.ndarray:
        at = main_peak_temperature(land) if T is None else T
        if land.n_minima == 0 or at is None:
            return np.full(land.n_minima, np.nan)
        return g_alpha(land.values("loss"), land.values("lpphe"), float(at))

    where = "the highest C_V peak" if T is None else f"T = {T:.3g}"
    return ColorValues(
        f"g_α = dp_α/dT at {where}  (blue gaining, red losing)",
        values,
        diverging=True,
        branch_value="sum",
    )


def distance_colors(
    source: DistanceSource, reference: int | None, kind: str = "differ", part: str = "test"
) -> ColorValues:
    """Misclassification distance of every minimum to minimum ``reference`` (NaN, drawn grey,
    when there is no reference or no classifier); branches show their closest minimum."""
    if kind not in KINDS or part not in PART_LABELS:
        raise ValueError(f"kind must be one of {KINDS} and part one of {tuple(PART_LABELS)}")
    why = source.usable()

    def values(land: Snapshot) -> np.ndarray:
        row = None if reference is None else land.row_of(reference)
        if source.usable() or row is None:
            return np.full(land.n_minima, np.nan)
        pred, y = source.predictions(land, part)
        return distance_to(pred, y, row, kind)

    if why:
        label = f"misclassification distance ({why})"
    elif reference is None:
        label = "misclassification distance (select a minimum)"
    else:
        label = f"misclassification distance to minimum {reference} ({PART_LABELS[part]})"
    return ColorValues(label, values, branch_value="min")


def computed_colors(
    key: str,
    project: object,
    land: Snapshot,
    *,
    temperature: float | None = None,
    reference: int | None = None,
    kind: str = "differ",
    part: str = "test",
) -> ColorValues | None:
    """The computed colouring ``key`` of an open project's snapshot for headless rendering
    (None for a stored column): g_α at ``temperature`` (default: the highest C_V peak, named
    in the label), or distances to minimum ``reference``."""
    if key == CV_KEY:
        T = main_peak_temperature(land) if temperature is None else temperature
        if T is None and land.n_minima:
            raise ValueError("the landscape has no C_V peak; give a temperature")
        return cv_contribution_colors(T)
    if key == DISTANCE_KEY:
        source = DistanceSource()
        source.set_project(project)
        if source.usable():
            raise ValueError(source.usable())
        return distance_colors(source, reference, kind, part)
    return None


class GraphColorLinks(QObject):
    """Keeps the graph's computed colourings in step with the C_V cursor, the selection and
    the heatmap's distance settings; a temperature picked in the C_V view (peak click,
    cursor drag) switches the graph to C_V colouring. Inputs that did not change lay nothing
    out again."""

    def __init__(
        self, graph: DGraphView, cv: CvView, heatmap: HeatmapView, selection: SelectionModel
    ) -> None:
        super().__init__(graph)
        self.graph, self.cv, self.heatmap, self.selection = graph, cv, heatmap, selection
        self._reference: int | None = None
        self._T: float | None = None
        cv.contributorsChanged.connect(lambda T, _pos, _neg: self.refresh_cv(T))
        cv.temperaturePicked.connect(self._temperature_picked)
        selection.changed.connect(self._selection_changed)
        for combo in (heatmap.kind, heatmap.part):
            combo.currentIndexChanged.connect(lambda _i: self.refresh_distance())
        self.refresh()

    def refresh(self, relayout: bool = True) -> None:
        """Recompute both colourings' inputs (e.g. after the project changed)."""
        self.refresh_cv(self.cv.T_cursor, relayout, force=True)
        self.refresh_distance(relayout)

    def refresh_cv(self, T: float | None, relayout: bool = True, force: bool = False) -> None:
        """C_V colouring at T (None: the highest peak); nothing to do if T is unchanged."""
        if T == self._T and not force:
            return
        self._T = T
        self.graph.set_color_values(CV_KEY, MENU[CV_KEY], cv_contribution_colors(T), relayout)

    def refresh_distance(self, relayout: bool = True) -> None:
        colors = distance_colors(
            self.heatmap.source,
            self._reference,
            self.heatmap.kind.currentData(),
            self.heatmap.part.currentData(),
        )
        self.graph.set_color_values(DISTANCE_KEY, MENU[DISTANCE_KEY], colors, relayout)

    def _selection_changed(self) -> None:
        if self.selection.current != self._reference:
            self._reference = self.selection.current
            self.refresh_distance()

    def _temperature_picked(self, T: float) -> None:
        if self.graph.color.currentData() != CV_KEY:
            self.refresh_cv(T, relayout=False)
            self.graph.color_by(CV_KEY)
        else:
            self.refresh_cv(T)  # already laid out if contributorsChanged brought this T

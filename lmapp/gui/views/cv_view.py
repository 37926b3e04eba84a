"""Heat-capacity view (SPEC §3.3): C_V(T) of the harmonic superposition of the stored minima on
a log-T axis with its peaks marked, the C⁺/C⁻ split, the occupation entropy S(T) and the
frustration F(T); a T cursor lists the minima gaining (g_α > 0) and losing (g_α < 0)
occupation fastest, and one click on a peak selects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...landscape.msb import minimax_barrier_to
from ...landscape.thermo import Thermo, find_peaks, g_alpha, heat_capacity, top_contributors
from ...words import minima, transition_states
from ..core import theme
from ..core.layouts import control_bar, note_label, view_column
from ..core.plots import PICK_PIXELS, on_scene_click, picking_plot
from ..core.selection import SelectionModel
from ..core.snapshots import Snapshot
from ..core.view import LazyView

#: Default number of temperatures.
DEFAULT_POINTS = 300
#: Most peaks labelled with their temperature.
MAX_PEAK_LABELS = 6
#: Where along the T cursor (0 bottom … 1 top) its label sits.
CURSOR_LABEL_AT = 0.06
#: Default number of contributors of each sign.
DEFAULT_TOP = 5


# -- computation ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CvResult:
    thermo: Thermo | None  #: None for an empty landscape
    peaks: np.ndarray  #: indices into thermo.T, highest first
    n_params: int
    note: str


def kappa_of(land: Snapshot) -> int:
    """κ = number of parameters − zero modes of the global minimum."""
    n_params = int(land.weights.shape[1]) if land.weights.ndim == 2 else 0
    if land.n_minima == 0:
        return n_params
    g = int(np.argmin(land.values("loss")))
    return max(n_params - int(land.columns["n_zero_modes"][g]), 0)


def default_temperatures(land: Snapshot, n: int = DEFAULT_POINTS) -> tuple[float, float]:
    """A T window that spans the loss gaps between minima (k_B = 1, T in loss units)."""
    e = np.unique(land.values("loss")) if land.n_minima else np.zeros(0)
    e = e[np.isfinite(e)]
    span = float(np.ptp(e)) if e.size > 1 else 0.0
    if span <= 0:
        scale = abs(float(e[0])) if e.size and e[0] != 0 else 1.0
        return 1e-4 * scale, 10.0 * scale
    gap = float(np.diff(e).min())
    lo = max(gap, span * 1e-6) / 100.0
    return lo, span * 10.0


def trim_range(
    T: np.ndarray, Cv: np.ndarray, kappa: int, rel: float = 1e-3, pad_decades: float = 0.7
) -> tuple[float, float]:
    """The part of a T grid where C_V differs visibly from κ/2, padded on a log scale."""
    excess = np.abs(Cv - 0.5 * kappa)
    big = np.flatnonzero(excess > rel * max(float(excess.max()), 1e-12))
    if big.size == 0 or excess.max() < 1e-9:
        return float(T[0]), float(T[-1])
    lo = max(float(T[big[0]]) / 10**pad_decades, float(T[0]))
    hi = min(float(T[big[-1]]) * 10**pad_decades, float(T[-1]))
    return lo, hi


def compute_cv(land: Snapshot, T: np.ndarray, auto: bool = False) -> CvResult:
    """Curves and peaks of a snapshot (pure; any thread); ``auto``: narrow the grid to where
    C_V is not flat (same number of points)."""
    n_params = int(land.weights.shape[1]) if land.weights.ndim == 2 else 0
    if land.n_minima == 0:
        return CvResult(None, np.zeros(0, np.int64), n_params, "no minima yet")
    L, lp = land.values("loss"), land.values("lpphe")
    kappa = kappa_of(land)
    g = int(np.argmin(L))
    barrier = None
    if land.n_ts:
        barrier = minimax_barrier_to(g, L, land.ts_loss, land.ts_a, land.ts_b)
    n_pos = (
        n_params
        - land.columns["n_zero_modes"].astype(np.int64)
        - land.columns["hessian_index"].astype(np.int64)
    )
    th = heat_capacity(L, lp, T, kappa, barrier=barrier, n_pos=n_pos)
    if auto and land.n_minima > 1:
        lo, hi = trim_range(th.T, th.Cv, kappa)
        if hi > lo and (lo, hi) != (T[0], T[-1]):
            th = heat_capacity(
                L, lp, np.geomspace(lo, hi, T.size), kappa, barrier=barrier, n_pos=n_pos
            )
    peaks = find_peaks(th.T, th.Cv)
    notes = [
        f"κ = {kappa} (parameters {n_params} − zero modes {n_params - kappa} of the global minimum)"
    ]
    if land.n_ts == 0:
        notes.append("F(T) needs transition states")
    elif th.excluded.size:
        notes.append(
            f"{minima(th.excluded.size)} not connected to the global minimum (left out of F)"
        )
    if th.mode_mismatch.size:
        notes.append(f"{minima(th.mode_mismatch.size)} with another count of positive modes")
    return CvResult(th, peaks, n_params, " · ".join(notes))


# -- the view ------------------------------------------------------------------------------------
CURVES = {"cv": "heat capacity C_V(T)", "S": "entropy S(T)", "F": "frustration F(T)"}


class CvView(LazyView):
    """C_V(T) with peaks, C⁺/C⁻, S(T), F(T), a T cursor and the contributors at the cursor."""

    #: T, positive contributors [(id, g)], negative contributors [(id, g)]
    contributorsChanged = Signal(float, object, object)
    #: the user picked a temperature (peak or plot click, cursor drag, select button)
    temperaturePicked = Signal(float)

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(selection, parent)
        self.result: CvResult | None = None
        self._T_cursor: float | None = None

        self.curve = QComboBox()
        for key, text in CURVES.items():
            self.curve.addItem(text, key)
        self.t_min = QLineEdit(placeholderText="auto")
        self.t_max = QLineEdit(placeholderText="auto")
        for w, tip in (
            (self.t_min, "lowest temperature (loss units, k_B = 1)"),
            (self.t_max, "highest temperature (loss units, k_B = 1)"),
        ):
            w.setMaximumWidth(80)
            w.setToolTip(tip)
        self.points = QSpinBox(minimum=20, maximum=5000, value=DEFAULT_POINTS)
        self.points.setToolTip("number of temperatures (log-spaced)")
        self.top_k = QSpinBox(minimum=1, maximum=1000, value=DEFAULT_TOP)
        self.top_k.setToolTip("how many minima of each sign to list and select")
        self.select_button = QPushButton("Select top contributors")
        self.select_button.setToolTip("select the minima with the largest |g_α| at the cursor T")
        self.select_button.clicked.connect(self.select_contributors)

        self.plot, self._vb = picking_plot(
            "temperature T (loss units)", "C<sub>V</sub> / k<sub>B</sub>", log_x=True
        )
        pi = self.plot.getPlotItem()
        pi.setLogMode(x=True, y=False)
        self._vb.setDefaultPadding(0.08)  # room for the peak labels above the highest peak
        self._legend = pi.addLegend(offset=(-10, 10), labelTextSize="9pt")
        self._lines: dict[str, pg.PlotDataItem] = {}
        styles = {
            "cv": ("C<sub>V</sub>", pg.mkPen((20, 20, 20), width=2)),
            "plus": ("C⁺ (g > 0)", pg.mkPen(theme.GAINING_COLOR, width=1.5)),
            "minus": ("C⁻ (g &lt; 0)", pg.mkPen(theme.LOSING_COLOR, width=1.5)),  # HTML label
            "base": ("κ/2", pg.mkPen((120, 120, 120), width=1, style=Qt.PenStyle.DashLine)),
            "S": ("S(T)", pg.mkPen((20, 20, 20), width=2)),
            "F": ("F(T), p̃ = p/(1 − p_gmin)", pg.mkPen((20, 20, 20), width=2)),
            "F_raw": (
                "F(T) with p",
                pg.mkPen((120, 120, 120), width=1.5, style=Qt.PenStyle.DashLine),
            ),
        }
        for key, (name, pen) in styles.items():
            item = pg.PlotDataItem(pen=pen, name=name)
            self._lines[key] = item
            pi.addItem(item)
        self._peaks = pg.PlotDataItem(
            pen=None,
            symbol="o",
            symbolSize=10,
            symbolBrush=theme.SELECTION_COLOR,
            symbolPen=pg.mkPen("k", width=0.8),
            name="C<sub>V</sub> peaks",
        )
        pi.addItem(self._peaks)
        self._peak_labels = [
            pg.TextItem(color=(90, 50, 0), anchor=(0.5, 1.3)) for _ in range(MAX_PEAK_LABELS)
        ]
        for label in self._peak_labels:
            label.hide()
            pi.addItem(label, ignoreBounds=True)
        self._legend_state: tuple | None = None  #: (curve, peaks shown) the legend lists
        self.cursor = pg.InfiniteLine(
            angle=90,
            movable=True,
            pen=pg.mkPen(theme.HOVER_COLOR, width=1.5),
            hoverPen=pg.mkPen(theme.HOVER_COLOR, width=3),
            label="T = {value:.3g}",
            labelOpts={
                # at the foot of the line: peak labels are at the top
                "position": CURSOR_LABEL_AT,
                "color": theme.HOVER_COLOR.darker(130),
                "fill": (255, 255, 255, 200),
            },
        )
        self.cursor.hide()
        pi.addItem(self.cursor, ignoreBounds=True)
        self._fix_cursor_label()
        self.cursor.sigPositionChanged.connect(self._cursor_moved)
        # scene-level clicks: a peak under the legend or the cursor line still picks
        on_scene_click(self.plot, self._vb, self._on_click)
        self._cursor_timer = QTimer(self, singleShot=True, interval=40)
        self._cursor_timer.timeout.connect(self._cursor_settled)

        self.contributors = note_label()
        self.contributors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info = note_label()
        fit = QPushButton("Fit")
        fit.setToolTip("fit the axes to the curves shown")
        fit.clicked.connect(self.fit)
        bar = control_bar(
            (
                ("Show", self.curve),
                ("T from", self.t_min),
                ("to", self.t_max),
                ("points", self.points),
            ),
            right=(fit,),
        )
        low = QHBoxLayout()
        low.addWidget(self.contributors, 1)
        low.addWidget(QLabel("top"))
        low.addWidget(self.top_k)
        low.addWidget(self.select_button)
        view_column(self, bar, self.plot, low, self.info)

        self.curve.currentIndexChanged.connect(self._show_curves)
        self.t_min.editingFinished.connect(self.schedule)
        self.t_max.editingFinished.connect(self.schedule)
        self.points.valueChanged.connect(self.schedule)
        self.top_k.valueChanged.connect(self._update_contributors)
        self._show_curves()
        self.message("no minima yet")

    def set_project(self, project: Any) -> None:
        """A new project: its own temperatures (the cursor returns to the highest peak)."""
        if project is not self.project:
            self._T_cursor = None
        super().set_project(project)

    def _fix_cursor_label(self) -> None:
        # the label shows log10(T) in log mode: format T itself
        self.cursor.label.setFormat("")
        self.cursor.sigPositionChanged.connect(
            lambda: self.cursor.label.setText(f"T = {10 ** self.cursor.value():.3g}")
        )

    # -- computing -----------------------------------------------------------------------------
    def temperatures(self) -> np.ndarray:
        """The T grid from the controls (ValueError with a message if invalid)."""
        lo, hi = default_temperatures(self.snapshot)
        lo = _float_or(self.t_min.text(), lo, "T from")
        hi = _float_or(self.t_max.text(), hi, "T to")
        if not hi > lo:
            raise ValueError(f"T to ({hi:g}) must exceed T from ({lo:g})")
        return np.geomspace(lo, hi, self.points.value())

    def make_job(self):
        land, T = self.snapshot, self.temperatures()
        auto = not (self.t_min.text().strip() or self.t_max.text().strip())
        return (lambda: compute_cv(land, T, auto)), land

    def draw(self, land: Snapshot, result: CvResult) -> None:
        self.result = result
        self._drawn_land = land
        th = result.thermo
        if th is None:
            for item in self._lines.values():
                item.setData([], [])
            self._peaks.setData([], [])
            self.cursor.hide()
            self.message(result.note)
            self.contributors.setText("")
            return
        T = th.T
        self._lines["cv"].setData(T, th.Cv)
        self._lines["plus"].setData(T, 0.5 * th.kappa + th.Cplus)
        self._lines["minus"].setData(T, 0.5 * th.kappa + th.Cminus)
        self._lines["base"].setData(T[[0, -1]], [0.5 * th.kappa] * 2)
        self._lines["S"].setData(T, th.S)
        F_ok = np.isfinite(th.F).any()
        self._lines["F"].setData(T if F_ok else [], th.F if F_ok else [])
        self._lines["F_raw"].setData(T if F_ok else [], th.F_raw if F_ok else [])
        # cursor: keep its T if inside the new range, else the highest peak (or the middle)
        if self._T_cursor is None or not T[0] <= self._T_cursor <= T[-1]:
            self._T_cursor = (
                float(T[result.peaks[0]]) if result.peaks.size else float(np.sqrt(T[0] * T[-1]))
            )
        self.cursor.blockSignals(True)
        self.cursor.setBounds((np.log10(T[0]), np.log10(T[-1])))
        self.cursor.setValue(np.log10(self._T_cursor))
        self.cursor.blockSignals(False)
        self.cursor.label.setText(f"T = {self._T_cursor:.3g}")
        self.cursor.show()
        self._show_curves()
        n_peaks = result.peaks.size
        peaks_text = ", ".join(f"{T[i]:.3g}" for i in result.peaks[:5])
        self.message(
            f"{minima(land.n_minima)}, {transition_states(land.n_ts)} · "
            f"{n_peaks} C_V peak{'s' if n_peaks != 1 else ''}"
            f"{' at T = ' + peaks_text if n_peaks else ''} · {result.note} · "
            "click a peak to select its contributors; drag the cursor to read others"
        )
        self._update_contributors()

    def _show_curves(self) -> None:
        """Show the chosen curves, their legend and the peak labels. Runs on every redraw, so
        the legend is rebuilt only when its entries change and peak labels are reused (both
        are slow to create)."""
        key = self.curve.currentData()
        visible = {"cv": ("cv", "plus", "minus", "base"), "S": ("S",), "F": ("F", "F_raw")}[key]
        for k, item in self._lines.items():
            item.setVisible(k in visible)
        th = self.result.thermo if self.result else None
        show_peaks = key == "cv" and th is not None and self.result.peaks.size > 0
        if self._legend_state is None or self._legend_state[0] != key:
            self._legend.clear()
            for k in visible:
                self._legend.addItem(self._lines[k], self._lines[k].name())
            self._legend_state = (key, False)
        if self._legend_state[1] != show_peaks:  # live: peaks come and go, the curves stay
            if show_peaks:
                self._legend.addItem(self._peaks, self._peaks.name())
            else:
                self._legend.removeItem(self._peaks)
            self._legend_state = (key, show_peaks)
        self._peaks.setVisible(show_peaks)
        shown = self.result.peaks[: len(self._peak_labels)] if show_peaks else ()
        for k, label in enumerate(self._peak_labels):
            label.setVisible(k < len(shown))
        if show_peaks:
            p = self.result.peaks
            self._peaks.setData(th.T[p], th.Cv[p])
            for label, i in zip(self._peak_labels, shown):
                label.setText(f"{th.T[i]:.3g}")
                label.setPos(float(np.log10(th.T[i])), float(th.Cv[i]))
        ylabel = {
            "cv": "C<sub>V</sub> / k<sub>B</sub>",
            "S": "S = −Σ p ln p",
            "F": "frustration F",
        }[key]
        axis = self.plot.getPlotItem().getAxis("left")
        if axis.labelText != ylabel:  # a new label re-lays the plot out
            axis.setLabel(ylabel)
        if key == "F" and th is not None and not np.isfinite(th.F).any():
            self.message(
                "F(T) needs transition states joining minima to the global minimum (run Connect)",
                error=False,
            )
        self.fit()

    def fit(self) -> None:
        """Fit the axes to the curves shown now and follow them (each curve choice has its own
        y range: hidden curves are left out of the bounds). One range computation: showing or
        hiding a curve does not tell the view box, and new data needs no second one at paint."""
        self._vb.enableAutoRange()
        self._vb.updateAutoRange()

    # -- cursor and contributors ---------------------------------------------------------------
    @property
    def T_cursor(self) -> float | None:
        return self._T_cursor

    def set_temperature(self, T: float) -> None:
        """Move the cursor to T (contributors follow)."""
        self._T_cursor = float(T)
        self.cursor.blockSignals(True)
        self.cursor.setValue(np.log10(T))
        self.cursor.blockSignals(False)
        self.cursor.label.setText(f"T = {T:.3g}")
        self._update_contributors()

    def _cursor_moved(self) -> None:
        self._T_cursor = float(10 ** self.cursor.value())
        self._cursor_timer.start()  # throttle while dragging

    def _cursor_settled(self) -> None:
        self._update_contributors()
        self.temperaturePicked.emit(self._T_cursor)

    def cv_contribution(self, T: float | None = None) -> np.ndarray:
        """g_α(T) = dp_α/dT of every minimum of the drawn snapshot (row order; NaN-free), at
        ``T`` or at the cursor; empty without minima. Views can colour minima by it."""
        land = getattr(self, "_drawn_land", self.snapshot)
        T = self._T_cursor if T is None else T
        if land.n_minima == 0 or T is None:
            return np.zeros(land.n_minima)
        return g_alpha(land.values("loss"), land.values("lpphe"), float(T))

    def contributors_at(
        self, T: float | None = None
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Top-k positive and negative contributors [(minimum id, g_α)] at T (or the cursor)."""
        land = getattr(self, "_drawn_land", self.snapshot)
        T = self._T_cursor if T is None else T
        if land.n_minima == 0 or T is None:
            return [], []
        L, lp = land.values("loss"), land.values("lpphe")
        pos, neg = top_contributors(L, lp, float(T), self.top_k.value())
        g = g_alpha(L, lp, float(T))
        ids = land.ids
        return (
            [(int(ids[i]), float(g[i])) for i in pos],
            [(int(ids[i]), float(g[i])) for i in neg],
        )

    def _update_contributors(self) -> None:
        T = self._T_cursor
        if T is None or self.result is None or self.result.thermo is None:
            self.contributors.setText("")
            return
        pos, neg = self.contributors_at(T)
        fmt = lambda items: ", ".join(f"{i} ({g:+.3g})" for i, g in items) or "none"  # noqa: E731
        self.contributors.setText(
            f"<b>T = {T:.4g}</b> &nbsp; gaining occupation (g &gt; 0): "
            f"{fmt(pos)}<br>losing occupation (g &lt; 0): {fmt(neg)}"
        )
        self.select_button.setEnabled(bool(pos or neg))
        self.contributorsChanged.emit(T, pos, neg)

    def select_contributors(self) -> None:
        """Select the top contributors at the cursor T."""
        T = self._T_cursor
        if T is None:
            return
        pos, neg = self.contributors_at(T)
        ids = [i for i, _ in pos] + [i for i, _ in neg]
        if ids:
            self.selection.set(ids, current=ids[0], label=f"C_V contributors at T={T:.3g}")
        self.temperaturePicked.emit(T)

    # -- clicks --------------------------------------------------------------------------------
    def peak_point(self, k: int = 0) -> QPointF:
        """View point of the k-th highest peak (x is log10 T), for tests and scripted clicks."""
        th, p = self.result.thermo, self.result.peaks
        return QPointF(float(np.log10(th.T[p[k]])), float(th.Cv[p[k]]))

    def _on_click(self, point: QPointF, modifiers: object = None) -> None:
        """A click on a peak selects its contributors; elsewhere moves the cursor."""
        if self.result is None or self.result.thermo is None:
            return
        th, p = self.result.thermo, self.result.peaks
        if self.curve.currentData() == "cv" and p.size:
            px, py = self._vb.viewPixelSize()
            dx = (np.log10(th.T[p]) - point.x()) / px
            dy = (th.Cv[p] - point.y()) / py
            k = int(np.argmin(np.hypot(dx, dy)))
            if np.hypot(dx[k], dy[k]) <= PICK_PIXELS:
                self.set_temperature(float(th.T[p[k]]))
                self.select_contributors()
                return
        lo, hi = np.log10(th.T[0]), np.log10(th.T[-1])
        self.set_temperature(float(10 ** np.clip(point.x(), lo, hi)))
        self.temperaturePicked.emit(self._T_cursor)

    def copy_state(self, other: LazyView) -> None:
        if (
            other.T_cursor is not None
            and self.result is not None
            and self.result.thermo is not None
        ):
            self.set_temperature(other.T_cursor)


def _float_or(text: str, default: float, what: str) -> float:
    text = text.strip()
    if text in ("", "auto"):
        return default
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{what} must be a finite temperature > 0")
    return v

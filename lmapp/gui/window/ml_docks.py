"""Docks of the ML analyses (MLSUP, conserved weights, decision maps) for the main window."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from ..panels.conserved_panel import ConservedPanel
from ..views.decision_view import DecisionView
from ..core.layouts import scrolling
from ..panels.mlsup_panel import MlsupPanel

#: dock key → (title, widget class)
ML_DOCKS = {"mlsup": ("MLSUP ensembles", MlsupPanel),
            "conserved": ("Conserved weights", ConservedPanel),
            "decision": ("Decision map", DecisionView)}


def install_ml_docks(window: Any) -> dict[str, QDockWidget]:
    """Create the ML docks on ``window`` (a MainWindow: ``_dock``, ``selection``, optional
    ``docks``), tabify them with the inspector (or each other) and return them by key.
    Each dock's panel is ``dock.panel``; trained ensembles show up in the decision map."""
    docks: dict[str, QDockWidget] = {}
    for key, (title, cls) in ML_DOCKS.items():
        panel = cls(window.selection)
        dock = window._dock(title, scrolling(panel) if key != "decision" else panel)
        dock.panel = panel  # type: ignore[attr-defined]
        docks[key] = dock
    place_ml_docks(window, docks)
    mlsup, decision = docks["mlsup"].panel, docks["decision"].panel
    mlsup.ensemble_ready.connect(lambda name, ens: decision.set_ensemble(name, ens, show=False))
    return docks


def place_ml_docks(window: Any, docks: dict[str, QDockWidget]) -> None:
    """Dock the ML panels (floating or closed ones too) as tabs of the inspector (or of each
    other); the inspector stays in front."""
    existing = getattr(window, "docks", {}) or {}
    anchor = existing.get("inspector") or next(iter(existing.values()), None)
    first = anchor
    for dock in docks.values():
        dock.setFloating(False)
        dock.show()
        if first is None:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            first = dock
        else:
            if window.dockWidgetArea(first) == Qt.DockWidgetArea.NoDockWidgetArea:
                window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, first)
            window.tabifyDockWidget(first, dock)
    if anchor is not None:
        anchor.raise_()


def update_ml_docks(docks: dict[str, QDockWidget], land: Any = None, project: Any = None,
                    project_changed: bool | None = None) -> None:
    """Hand a new landscape snapshot and/or project to the ML panels. The project is re-set
    only when it is a different object than the panels hold (or ``project_changed``)."""
    for dock in docks.values():
        panel = dock.panel  # type: ignore[attr-defined]
        changed = project_changed if project_changed is not None else panel.project is not project
        if changed:
            if land is not None:  # no redraw of the new snapshot with the old model
                panel.landscape = land
                if hasattr(panel, "gate_map"):
                    panel.gate_map.landscape = land
            panel.set_project(project)
        elif land is not None:
            panel.set_landscape(land)

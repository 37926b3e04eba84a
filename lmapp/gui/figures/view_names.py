"""The views a figure can show, by name: Qt-free, so the command line offers them as choices
without importing the renderer (:mod:`.render` builds each one)."""

from __future__ import annotations

VIEWS = ("dgraph", "weights", "decision", "cv", "heatmap", "scatter", "network")

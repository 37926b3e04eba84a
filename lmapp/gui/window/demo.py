"""The bundled demo project (``lmapp --demo``): a small two-spiral landscape (400/200 points,
3 hidden units, λ = 1e-4) explored and connected, so every view shows something true: ~50
distinct minima all connected to the global minimum, minima that misclassify different test
points (MLSUP of two beats the best single minimum), C_V peaks made of different minima.
``python -m lmapp.gui.window.demo`` (or ``make demo``) regenerates
``lmapp/resources/demo.lmapp``."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from ...api import Project
from ...landscape.model import ModelSpec
from ...store import ProjectError, ProjectFile
from ...words import minima, transition_states
from ..core.project_files import copy_project

BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "demo.lmapp"
MODEL = ModelSpec(hidden=(3,), lam=1e-4)
DATASET = {"n_train": 400, "n_test": 200, "seed": 0}
EXPLORE = {"steps": 400, "walkers": 2, "seed": 0, "temperature": 1.0}
CONNECT = {"mode": "all", "workers": 2}  # default budget: room to connect every minimum


def build_demo(path: str | Path) -> Path:
    """Create the demo project at ``path`` (a new file), explore it and connect every minimum
    to the global minimum (about 15 s)."""
    with Project.create(path, "spiral", MODEL, **DATASET) as project:
        project.explore(**EXPLORE)
        project.connect(**CONNECT)
    return Path(path)


def demo_project(folder: str | Path | None = None) -> Path:
    """A user-writable demo project: an existing valid copy in ``folder`` (default: the app
    data folder), else a copy of the bundled file, else one built now."""
    folder = Path(
        folder or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.lmapp"
    if path.exists():
        try:
            ProjectFile.open(path, readonly=True).close()
            return path
        except ProjectError:
            path.unlink()
    if BUNDLED.is_file():
        return copy_project(BUNDLED, path)
    return build_demo(path)


def main(argv: list[str] | None = None) -> int:
    """Regenerate the bundled demo (or write it to the path given)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else BUNDLED
    for p in (out, Path(f"{out}-wal"), Path(f"{out}-shm")):
        p.unlink(missing_ok=True)
    build_demo(out)
    conn = sqlite3.connect(out)
    try:  # one self-contained file (no -wal/-shm) to ship
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    with Project.open(out, readonly=True) as project:
        print(
            f"wrote {out}: {minima(project.file.n_minima())}, "
            f"{transition_states(project.file.n_transition_states())}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

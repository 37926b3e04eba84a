"""The bundled demo project (``lmapp --demo``): a short XOR exploration and connect run, with
enough minima and transition states to show every view. ``python -m lmapp.gui.demo``
regenerates ``lmapp/resources/demo.lmapp``."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from ..api import Project
from ..landscape.model import ModelSpec
from ..store import ProjectError, ProjectFile
from .project_files import copy_project

BUNDLED = Path(__file__).resolve().parent.parent / "resources" / "demo.lmapp"
#: XOR with 5 hidden units and a weak λ has a couple of dozen minima (3 units: only 7).
MODEL = ModelSpec(hidden=(5,), lam=1e-4)
EXPLORE = {"steps": 2000, "walkers": 2, "seed": 0, "temperature": 1.0}
CONNECT = {"mode": "all", "budget": 100, "workers": 2}


def build_demo(path: str | Path) -> Path:
    """Create the demo project at ``path`` (a new file), explore it and search transition
    states towards the global minimum (a few seconds)."""
    with Project.create(path, "xor", MODEL) as project:
        project.explore(**EXPLORE)
        project.connect(**CONNECT)
    return Path(path)


def demo_project(folder: str | Path | None = None) -> Path:
    """A user-writable demo project: an existing valid copy in ``folder`` (default: the app
    data folder), else a copy of the bundled file, else one built now."""
    folder = Path(folder or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation))
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
        print(f"wrote {out}: {project.file.n_minima()} minima, "
              f"{project.file.n_transition_states()} transition states")
    return 0


if __name__ == "__main__":
    sys.exit(main())

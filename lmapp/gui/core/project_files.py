"""Project files from the app's side: safe copies (Save As, the demo) and the recent list."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings

#: How many recent projects the File menu lists.
MAX_RECENT = 8


def copy_project(src: str | Path, dst: str | Path) -> Path:
    """Copy a project file with SQLite's backup API (a consistent snapshot even while a job
    writes to ``src``), into a temporary file that then atomically replaces ``dst``."""
    src, dst = Path(src).absolute(), Path(dst).absolute()
    if src == dst:
        raise ValueError("source and destination are the same file")
    fd, tmp = tempfile.mkstemp(suffix=".lmapp.tmp", dir=dst.parent)
    os.close(fd)
    try:
        source = sqlite3.connect(f"{src.as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = WAL")  # readers beside a writer, as created
        finally:
            target.close()
            source.close()
        for side in ("-wal", "-shm"):  # a stale journal must not be applied to the new file
            Path(str(dst) + side).unlink(missing_ok=True)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dst


def recent_projects() -> list[str]:
    """Recently opened projects that still exist, newest first."""
    value = QSettings().value("recent", [])
    paths = [value] if isinstance(value, str) else list(value or [])
    return [p for p in paths if Path(p).is_file()]


def remember_project(path: str | Path) -> list[str]:
    """Put a project at the top of the recent list."""
    path = str(Path(path).absolute())
    paths = [path] + [p for p in recent_projects() if p != path]
    QSettings().setValue("recent", paths[:MAX_RECENT])
    return paths[:MAX_RECENT]


def trusted_modules() -> list[str]:
    """User-model modules the user allowed the app to import (asked once per module)."""
    value = QSettings().value("trusted_user_modules", [])
    return [value] if isinstance(value, str) else list(value or [])


def remember_trusted(module: str) -> None:
    """Remember that the user trusts ``module``."""
    QSettings().setValue("trusted_user_modules", sorted({*trusted_modules(), module}))

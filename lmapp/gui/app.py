"""Starting the desktop app: ``lmapp`` (no subcommand) and ``lmapp --demo`` end up here."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .window.main_window import MainWindow, ensure_identity

#: the application icon: lmapp.svg and its PNGs lmapp-SIZE.png (packaging/make-icons.py)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def app_icon() -> QIcon:
    """The lmapp icon at every drawn size, so title bars and task switchers pick a sharp one."""
    icon = QIcon()
    for png in sorted(ICONS.glob("lmapp-*.png")):
        icon.addFile(str(png))
    return icon


def install_excepthook(window: MainWindow) -> None:
    """Unexpected errors on the GUI thread become an error dialog (and still go to stderr)."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        previous(kind, exc, tb)
        if issubclass(kind, KeyboardInterrupt):
            return
        window.show_error(
            "Unexpected error",
            f"{kind.__name__}: {exc}",
            "".join(traceback.format_exception(kind, exc, tb)),
        )

    sys.excepthook = hook


def main(argv: list[str] | None = None) -> int:
    """Open the main window (optionally on the demo or a project file) and run the app."""
    parser = argparse.ArgumentParser(prog="lmapp", description="lmapp desktop app")
    parser.add_argument("project", nargs="?", help="project file to open")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    a = parser.parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ensure_identity()
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("lmapp")  # Wayland compositors match windows to lmapp.desktop by it
    window = MainWindow()
    install_excepthook(window)
    window.show()
    if a.demo:
        window.open_demo()
    elif a.project:
        window.open_project(a.project)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

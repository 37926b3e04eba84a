"""Test-session setup: Qt without a display, and the GUI's settings and data folders in a
temporary place (never the user's)."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_qt_home = tempfile.mkdtemp(prefix="lmapp-test-qt-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_qt_home, "config")  # QSettings
os.environ["XDG_DATA_HOME"] = os.path.join(_qt_home, "data")  # QStandardPaths (demo project)

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_path(qapp):
    """The demo project the app's Open Demo uses (a copy of the bundled file, or built once
    where the bundled file is missing); tests copy it before changing anything."""
    from lmapp.gui.window.demo import demo_project
    from lmapp.gui.window.main_window import ensure_identity

    ensure_identity()
    return demo_project()

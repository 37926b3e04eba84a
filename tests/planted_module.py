"""A module a hostile project file could name: importing it leaves a marker file (the path in
LMAPP_PLANTED_MARKER), so tests can tell whether lmapp imported it."""

import os
from pathlib import Path

from lmapp.landscape.user_model import UserModel

if os.environ.get("LMAPP_PLANTED_MARKER"):
    Path(os.environ["LMAPP_PLANTED_MARKER"]).write_text("imported")


def _fg(w, args):
    return float(w @ w), 2.0 * w


MODEL = UserModel(_fg, 2)

"""Headless rendering: ``lmapp render`` / ``lmapp dgraph`` write images of a project's views
without a display, through the same code as the app's export."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from lmapp.cli import main
from lmapp.gui.project_files import copy_project


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_path) -> Path:
    return copy_project(demo_path, tmp_path_factory.mktemp("render") / "demo.lmapp")


def ink(path: Path) -> int:
    """Pixels clearly darker than the white background."""
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    return int((a.reshape(img.height(), img.bytesPerLine())[:, :img.width()] < 160).sum())


def test_lmapp_render_is_headless_and_writes_a_png(demo, tmp_path):
    out = tmp_path / "dgraph.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    done = subprocess.run([sys.executable, "-m", "lmapp", "render", str(demo), "--view", "dgraph",
                           "--out", str(out), "--width", "800", "--height", "500"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    img = QImage(str(out))
    assert (img.width(), img.height()) == (800, 500)
    assert ink(out) > 1000


def test_render_weights_svg_and_dgraph_alias(demo, tmp_path, capsys):
    svg = tmp_path / "w.svg"
    assert main(["render", str(demo), "--view", "weights", "--minimum", "3", "--out", str(svg)]) == 0
    text = svg.read_text()
    assert "<path" in text or "<polyline" in text or "<line" in text
    png = tmp_path / "g.png"
    assert main(["dgraph", str(demo), "--out", str(png), "--levels", "30", "--color", "lpphe",
                 "--dpi", "192", "--width", "1000", "--height", "700"]) == 0
    assert QImage(str(png)).width() == 1000 and ink(png) > 1000
    pdf = tmp_path / "g.pdf"
    assert main(["dgraph", str(demo), "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args, message", [
    (["--out", "x.jpg"], "--out must end in"),
    (["--out", "g.png", "--color", "nope"], "--color must be one of"),
    (["--out", "g.png", "--view", "weights", "--minimum", "999"], "no minimum with id 999"),
])
def test_render_usage_errors(demo, tmp_path, capsys, args, message):
    args = [a if a not in ("x.jpg", "g.png") else str(tmp_path / a) for a in args]
    assert main(["render", str(demo), *args]) == 2
    assert message in capsys.readouterr().err

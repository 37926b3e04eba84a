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

from lmapp.api import Project
from lmapp.cli import main
from lmapp.cli.main import build_parser
from lmapp.gui.core.project_files import copy_project
from lmapp.gui.core.selection import SelectionModel
from lmapp.gui.figures import figure, render
from lmapp.gui.figures.styles import PRESETS, FigureStyle
from lmapp.gui.views.heatmap_view import DistanceSource
from lmapp.gui.window.docks import DOCKS, Shared


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_path) -> Path:
    return copy_project(demo_path, tmp_path_factory.mktemp("render") / "demo.lmapp")


def ink(path: Path) -> int:
    """Pixels clearly darker than the white background."""
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    return int((a.reshape(img.height(), img.bytesPerLine())[:, : img.width()] < 160).sum())


@pytest.mark.parametrize("view", ["dgraph", "heatmap"])
def test_lmapp_render_is_headless_and_writes_a_png(demo, tmp_path, view):
    out = tmp_path / f"{view}.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lmapp",
            "render",
            str(demo),
            "--view",
            view,
            "--out",
            str(out),
            "--width",
            "800",
            "--height",
            "500",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    img = QImage(str(out))
    assert (img.width(), img.height()) == (800, 500)
    assert ink(out) > 1000


@pytest.mark.parametrize(
    ("view", "args"),
    [
        ("cv", []),
        ("cv", ["--tmin", "1e-6", "--tmax", "1e-2", "--temperature", "1e-5"]),
        ("heatmap", ["--minimum", "3"]),
        ("heatmap", ["--kind", "exactly_one", "--part", "train", "--order", "cluster"]),
        ("scatter", ["--part", "train"]),
        ("network", ["--minimum", "3"]),
    ],
)
def test_render_analysis_views_to_png(demo, tmp_path, capsys, view, args):
    out = tmp_path / f"{view}.png"
    assert (
        main(
            [
                "render",
                str(demo),
                "--view",
                view,
                *args,
                "--out",
                str(out),
                "--width",
                "900",
                "--height",
                "600",
            ]
        )
        == 0
    ), capsys.readouterr().err
    img = QImage(str(out))
    assert (img.width(), img.height()) == (900, 600)
    assert ink(out) > 1.4 * blank_ink(view, tmp_path / "blank.png", 900, 600)


def blank_ink(view: str, path: Path, width: int, height: int) -> int:
    """Ink of an analysis view with nothing loaded: its controls, axes and labels only."""
    spec = next(s for s in DOCKS if s.key == view)
    widget = spec.make(Shared(SelectionModel(), DistanceSource()))
    try:
        return ink(figure.save_figure(widget, path, FigureStyle.from_pixels(width, height, 96)))
    finally:
        widget.close()
        widget.deleteLater()


def test_render_cv_vector_formats(demo, tmp_path):
    svg, pdf = tmp_path / "cv.svg", tmp_path / "cv.pdf"
    assert main(["render", str(demo), "--view", "cv", "--out", str(svg)]) == 0
    text = svg.read_text()
    assert "<path" in text or "<polyline" in text
    assert "temperature T" in text  # the axis label, as vector text
    assert main(["render", str(demo), "--view", "cv", "--out", str(pdf), "--dpi", "192"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000


def test_render_options_reach_the_views(demo, tmp_path, monkeypatch):
    """The options set the views' controls, selection and T cursor before they are drawn."""
    seen = {}
    real = figure.save_figure

    def capture(widget, *args):
        combos = ("kind", "part", "order")
        seen[type(widget).__name__] = dict(
            {k: getattr(widget, k).currentData() for k in combos if hasattr(widget, k)},
            selected=widget.selection.ids(),
            result=widget.result,
            cursor=getattr(widget, "T_cursor", None),
        )
        return real(widget, *args)

    monkeypatch.setattr(figure, "save_figure", capture)
    out = tmp_path / "x.png"
    opts = render.RenderOptions(minimum=3, kind="exactly_one", part="train", order="id")
    render.render_project(demo, "heatmap", out, options=opts)
    heat = seen["HeatmapView"]
    assert (heat["kind"], heat["part"], heat["order"]) == ("exactly_one", "train", "id")
    assert heat["result"].settings == ("exactly_one", "train", "id") and heat["selected"] == [3]
    render.render_project(
        demo, "cv", out, options=render.RenderOptions(tmin=1e-6, tmax=1e-2, temperature=1e-5)
    )
    cv = seen["CvView"]
    assert cv["result"].thermo.T[[0, -1]] == pytest.approx([1e-6, 1e-2])
    assert cv["cursor"] == pytest.approx(1e-5)
    render.render_project(demo, "network", out, options=render.RenderOptions(minimum=3))
    assert seen["NetworkView"]["selected"] == [3]
    with pytest.raises(ValueError, match="option order does not apply to the scatter view"):
        render.render_project(demo, "scatter", out, options=render.RenderOptions(order="id"))


def colored_pixels(path: Path) -> tuple[int, int]:
    """(clearly blue, clearly red) pixel counts of an image."""
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    rgb = (
        a.reshape(img.height(), img.bytesPerLine())[:, : 3 * img.width()]
        .reshape(img.height(), img.width(), 3)
        .astype(int)
    )
    r, b = rgb[..., 0], rgb[..., 2]
    return int((b > r + 80).sum()), int((r > b + 80).sum())


def test_render_dgraph_computed_colours(demo, tmp_path, monkeypatch):
    """--color cv_contribution (g_α at --temperature, blue/red) and misclass_distance (to
    --minimum) colour the graph like the app's linked views."""
    from lmapp.gui.core.snapshots import read_snapshot
    from lmapp.gui.views.heatmap_view import DistanceSource
    from lmapp.landscape.distances import distance_to
    from lmapp.landscape.thermo import g_alpha

    seen = {}
    real = figure.save_figure
    monkeypatch.setattr(
        figure, "save_figure", lambda w, *args: (seen.update(plot=w), real(w, *args))[1]
    )
    with Project.open(demo, readonly=True) as p:
        land = read_snapshot(p.file, p.model, p.dataset)
        source = DistanceSource()
        source.set_project(p)
        pred, _ = source.predictions(land, "train")
        y = p.dataset.y_train
    out = tmp_path / "g.png"
    assert (
        main(
            [
                "render",
                str(demo),
                "--color",
                "cv_contribution",
                "--temperature",
                "2.7e-4",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    dg = seen["plot"].graph
    np.testing.assert_allclose(
        dg.node_value[dg.leaf_node], g_alpha(land.values("loss"), land.values("lpphe"), 2.7e-4)
    )
    assert "T = 0.00027" in seen["plot"].colors.label
    blue, red = colored_pixels(out)
    assert blue > 100 and red > 100
    # default T: the highest C_V peak, named in the colour-bar title
    assert main(["render", str(demo), "--color", "cv_contribution", "--out", str(out)]) == 0
    assert "T = " in seen["plot"].colors.label
    assert (
        main(
            [
                "render",
                str(demo),
                "--color",
                "misclass_distance",
                "--minimum",
                "3",
                "--part",
                "train",
                "--kind",
                "exactly_one",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    dg = seen["plot"].graph
    np.testing.assert_allclose(
        dg.node_value[dg.leaf_node], distance_to(pred, y, land.row_of(3), "exactly_one")
    )
    assert "minimum 3 (training data)" in seen["plot"].colors.label


def test_cli_choices_match_the_views():
    """--view comes from render.VIEWS; --kind/--part/--order are the views' combo data."""
    from lmapp.gui.views.heatmap_view import KIND_LABELS, ORDER_LABELS, PART_LABELS

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["render"]
    choices = {a.dest: tuple(a.choices) for a in sub._actions if a.choices}
    assert choices == {
        "view": render.VIEWS,
        "kind": tuple(KIND_LABELS),
        "part": tuple(PART_LABELS),
        "order": tuple(ORDER_LABELS),
        "preset": tuple(PRESETS),
    }
    assert set(render.VIEWS) >= {
        "dgraph",
        "weights",
        "decision",
        "cv",
        "heatmap",
        "scatter",
        "network",
    }


def test_render_refuses_a_project_without_minima_or_classifier(tmp_path, capsys):
    reg = tmp_path / "reg.lmapp"
    Project.create(reg, "regression", {"kind": "regression", "lam": 0.0}).close()
    out = tmp_path / "g.png"
    assert main(["render", str(reg), "--color", "misclass_distance", "--out", str(out)]) == 2
    assert "need a classifier" in capsys.readouterr().err and not out.exists()
    for view, message in (
        ("heatmap", "misclassification distances need a classifier"),
        ("scatter", "misclassification distances need a classifier"),
        ("cv", "no minima yet"),
        ("network", "no minima yet"),
    ):
        out = tmp_path / f"{view}.png"
        assert main(["render", str(reg), "--view", view, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
        assert not out.exists()


def test_render_weights_svg_and_dgraph_alias(demo, tmp_path, capsys):
    svg = tmp_path / "w.svg"
    assert (
        main(["render", str(demo), "--view", "weights", "--minimum", "3", "--out", str(svg)]) == 0
    )
    text = svg.read_text()
    assert "<path" in text or "<polyline" in text or "<line" in text
    png = tmp_path / "g.png"
    assert (
        main(
            [
                "dgraph",
                str(demo),
                "--out",
                str(png),
                "--levels",
                "30",
                "--color",
                "lpphe",
                "--dpi",
                "192",
                "--width",
                "1000",
                "--height",
                "700",
            ]
        )
        == 0
    )
    assert QImage(str(png)).width() == 1000 and ink(png) > 1000
    pdf = tmp_path / "g.pdf"
    assert main(["dgraph", str(demo), "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.jpg"], "--out must end in"),
        (["--out", "g.png", "--color", "nope"], "--color must be one of"),
        (["--out", "g.png", "--view", "weights", "--minimum", "999"], "no minimum with id 999"),
        (["--out", "g.png", "--view", "network", "--minimum", "999"], "no minimum with id 999"),
        (["--out", "g.png", "--view", "nope"], "invalid choice: 'nope'"),
        (
            ["--out", "g.png", "--view", "cv", "--tmin", "1e-3", "--tmax", "1e-4"],
            "--tmin (0.001) must be below --tmax (0.0001)",
        ),
        (["--out", "g.png", "--view", "cv", "--tmin", "-1"], "argument --tmin: -1 must be > 0"),
        (
            ["--out", "g.png", "--view", "cv", "--tmax", "nan"],
            "argument --tmax: 'nan' is not a finite number",
        ),
        (["--out", "g.png", "--view", "cv", "--tmin", "5"], "must exceed T from (5)"),
        (
            ["--out", "g.png", "--view", "cv", "--temperature", "5"],
            "temperature 5 lies outside the plotted range",
        ),
        (
            ["--out", "g.png", "--view", "heatmap", "--kind", "nope"],
            "argument --kind: invalid choice",
        ),
        (
            ["--out", "g.png", "--view", "scatter", "--part", "valid"],
            "argument --part: invalid choice",
        ),
        (["--out", "g.png", "--view", "heatmap", "--order", "size"], "--order: invalid choice"),
        (
            ["--out", "g.png", "--view", "scatter", "--order", "id"],
            "--order does not apply to --view scatter (only to heatmap)",
        ),
        (["--out", "g.png", "--view", "heatmap", "--tmin", "1"], "--tmin does not apply to --view"),
        (
            ["--out", "g.png", "--view", "cv", "--minimum", "3"],
            "--minimum does not apply to --view cv",
        ),
        (
            ["--out", "g.png", "--color", "loss", "--temperature", "1e-3"],
            "temperature applies to the graph only with --color cv_contribution",
        ),
        (
            ["--out", "g.png", "--color", "cv_contribution", "--part", "train"],
            "part applies to the graph only with --color misclass_distance",
        ),
        (
            ["--out", "g.png", "--color", "cv_contribution", "--temperature", "0"],
            "argument --temperature: 0 must be > 0",
        ),
    ],
)
def test_render_usage_errors(demo, tmp_path, capsys, args, message):
    args = [a if a not in ("x.jpg", "g.png") else str(tmp_path / a) for a in args]
    assert main(["render", str(demo), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lmapp: error: ") and err.count("\n") == 1 and message in err, err
    assert not list(tmp_path.iterdir())  # nothing written

"""``lmapp`` command line: argument parsing and the headless subcommands.

Wrong arguments or files print one ``lmapp: error: ...`` line and exit with code 2, leaving
the project untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..api import Project, trust_project_model
from ..datasets import (
    DATASET_NAMES,
    Dataset,
    DatasetError,
    default_lambda,
    load_csv,
    load_npz,
    make_dataset,
)
from ..gui.figures.styles import DPI_RANGE, PRESETS
from ..gui.figures.view_names import VIEWS
from ..jobs.cluster import Cluster
from ..jobs.connect import format_outcomes
from ..jobs.control import JobControl
from ..jobs.explore import ExploreParams
from ..landscape.distances import KINDS, ORDERS, PARTS
from ..landscape.model import ModelError, ModelSpec
from ..landscape.network import describe_ts_count
from ..store import ProjectError, ProjectFile
from ..store.codec import json_text
from ..words import minima, plural, transition_states
from . import analysis_commands, landscape_commands, ml_commands
from .cluster_option import add_cluster_option, cluster_for, report_interrupted
from .errors import Parser, UsageError
from .numbers import (
    MAX_POINTS,
    count,
    fraction,
    index,
    nonnegative,
    open_fraction,
    points,
    positive,
    ranged,
    walkers,
)
from .progress import ProgressBar
from .waiting import wait_for

USAGE_ERROR = 2

#: options that describe a network or a dataset, which a user model does not have
NETWORK_OPTIONS = (
    "dataset",
    "csv",
    "npz",
    "label",
    "hidden",
    "lam",
    "loss",
    "beta",
    "locality",
    "mislabel",
    "no_bias_reg",
    "test_fraction",
    "standardize",
    "n_train",
    "n_test",
    "cube",
    "inputs",
    "turns",
    "noise",
    "cells",
)
# options that describe a new project; refused when the project already exists
CREATION_OPTIONS = (*NETWORK_OPTIONS, "user_model", "n_params", "params")
#: generator options passed to the dataset (each dataset says which it accepts)
GENERATOR_OPTIONS = ("n_train", "n_test", "cube", "inputs", "turns", "noise", "cells")


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden must be sizes like 3 or 5,5, got {text!r}"
        ) from None
    return sizes


def _add_explore(sub: Any) -> None:
    p = sub.add_parser("explore", help="basin-hopping: create PROJECT if missing, else continue it")
    p.add_argument("project")
    g = p.add_argument_group("new project (only when PROJECT does not exist)")
    g.add_argument("--dataset", choices=DATASET_NAMES)
    g.add_argument("--csv", metavar="FILE", help="CSV file with a header row")
    g.add_argument("--npz", metavar="FILE", help="NPZ with X,y or X_train,y_train,X_test,y_test")
    g.add_argument("--label", help="label column of --csv (name or 0-based index)")
    g.add_argument("--hidden", type=_hidden, help="hidden layer sizes, e.g. 3 or 5,5 (default 3)")
    g.add_argument(
        "--lam",
        type=nonnegative,
        help="L2 regularisation λ (default per data set: xor "
        "1e-2, spiral/checkerboard/iris 1e-5, ljat3 1e-4, other tables 1e-3)",
    )
    g.add_argument("--loss", choices=("ce", "appauc"), help="loss (default ce)")
    g.add_argument("--beta", type=positive, help="appAUC sigmoid steepness (default 50)")
    g.add_argument(
        "--locality", type=count, metavar="K", help="keep k nearest-neighbour links only"
    )
    g.add_argument(
        "--no-bias-reg",
        action="store_const",
        const=True,
        help="regularise weights only, not biases",
    )
    g.add_argument(
        "--mislabel", type=fraction, metavar="F", help="mislabel a fraction of training labels"
    )
    g.add_argument("--test-fraction", type=open_fraction, help="test split for tables/CSV/NPZ")
    g.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None)
    g.add_argument("--n-train", type=points, help="generated training points")
    g.add_argument("--n-test", type=ranged(int, 0, MAX_POINTS), help="generated test points")
    g.add_argument("--cube", help="LJAT3 start cube: D1, D2, D3 or a side length")
    g.add_argument("--inputs", type=int, choices=(2, 3), help="LJAT3 inputs: 2 or 3 distances")
    g.add_argument("--turns", type=positive, help="spiral turns (default 1.75; Lang & Witbrock: 3)")
    g.add_argument(
        "--noise",
        type=nonnegative,
        help="spiral/checkerboard uniform coordinate noise (default 0.05 / 0)",
    )
    g.add_argument(
        "--cells", type=ranged(int, 1, 1000), help="checkerboard cells per side (default 4)"
    )
    g.add_argument(
        "--user-model",
        metavar="MODULE:NAME",
        help="your own loss: a lmapp UserModel (or a factory returning one), or with "
        "--n-params a function fg(w, args) -> (loss, grad)",
    )
    g.add_argument(
        "--n-params",
        type=ranged(int, 1, 10_000_000),
        metavar="N",
        help="parameters of --user-model fg",
    )
    g.add_argument(
        "--params",
        metavar="JSON",
        help="JSON object of --user-model parameters (factory keywords, or fg's args)",
    )
    e = p.add_argument_group("exploration")
    e.add_argument("--steps", type=index, default=500, help="quenches per walker (default 500)")
    e.add_argument("--walkers", type=walkers, default=2, help="parallel walkers (default 2)")
    e.add_argument(
        "--seed", type=ranged(int, 0, 2**63 - 1), default=0, help="random seed (data and walkers)"
    )
    e.add_argument(
        "--new-walkers",
        action="store_true",
        help="start new walkers instead of continuing the saved ones (replaces them)",
    )
    e.add_argument("--temperature", type=nonnegative, default=ExploreParams.temperature)
    e.add_argument("--step", type=positive, default=ExploreParams.step, help="initial step size")
    e.add_argument(
        "--gtol", type=positive, default=ExploreParams.gtol, help="RMS gradient tolerance"
    )
    add_cluster_option(e, "walkers")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="lmapp",
        description="Explore loss landscapes of small ML models. "
        "Without a command, opens the desktop app (on PROJECT.lmapp if given).",
    )
    parser.add_argument("--version", action="version", version=f"lmapp {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    _add_explore(sub)
    p = sub.add_parser("info", help="dataset, model, counts, global minimum and runs")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("export", help="export model, dataset and minima")
    p.add_argument("project")
    p.add_argument("--format", choices=("json", "pathsample"), default="json")
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE|DIR",
        help="JSON file, or folder for min.data/ts.data/points.min/points.ts",
    )
    p.add_argument("--with-data", action="store_true", help="include train/test arrays (json)")
    landscape_commands.add_parsers(sub)
    analysis_commands.add_parsers(sub)
    ml_commands.add_parsers(sub)
    p = sub.add_parser(
        "dedupe",
        help="re-identify minima and transition states by the current "
        "identity rule: merge duplicates into the lowest id",
    )
    p.add_argument("project")
    p = sub.add_parser(
        "unlock",
        help="free a project whose writing process was killed (refused while that process runs)",
    )
    p.add_argument("project")
    p.add_argument(
        "--force",
        action="store_true",
        help="also when the writer ran on another host, which cannot be checked",
    )
    p = sub.add_parser("bench", help="benchmarks against scipy.optimize.basinhopping")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="fewer quenches (smoke run)")
    _add_render(sub)
    parser.add_argument(
        "--demo", action="store_true", help="open the desktop app on the bundled demo project"
    )
    for command in sub.choices.values():
        if "project" in {action.dest for action in command._actions}:
            command.add_argument(
                "--trust-user-model",
                action="store_true",
                help="import the Python module a user-model project names "
                "(project files are untrusted: never without this)",
            )
    return parser


def _add_render(sub: Any) -> None:
    p = sub.add_parser("render", help="render a view of PROJECT to PNG/SVG/PDF (no display needed)")
    p.add_argument("project")
    p.add_argument("--view", choices=VIEWS, default="dgraph", help="default dgraph")
    p.add_argument(
        "--minimum",
        type=count,
        metavar="ID",
        help="minimum to show (weights, decision; default the global minimum) or "
        "highlight (dgraph, heatmap, network); with --color misclass_distance "
        "the minimum distances are measured to",
    )
    g = p.add_argument_group("heat capacity (--view cv; or dgraph --color cv_contribution)")
    g.add_argument("--tmin", type=positive, help="lowest temperature (default automatic)")
    g.add_argument("--tmax", type=positive, help="highest temperature (default automatic)")
    g.add_argument(
        "--temperature",
        type=positive,
        metavar="T",
        help="T cursor and its contributors, or the T of the graph's C_V "
        "contribution colours (default the highest C_V peak)",
    )
    g = p.add_argument_group(
        "misclassification distances (--view heatmap, scatter; or dgraph --color misclass_distance)"
    )
    g.add_argument(
        "--kind",
        choices=KINDS,
        help="fraction of items two minima classify "
        "differently (default) or that exactly one of them misclassifies",
    )
    g.add_argument("--part", choices=PARTS, help="data the minima classify (default test)")
    g.add_argument(
        "--order",
        choices=ORDERS,
        help="heatmap rows: like the graph's leaves (default), by clustering or by id",
    )
    _add_image_options(p)
    p = sub.add_parser("dgraph", help="render the disconnectivity graph of PROJECT")
    p.add_argument("project")
    _add_image_options(p)


def _add_image_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="FILE", help="image file: .png, .svg or .pdf")
    p.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        help="figure style: screen (12.5 x 8.3 in, 10 pt), publication (8.6 x 6.4 cm "
        "single column, 8 pt, black axes), publication-wide (17.8 x 9 cm)",
    )
    p.add_argument(
        "--size",
        metavar="WxH[cm|in|px]",
        help="figure size, e.g. 8.6x6cm or 4x3in (px: at 96 per inch)",
    )
    p.add_argument(
        "--font-size", type=positive, metavar="PT", help="font size in points (default 10)"
    )
    p.add_argument(
        "--width",
        type=count,
        default=1200,
        help="PNG pixels at --dpi, when neither --size nor --preset (default 1200)",
    )
    p.add_argument("--height", type=count, default=800, help="PNG pixels (default 800)")
    p.add_argument(
        "--dpi",
        type=ranged(int, *DPI_RANGE),
        default=96,
        help="PNG resolution: the same figure, sharper (default 96; 300 for print)",
    )
    p.add_argument(
        "--levels",
        type=ranged(int, 2, 10_000),
        default=20,
        help="dgraph energy levels (default 20)",
    )
    p.add_argument(
        "--connected-only",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="dgraph: hide minima not connected to the global minimum (default; "
        "--no-connected-only draws them to the right)",
    )
    p.add_argument(
        "--color",
        default="none",
        help="dgraph branch colour: none, loss, lpphe, min_eig, train_accuracy, "
        "test_auc, …, cv_contribution (g_α at --temperature: blue gaining, red "
        "losing), misclass_distance (to --minimum)",
    )


def _dataset(a: argparse.Namespace) -> Dataset:
    common = {"seed": a.seed, "mislabel": a.mislabel or 0.0}
    if sum(s is not None for s in (a.dataset, a.csv, a.npz)) > 1:
        raise UsageError("use one of --dataset, --csv and --npz")
    params = {k: getattr(a, k) for k in GENERATOR_OPTIONS if getattr(a, k) is not None}
    if (a.csv or a.npz) and params:
        opts = ", ".join("--" + k.replace("_", "-") for k in params)
        raise UsageError(f"{opts} only apply to generated datasets, not to --csv or --npz")
    if a.csv:
        if a.label is None:
            raise UsageError("--csv needs --label COLUMN")
        label = int(a.label) if a.label.isdigit() else a.label
        extra = {
            k: v
            for k, v in (("standardize", a.standardize), ("test_fraction", a.test_fraction))
            if v is not None
        }
        return load_csv(a.csv, label, **common, **extra)
    if a.label is not None:
        raise UsageError("--label applies to --csv only")
    if a.npz:
        extra = {
            k: v
            for k, v in (("standardize", a.standardize), ("test_fraction", a.test_fraction))
            if v is not None
        }
        return load_npz(a.npz, **common, **extra)
    return make_dataset(
        a.dataset or "xor",
        standardize=a.standardize,
        test_fraction=a.test_fraction,
        **common,
        **params,
    )


def _user_model_spec(a: argparse.Namespace) -> ModelSpec:
    given = [o for o in NETWORK_OPTIONS if getattr(a, o) is not None]
    if given:
        opts = ", ".join("--" + o.replace("_", "-") for o in given)
        raise UsageError(f"{opts} do not apply to --user-model (it brings its own data)")
    try:
        params = json.loads(a.params) if a.params else {}
    except json.JSONDecodeError as exc:
        raise UsageError(f"--params is not valid JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise UsageError("--params must be a JSON object, e.g. '{\"a\": 1.0}'")
    return ModelSpec(kind="user", reference=a.user_model, n_params=a.n_params, params=params)


def _model_spec(a: argparse.Namespace) -> ModelSpec:
    if a.user_model is not None:
        return _user_model_spec(a)
    if a.n_params is not None or a.params is not None:
        raise UsageError("--n-params and --params apply to --user-model only")
    kw: dict[str, Any] = {"kind": "regression" if a.dataset == "regression" else "mlp"}
    if kw["kind"] == "regression":  # the fixed five-parameter model has no network options
        given = [
            o
            for o in ("hidden", "lam", "loss", "beta", "locality", "no_bias_reg")
            if getattr(a, o) is not None
        ]
        if given:
            opts = ", ".join("--" + o.replace("_", "-") for o in given)
            raise UsageError(f"{opts} do not apply to the regression model")
    for name, key in (
        ("hidden", "hidden"),
        ("lam", "lam"),
        ("loss", "loss"),
        ("beta", "beta"),
        ("locality", "locality"),
    ):
        if getattr(a, name) is not None:
            kw[key] = getattr(a, name)
    if a.lam is None and kw["kind"] == "mlp":
        kw["lam"] = default_lambda("" if (a.csv or a.npz) else (a.dataset or "xor"))
    if a.no_bias_reg:
        kw["reg_bias"] = False
    if kw["kind"] == "regression":
        kw["lam"] = 0.0
    return ModelSpec(**kw)


def _explore_params(a: argparse.Namespace) -> ExploreParams:
    params = ExploreParams(
        steps=a.steps,
        walkers=a.walkers,
        seed=a.seed,
        temperature=a.temperature,
        step=a.step,
        gtol=a.gtol,
        new_walkers=a.new_walkers,
    )
    params.validate()
    return params


def cmd_explore(a: argparse.Namespace) -> int:
    params = _explore_params(a)
    path = Path(a.project)
    if path.exists():
        given = [o for o in CREATION_OPTIONS if getattr(a, o) is not None]
        if given:
            opts = ", ".join("--" + o.replace("_", "-") for o in given)
            raise UsageError(f"{path} exists; {opts} only apply when creating a new project")
    with cluster_for(a) as cluster:  # before the project is touched
        return _explore(a, params, path, cluster)


def _explore(
    a: argparse.Namespace, params: ExploreParams, path: Path, cluster: Cluster | None
) -> int:
    if path.exists():
        project = Project.open(path)
        _report_reidentified(project)
        print(
            f"continuing {path}: {plural(project.file.n_minima(), 'minimum', 'minima')} so far",
            file=sys.stderr,
        )
    else:
        spec = _model_spec(a)
        if spec.kind == "user":  # the user named the module themselves: consent
            project = Project.create(path, None, spec, trust_user_model=True)
        else:
            project = Project.create(path, _dataset(a), spec)
        print(
            f"created {path}: {project.dataset.name}, {project.model.n_params} parameters",
            file=sys.stderr,
        )
    with project:
        bar = ProgressBar()
        control = JobControl()
        handle = project.explore_async(
            progress=bar, control=control, cluster=cluster, **vars(params)
        )
        wait_for(handle, control, bar.close)
        s = handle.wait()
        report_interrupted(s.status)
        gm = s.global_min
        print(
            f"{s.status}: {s.quenches} quenches in {s.elapsed:.2f} s ({s.rate:.1f}/s), "
            f"{s.new_minima} new minima, {s.total_minima} in project, "
            f"acceptance {s.accept_ratio:.2f}"
        )
        fails = ", ".join(f"{v} {k}" for k, v in s.failures.items())
        print(f"rejected candidates: {fails}")
        if s.warning:
            print(f"warning: {s.warning}", file=sys.stderr)
        if gm:
            print(f"global minimum: id {gm[0]}, loss {gm[1]:.12g}")
    return 0 if s.status in ("finished", "cancelled") else 1


def _report_reidentified(project: Project) -> None:
    """Say what opening an older project's file re-identified."""
    if project.reidentified is not None:
        print(
            f"re-identified {project.path.name} by the current identity rule: "
            f"{project.reidentified.describe()}",
            file=sys.stderr,
        )


def cmd_unlock(a: argparse.Namespace) -> int:
    with ProjectFile.open(a.project) as pf:
        freed = pf.unlock(force=a.force)
    print(
        f"{a.project}: "
        + (
            f"freed (run {', '.join(map(str, freed))} recorded as failed)"
            if freed
            else "no run was holding it"
        )
    )
    return 0


def cmd_dedupe(a: argparse.Namespace) -> int:
    with Project.open(a.project) as project:
        s = project.reidentified or project.dedupe()
    print(f"{a.project}: {s.describe()}")
    return 0


def cmd_info(a: argparse.Namespace) -> int:
    with Project.open(a.project, readonly=True) as project:
        info = project.info()
    if a.json:
        print(json_text(info))
        return 0
    d, m = info["dataset"], info["model"]
    print(f"project   {info['path']}")
    print(
        f"dataset   {d['name']} ({d['task']}): {d['n_train']} train, {d['n_test']} test, "
        f"{d['n_features']} features, {d['n_classes']} classes"
    )
    if m["kind"] == "mlp":
        print(
            f"model     {m['sizes']} tanh/softmax, loss {m['loss']}, λ={m['lam']:g}, "
            f"{m['n_params']} parameters" + (f", locality {m['locality']}" if m["locality"] else "")
        )
    elif m["kind"] == "user":
        print(f"model     user model {m['reference']}, {m['n_params']} parameters")
    else:
        print(f"model     nonlinear regression, {m['n_params']} parameters")
    ident = info["identity"]
    print(
        f"identity  symmetries: {ident['symmetry']}; outputs compared: "
        f"{'yes' if ident['fingerprint'] else 'no'}"
        + (
            "; stored under an older rule: run lmapp dedupe"
            if ident["needs_reidentification"]
            else ""
        )
    )
    print(
        f"minima    {info['n_minima']}    transition states {info['n_transition_states']}"
        + (f" ({describe_ts_count(info['network'])})" if describe_ts_count(info["network"]) else "")
    )
    net = info["network"]
    if info["n_transition_states"]:
        print(
            f"network   {net['components']} connected components "
            f"(largest {net['largest_component']}), mean degree {net['mean_degree']:.2f}, "
            "mean shortest path "
            f"{'' if net['paths_exact'] else '≈'}{net['mean_shortest_path']:.2f}, diameter "
            f"{'' if net['paths_exact'] else '≥'}{net['diameter']}, clustering "
            f"{net['clustering']:.3f}"
        )
    gm = info["global_minimum"]
    if gm:
        print(f"global    id {gm['id']}, loss {gm['loss']:.12g}, RMS gradient {gm['rms_grad']:.1e}")
    for r in info["runs"]:
        st = r.get("stats") or {}
        if r["kind"] == "connect":
            did = f"{st.get('attempts', 0)} attempts, {st.get('new_ts', 0)} new TS"
        elif r["kind"] == "dedupe":
            did = (
                f"{st.get('merged_minima', 0)} duplicate minima merged, "
                f"{st.get('merged_ts', 0)} duplicate TS dropped"
            )
        else:
            did = f"{st.get('quenches', 0)} quenches"
        print(
            f"run {r['id']:>3}  {r['kind']:<8} {r['status']:<9} seed {r['seed']}  {did}, "
            f"{st.get('new_minima', 0)} new minima, {(r.get('elapsed') or 0):.1f} s"
        )
        if st.get("outcomes"):
            print(f"          attempts: {format_outcomes(st['outcomes'])}")
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    from ..interchange.json_export import export_json
    from ..interchange.pathsample_project import export_pathsample

    out = Path(a.out)
    if not out.parent.exists():
        raise UsageError(f"output folder {out.parent} does not exist")
    project_path = Path(a.project).resolve()
    if out.resolve() in [
        project_path.with_name(project_path.name + s) for s in ("", "-wal", "-shm")
    ]:
        raise UsageError(f"--out {out} would overwrite the project file {a.project}")
    with Project.open(a.project, readonly=True) as project:
        if a.format == "pathsample":
            if a.with_data:
                raise UsageError("--with-data applies to --format json only")
            counts = export_pathsample(project.file, out)
        else:
            counts = export_json(project.file, project.dataset, project.model, out, a.with_data)
    print(
        f"wrote {out}: {minima(counts['minima'])}, {transition_states(counts['transition_states'])}"
    )
    return 0


def _check_temperatures(a: argparse.Namespace) -> None:
    """The temperature window is not empty (each value is checked by its argparse type)."""
    if (
        getattr(a, "tmin", None) is not None
        and getattr(a, "tmax", None) is not None
        and not a.tmax > a.tmin
    ):
        raise UsageError(f"--tmin ({a.tmin:g}) must be below --tmax ({a.tmax:g})")


def cmd_render(a: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt starts: no display needed
    from ..gui.figures import render
    from ..gui.figures.styles import IMAGE_FORMATS, FigureStyle, style_from
    from ..gui.views.dgraph_view import COLOR_CHOICES, GraphSettings
    from ..gui.views.graph_colors import MENU

    out = Path(a.out)
    if out.suffix.lower() not in IMAGE_FORMATS:
        raise UsageError(f"--out must end in {', '.join(IMAGE_FORMATS)}, got {out.name!r}")
    if not out.parent.exists():
        raise UsageError(f"output folder {out.parent} does not exist")
    colors = COLOR_CHOICES + tuple(MENU)
    if a.color not in colors:
        raise UsageError(f"--color must be one of {', '.join(colors)}, got {a.color!r}")
    try:
        if a.size is None and a.preset is None:
            style = FigureStyle.from_pixels(a.width, a.height, a.dpi, a.font_size or 10.0)
        else:
            style = style_from(a.preset, a.size, a.font_size)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _check_temperatures(a)
    if not Path(a.project).is_file():
        raise UsageError(f"{a.project}: no such project file")
    view = getattr(a, "view", "dgraph")
    options = render.RenderOptions(
        settings=GraphSettings(
            n_levels=a.levels, color_by=a.color, connected_only=a.connected_only
        ),
        **{name: getattr(a, name, None) for name in render.OPTION_VIEWS},
    )
    misplaced = render.misplaced_options(view, options)
    if misplaced:
        name = misplaced[0]
        raise UsageError(
            f"--{name} does not apply to --view {view} (only to "
            f"{', '.join(render.OPTION_VIEWS[name])})"
        )
    render.render_project(a.project, view, out, style=style, dpi=a.dpi, options=options)
    print(f"wrote {out}")
    if view == "dgraph" and a.connected_only:
        apart = _not_connected(a.project)
        if apart:
            print(
                f"note: {minima(apart)} not connected to the global minimum "
                f"{'is' if apart == 1 else 'are'} not drawn (--no-connected-only draws them)"
            )
    return 0


def _not_connected(path: str) -> int:
    """How many minima transition states do not connect to the global minimum."""
    from ..landscape.connect_strategy import Components
    from ..landscape.network import minima_edges

    with Project.open(path, readonly=True) as project:
        arr = project.landscape_arrays()
    n = arr["ids"].size
    if n == 0:
        return 0
    roots = Components.from_edges(n, minima_edges(n, arr["ts_min1"], arr["ts_min2"])).roots()
    return int(np.sum(roots != roots[int(arr["energies"].argmin())]))


def cmd_gui(a: argparse.Namespace, project: str | None = None) -> int:
    from ..gui.app import main as gui_main

    return gui_main(["--demo"] if a.demo else [project] if project else [])


def _project_to_open(argv: list[str]) -> str | None:
    """``lmapp PROJECT.lmapp`` (no command): the project the app should open."""
    if (
        len(argv) == 1
        and argv[0] not in COMMANDS
        and not argv[0].startswith("-")
        and (argv[0].endswith(".lmapp") or Path(argv[0]).is_file())
    ):
        if not Path(argv[0]).is_file():
            raise UsageError(f"{argv[0]}: no such project file")
        return argv[0]
    return None


def cmd_bench(a: argparse.Namespace) -> int:
    from ..bench import run_benchmarks

    return run_benchmarks(as_json=a.json, quick=a.quick)


COMMANDS = {
    "explore": cmd_explore,
    "info": cmd_info,
    "export": cmd_export,
    "bench": cmd_bench,
    "dedupe": cmd_dedupe,
    "unlock": cmd_unlock,
    "render": cmd_render,
    "dgraph": cmd_render,
    **landscape_commands.COMMANDS,
    **analysis_commands.COMMANDS,
    **ml_commands.COMMANDS,
}


def _stdout_closed() -> int:
    """Exit status of a process whose output pipe closed, as Unix tools have it (128 + SIGPIPE);
    stdout is pointed at /dev/null so the interpreter's final flush does not fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lmapp`` console script."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    try:
        project = _project_to_open(argv)
        if project is not None:
            return cmd_gui(parser.parse_args([]), project)
        a = parser.parse_args(argv)
        if a.command is None:
            return cmd_gui(a)
        if getattr(a, "trust_user_model", False) and Path(a.project).is_file():
            trust_project_model(a.project)
        return COMMANDS[a.command](a)
    except BrokenPipeError:  # the reader went away (`lmapp thermo P | head`): end quietly
        return _stdout_closed()
    except (UsageError, DatasetError, ModelError, ProjectError, ValueError, OSError) as exc:
        print(f"lmapp: error: {exc}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())

"""CLI commands that build the connected landscape: ``connect`` and ``import-pathsample``."""

from __future__ import annotations

import argparse
from typing import Any

from ..api import Project
from ..jobs.cluster import Cluster
from ..jobs.connect import MODES, format_outcomes
from ..jobs.control import JobControl
from ..landscape.network import describe_ts_count
from ..words import plural
from .cluster_option import add_cluster_option, cluster_for, report_interrupted
from .numbers import count, positive, walkers
from .progress import ProgressBar
from .waiting import wait_for


def add_parsers(sub: Any) -> None:
    """Register the subcommands on the main parser's subparsers."""
    p = sub.add_parser("connect", help="transition-state searches between minima")
    p.add_argument("project")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--all", action="store_true", help="connect every minimum to the global minimum"
    )
    what.add_argument(
        "--pair", nargs=2, type=count, metavar=("I", "J"), help="connect minima I and J (ids)"
    )
    what.add_argument("--refine", action="store_true", help="join nearest unconnected neighbours")
    p.add_argument(
        "--budget",
        type=count,
        default=None,
        help="attempts in all (default: 20 + 10 per minimum still to connect)",
    )
    p.add_argument(
        "--workers",
        type=walkers,
        default=None,
        help="parallel searches (default 2; on a cluster, its number of workers)",
    )
    add_cluster_option(p, "searches")
    p = sub.add_parser(
        "import-pathsample", help="add PATHSAMPLE min.data/ts.data/points.* to a project"
    )
    p.add_argument("folder")
    p.add_argument("project")
    p.add_argument(
        "--gtol", type=positive, default=1e-6, help="RMS gradient accepted for imported points"
    )


def cmd_connect(a: argparse.Namespace) -> int:
    mode = "pair" if a.pair else ("all" if a.all else "refine")
    assert mode in MODES
    with cluster_for(a) as cluster:  # before the project is touched
        workers = a.workers or (cluster.workers if cluster is not None else 2)
        params = {
            "mode": mode,
            "budget": a.budget,
            "workers": workers,
            "pair": tuple(a.pair) if a.pair else None,
        }
        return _connect(a, params, cluster)


def _connect(a: argparse.Namespace, params: dict, cluster: Cluster | None) -> int:
    with Project.open(a.project) as project:
        control = JobControl()
        bar = ProgressBar()
        handle = project.connect_async(progress=bar, control=control, cluster=cluster, **params)
        wait_for(handle, control, bar.close)
        s = handle.wait()
        bar.close()
        report_interrupted(s.status)
        state = (
            ""
            if s.connected is None
            else (" — connected" if s.connected else " — not connected yet")
        )
        print(
            f"{s.status}: {s.attempts} of {s.budget} attempts in {s.elapsed:.1f} s "
            f"({s.rate:.2f}/s), {s.new_ts} new transition states, "
            f"{plural(s.new_minima, 'new minimum', 'new minima')}, "
            f"{plural(s.failed_pairs, 'failed pair')}, {plural(s.components, 'component')}{state}"
        )
        if s.note:
            print(f"nothing attempted: {s.note}" if not s.attempts else f"note: {s.note}")
        if s.outcomes:
            print(f"attempts: {format_outcomes(s.outcomes)}")
        if s.status == "cancelled":
            return 0
        net = project.network(paths=False)
        why = describe_ts_count(net)
        print(
            f"network: {plural(net['nodes'], 'minimum', 'minima')}, "
            f"{plural(net['edges'], 'connected pair')}, largest component "
            f"{net['largest_component']}" + (f"; {why}" if why else "")
        )
    return 0 if s.status in ("finished", "cancelled") else 1


def cmd_import_pathsample(a: argparse.Namespace) -> int:
    from ..interchange.pathsample_project import import_pathsample

    with Project.open(a.project) as project:
        counts = import_pathsample(project.file, project.model, a.folder, a.gtol)
    print(
        f"imported {counts['minima']} new minima ({counts['reused_minima']} already known), "
        f"{counts['transition_states']} transition states "
        f"({counts['reused_transition_states']} already known)"
    )
    return 0


COMMANDS = {"connect": cmd_connect, "import-pathsample": cmd_import_pathsample}

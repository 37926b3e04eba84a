"""The ``--cluster`` option of ``lmapp explore`` and ``lmapp connect``: the address is checked by
the parser, the cluster is connected to and checked before the project is opened or created
(so a cluster that cannot run the job leaves it untouched), and closed when the command ends."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..jobs.cluster import CLUSTER_FORMS, Cluster, ClusterAddress
from ..store.schema import RunStatus


def _address(text: str) -> ClusterAddress:
    try:
        return ClusterAddress.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_cluster_option(parser: Any, what: str) -> None:
    parser.add_argument(
        "--cluster",
        type=_address,
        metavar="ADDRESS",
        help=f"run the {what} as tasks on a Dask cluster: {CLUSTER_FORMS}; this "
        "process stays the only writer of the project file",
    )


@contextmanager
def cluster_for(a: argparse.Namespace) -> Iterator[Cluster | None]:
    """The connected cluster ``--cluster`` names (None without the option)."""
    if a.cluster is None:
        yield None
        return
    with Cluster.connect(a.cluster) as cluster:
        print(f"running on {cluster.info().describe()}", file=sys.stderr)
        yield cluster


def report_interrupted(status: RunStatus) -> None:
    """What to do after a run whose scheduler went away."""
    if status is RunStatus.INTERRUPTED:
        print(
            "the Dask scheduler went away: everything committed so far is kept; run the same "
            "command again to continue",
            file=sys.stderr,
        )

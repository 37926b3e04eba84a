"""``lmapp bench``: measured speed of the engines, each against what a user would otherwise do,
in one process with BLAS limited to one thread."""

from __future__ import annotations

import tempfile
from pathlib import Path

from threadpoolctl import threadpool_limits

from ..api import Project
from ..landscape.dgraph import bench_layout
from ..landscape.model import ModelSpec
from ..landscape.warmup import compile_kernels
from ..store.codec import json_text
from . import analysis, basinhopping, cluster, scale, transition, verification


def _warm_up(folder: Path) -> None:
    """Compile (or load) every kernel an exploration and a connect job use, untimed, so that
    no row of a cold-cache run pays for compilation: the app's start-up warm-up (it reaches
    kernels a short job may not, such as the identity rule's output fingerprints), then a
    short exploration and connect."""
    compile_kernels()
    with Project.create(folder / "warm-up.lmapp", "xor", ModelSpec(hidden=(3,), lam=1e-2)) as p:
        p.explore(steps=50, walkers=2, seed=0, temperature=1.0)
        p.connect(mode="all", budget=3, workers=1)


def run_benchmarks(as_json: bool = False, quick: bool = False) -> int:
    """Run every benchmark and print a table (or JSON); returns the exit code."""
    out: dict[str, list[dict]] = {}
    with threadpool_limits(1), tempfile.TemporaryDirectory() as tmp:
        _warm_up(Path(tmp))
        for name, module in (
            ("basin_hopping", basinhopping),
            ("transition_states", transition),
            ("verification", verification),
            ("analysis", analysis),
            ("scale", scale),
            ("cluster", cluster),
        ):
            out[name] = []
            for r in module.run(Path(tmp), quick):
                out[name].append(r)
                if not as_json:
                    print(module.report(r), flush=True)
        sizes = (10_000,) if quick else (10_000, 100_000)
        out["dgraph_layout"] = [
            {"minima": n, "ts": 2 * n, "seconds": bench_layout(n, 2 * n)} for n in sizes
        ]
        if not as_json:
            for r in out["dgraph_layout"]:
                print(
                    f"dgraph layout    {r['minima']:>7} minima, {r['ts']:>7} TS: "
                    f"{r['seconds']:.3f} s"
                )
    if as_json:
        print(json_text(out))
    return 0

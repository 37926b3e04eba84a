"""What limits an exploration on a Dask cluster, measured: the same seed-000 exploration on 2
local threads and on a LocalCluster of 2 worker processes, the scheduler's overhead per task
against the time of one chunk task, the bytes a task sends and returns, and the single
writer's rate (candidates identified, new minima verified, identified and committed)."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import numpy as np

from ..api import Project
from ..datasets import make_dataset
from ..engines.rng import seed_state
from ..jobs.cluster import Cluster, ClusterError
from ..jobs.cluster_pool import _same
from ..jobs.cluster_tasks import ModelRecipe
from ..jobs.explore import (
    Candidate,
    ExploreJob,
    ExploreParams,
    Walker,
    WalkerChunk,
    auto_chunk,
    hop_walker,
    screen,
)
from ..jobs.lifecycle import job_run
from ..landscape.model import Model, ModelSpec
from ..store import ProjectFile
from ..store.binding import load_dataset_and_model, stored_minima_registry
from .basinhopping import SEED_000

#: sequential trivial tasks timed for the scheduler's round trip
ROUND_TRIPS = 200
#: the landscape (seed 000's: dataset, its options, hidden units, λ) and quenches per walker
CASE = (SEED_000, "spiral", {"n_train": 3200, "n_test": 800}, 3, 1e-5)
STEPS = {"quick": 100, "full": 400}
#: runs of each side, interleaved; the best of each is reported (load on a shared machine)
REPEATS = 2


def _seed000(path: Path) -> Project:
    _, dataset, options, hidden, lam = CASE
    return Project.create(
        path, make_dataset(dataset, **options), ModelSpec(hidden=(hidden,), lam=lam)
    )


def _explore(path: Path, steps: int, cluster: Cluster | None) -> dict:
    with _seed000(path) as p:
        p.explore(steps=5, walkers=2, seed=99, cluster=cluster)  # kernels loaded (workers too)
        s = p.explore(steps=steps, walkers=2, seed=0, cluster=cluster)
    return {"quenches": s.quenches, "seconds": s.elapsed, "rate": s.rate, "minima": s.total_minima}


def _round_trip(cluster: Cluster) -> float:
    """Seconds from submitting a trivial task to holding its result (one at a time)."""
    client = cluster.client
    client.submit(_same, 0, pure=False).result()
    t = time.perf_counter()
    for i in range(ROUND_TRIPS):
        client.submit(_same, i, pure=False).result()
    return (time.perf_counter() - t) / ROUND_TRIPS


def _walker(model: Model, params: ExploreParams) -> Walker:
    x, f, _, _, _ = model.minimize(model.random_start(np.random.default_rng(0)))
    return Walker(0, x, f, params.step, seed_state(0, 0))


def _task_bytes(path: Path) -> dict:
    """Pickled size of one chunk task's arguments and of its result (seed 000, auto chunk)."""
    with Project.open(path, readonly=True) as p:
        model, data = p.model, p.dataset
    params = ExploreParams(seed=0)
    n = auto_chunk(data.X_train.shape[0], model.n_params)
    walker = _walker(model, params)
    chunk = hop_walker(model, walker, n, params, np.zeros(1, np.uint8))
    recipe = ModelRecipe.of(model, data.X_train, data.y_train, data.n_classes)
    return {
        "chunk": n,
        "arguments": len(pickle.dumps((walker, n, params), protocol=5)),
        "result": len(pickle.dumps(chunk, protocol=5)),
        "model_once_per_worker": len(pickle.dumps(recipe, protocol=5)),
    }


def _writer(source: Path, folder: Path, chunk: int) -> dict:
    """The writer's share of a run, on the minima ``source`` found: each as a candidate new to
    a fresh project (verified, identified, committed in rounds of 2 walkers' chunks), then
    all again as known candidates (identified only)."""
    with Project.open(source, readonly=True) as p:
        m = p.minima(order="id")
    path = folder / "writer.lmapp"
    _seed000(path).close()
    params = ExploreParams()
    cands = [
        Candidate(0, k, float(f), w, True, None)
        for k, (f, w) in enumerate(zip(m["loss"], m["weights"]))
    ]
    per_round = 2 * chunk
    with ProjectFile.open(path) as pf:
        _, model = load_dataset_and_model(pf)
        registry = stored_minima_registry(pf, model, params.rule)
        walker = _walker(model, params)

        def known(cs: list[Candidate]) -> list[bool]:
            return [registry.match(c.loss, c.w) is not None for c in cs]

        with job_run(pf, "bench-writer", {}) as run:
            timings = []
            for _again in (False, True):  # the same candidates twice: new rows, then known
                t = time.perf_counter()
                for start in range(0, len(cands), per_round):
                    part = screen(
                        model, WalkerChunk(walker, cands[start : start + per_round]), known, params
                    )
                    rows: list[dict] = []
                    batch = model.registry(params.rule)
                    failures = {"unconverged": 0, "not a minimum": 0}
                    for c in part.candidates:
                        ExploreJob._collect(c, registry, batch, rows, failures)
                    ids = pf.commit_batch(minima=rows, run_id=run.run_id, run_stats={})
                    for i, r in zip(ids, rows):
                        registry.add(i, r["loss"], r["weights"])
                timings.append(time.perf_counter() - t)
        stored = pf.n_minima()
    return {
        "candidates": len(cands),
        "stored": stored,
        "new_rows_per_s": stored / timings[0],
        "known_per_s": len(cands) / timings[1],
    }


def run(folder: Path, quick: bool) -> list[dict]:
    """Threads against a LocalCluster of 2 processes on seed 000, and the scale numbers."""
    try:
        cluster = Cluster.connect("local:2")
    except ClusterError as exc:
        return [{"case": "cluster", "skipped": str(exc)}]
    steps = STEPS["quick" if quick else "full"]
    runs: dict[str, list[dict]] = {"threads": [], "cluster": []}
    with cluster:
        for k in range(REPEATS):
            runs["threads"].append(_explore(folder / f"threads{k}.lmapp", steps, None))
            runs["cluster"].append(_explore(folder / f"cluster{k}.lmapp", steps, cluster))
        latency = _round_trip(cluster)
    threads, on_cluster = (max(r, key=lambda x: x["rate"]) for r in runs.values())
    sizes = _task_bytes(folder / "threads0.lmapp")
    task_seconds = sizes["chunk"] / (threads["rate"] / 2)  # one walker's chunk
    writer = _writer(folder / "threads0.lmapp", folder, sizes["chunk"])
    return [
        {
            "case": f"{CASE[0]}-threads-vs-cluster",
            "threads": threads,
            "cluster": on_cluster,
            "ratio": on_cluster["rate"] / threads["rate"],
            "rates": {side: [x["rate"] for x in r] for side, r in runs.items()},
        },
        {
            "case": "cluster-scale",
            "round_trip_s": latency,
            "task_s": task_seconds,
            "overhead": latency / task_seconds,
            **sizes,
            "writer": writer,
            "quench_s": 2 / threads["rate"],
        },
    ]


def report(r: dict) -> str:
    if "skipped" in r:
        return f"cluster          skipped: {r['skipped']}"
    if "ratio" in r:
        case = r["case"].removesuffix("-threads-vs-cluster")
        return (
            f"{'cluster':<16} {case}, 2 walkers: threads {r['threads']['rate']:.1f} q/s, "
            f"LocalCluster(2 processes) {r['cluster']['rate']:.1f} q/s = "
            f"{r['ratio']:.0%} of threads (≥ 90 %; best of {len(r['rates']['threads'])} each)"
        )
    w = r["writer"]
    return (
        f"{'cluster scale':<16} task round trip {r['round_trip_s'] * 1e3:.1f} ms = "
        f"{r['overhead']:.1%} of a {r['chunk']}-quench chunk ({r['task_s'] * 1e3:.0f} ms; < 5 %); "
        f"bytes per task {r['arguments']:,} sent, {r['result']:,} returned "
        f"(model {r['model_once_per_worker']:,} once per worker)\n"
        f"{'':<16} writer: {w['new_rows_per_s']:.0f} new minima/s verified, identified and "
        f"committed; {w['known_per_s']:.0f} known candidates/s identified "
        f"({w['candidates']} minima)"
    )

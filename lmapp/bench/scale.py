"""Landscapes at the seeds' scale: commands on a project of 10⁵ minima and 3·10⁵ transition
states (10⁴ with ``--quick``) timed as a user runs them (a fresh process each, start-up
included), against the targets of the scale issue; connect's first attempt and how fast it
stops on SIGTERM; the network layout against networkx's spring layout (same graph, same
iterations) and the peak memory of distance matrices of 10⁴ minima against scipy's
``squareform(pdist)`` + ``corrcoef`` route.

The synthetic landscape: random canonical weights of a spiral network (4 hidden units), losses
spread like real ones, a random connected network over 80 % of the minima (the rest not yet
connected, as after an exploration) with transition states above both their minima."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.spatial.distance import pdist, squareform

from ..api import Project
from ..datasets import make_dataset
from ..landscape.distances import euclidean_matrix, misclassification_matrix, pearson
from ..landscape.graph_layout import spring_positions
from ..landscape.model import ModelSpec
from ..landscape.network import adjacency, minima_edges

#: minima of the project (3 transition states per minimum), full and quick
SIZES = {"full": 100_000, "quick": 10_000}
#: seconds each command may take at the full size (the issue's targets)
TARGET_S = 10.0
#: SIGTERM to exit at most, and the peak memory of the 10⁴-minima distance matrices
CANCEL_TARGET_S, MEMORY_TARGET_GB = 1.0, 2.0
#: the connected share of the minima
CONNECTED = 0.8
#: minima of the layout comparison with networkx, and of lmapp's layout alone
LAYOUT_SIZES = {"full": (1000, 10_000), "quick": (300, 2000)}
#: minima of the distance-matrix memory comparison
DISTANCE_SIZES = {"full": 10_000, "quick": 2000}


def synthetic_project(path: Path, n: int, seed: int = 0) -> Path:
    """A project of ``n`` minima and 3n transition states (see the module docstring)."""
    rng = np.random.default_rng(seed)
    with Project.create(
        path, make_dataset("spiral", n_train=200, n_test=100), ModelSpec(hidden=(4,))
    ) as p:
        P = p.model.n_params
        W = p.model.canonical_rows(rng.normal(size=(n, P)))
        L = 0.05 + rng.exponential(0.2, n)
        lpphe = rng.normal(-60.0, 8.0, n)
        ids = np.array(
            p.file.add_minima(
                [
                    {
                        "loss": float(L[i]),
                        "weights": W[i],
                        "lpphe": float(lpphe[i]),
                        "hessian_index": 0,
                        "n_zero_modes": 0,
                        "rms_grad": 1e-8,
                        "min_eig": 0.1,
                    }
                    for i in range(n)
                ],
                None,
            )
        )
        m = int(CONNECTED * n)
        extra = 3 * n - (m - 1)
        a = np.r_[np.arange(1, m), rng.integers(0, m, extra)]
        b = np.r_[rng.integers(0, np.arange(1, m)), rng.integers(0, m, extra)]
        a, b = a[a != b], b[a != b]
        E = np.maximum(L[a], L[b]) + rng.exponential(0.1, a.size)
        TW = p.model.canonical_rows(0.5 * (W[a] + W[b]))
        rows = [
            {
                "loss": float(E[k]),
                "weights": TW[k],
                "min1": int(ids[a[k]]),
                "min2": int(ids[b[k]]),
                "eigenvalue": -0.1,
                "lpphe": float(lpphe[a[k]]),
                "rms_grad": 1e-8,
            }
            for k in range(a.size)
        ]
        for s in range(0, len(rows), 50_000):
            p.file.add_transition_states(rows[s : s + 50_000], None)
    return path


# The peak is the process's own high-water mark (VmHWM, kB): Linux's ru_maxrss survives exec and
# so would report the bench process's size at the fork when that was larger (elsewhere it is
# the only measure there is).
_TIMED = textwrap.dedent("""
    import re, resource, sys, time
    t = time.perf_counter()
    from lmapp.cli.main import main
    rc = main(sys.argv[1:])
    try:
        with open("/proc/self/status") as status:
            kb = re.search(r"VmHWM:\\s*(\\d+)", status.read()).group(1)
    except (OSError, AttributeError):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"@@ {rc} {time.perf_counter() - t} {kb}")
""")


def _command(argv: list[str]) -> dict:
    """One ``lmapp`` command in a fresh process: exit code, seconds, peak resident memory."""
    out = subprocess.run(
        [sys.executable, "-c", _TIMED, *argv], capture_output=True, text=True, check=False
    )  # the exit code is one of the results
    line = next((x for x in out.stdout.splitlines() if x.startswith("@@ ")), None)
    if line is None:
        raise RuntimeError(f"lmapp {' '.join(argv)} failed: {out.stderr.strip()[-400:]}")
    rc, seconds, kb = line.split()[1:]
    return {"rc": int(rc), "seconds": float(seconds), "peak_gb": int(kb) / 2**20}


_FIRST = textwrap.dedent("""
    import sys, time
    t = time.perf_counter()
    from lmapp.api import Project
    first = []

    def progress(state):
        if state.attempts >= 1 and not first:
            first.append(time.perf_counter() - t)

    with Project.open(sys.argv[1]) as p:
        p.connect(mode="all", budget=1, workers=1, progress=progress)
    print("@@", first[0] if first else -1)
""")


def connect_case(project: Path, work: Path) -> dict:
    """Seconds to connect's first stored attempt (a fresh process), and from SIGTERM to exit of
    ``lmapp connect --all`` once its attempts run."""
    import shutil

    shutil.copy(project, work)
    out = subprocess.run(
        [sys.executable, "-c", _FIRST, str(work)], capture_output=True, text=True, check=False
    )  # a failure shows as no timing line
    line = next((x for x in out.stdout.splitlines() if x.startswith("@@ ")), "@@ -1")
    first = float(line.split()[1])
    shutil.copy(project, work)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lmapp",
            "connect",
            str(work),
            "--all",
            "--budget",
            "1000",
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    while "1/1000 attempts" not in seen and proc.poll() is None:  # its first attempt is stored
        seen += os.read(proc.stderr.fileno(), 4096).decode(errors="replace")
    t = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.communicate()
    return {"first_attempt_s": first, "cancel_s": time.perf_counter() - t, "rc": proc.returncode}


def layout_case(n_compare: int, n_large: int, seed: int = 0) -> dict:
    """lmapp's Barnes–Hut spring layout against networkx's spring layout (both 50 iterations)
    on a random connected network of n_compare minima, and lmapp's on n_large."""
    from .analysis import random_network

    A = adjacency(n_compare, minima_edges(n_compare, *random_network(n_compare, seed)))
    spring_positions(A[:20][:, :20], iterations=2)  # compiled before timing
    t0 = time.perf_counter()
    spring_positions(A, iterations=50)
    t1 = time.perf_counter()
    nx.spring_layout(nx.from_scipy_sparse_array(A), iterations=50, seed=seed)
    t2 = time.perf_counter()
    big = adjacency(n_large, minima_edges(n_large, *random_network(n_large, seed)))
    t3 = time.perf_counter()
    spring_positions(big)
    t4 = time.perf_counter()
    return {
        "case": f"spring layout {n_compare} minima, 50 iterations",
        "lmapp_s": t1 - t0,
        "networkx_s": t2 - t1,
        "ratio": (t2 - t1) / (t1 - t0),
        "large_minima": n_large,
        "large_s": t4 - t3,
    }


def _peak(fn) -> tuple[object, float]:
    tracemalloc.start()
    try:
        value = fn()
        return value, tracemalloc.get_traced_memory()[1] / 2**30
    finally:
        tracemalloc.stop()


def distance_case(n: int, seed: int = 0) -> dict:
    """Peak memory (GB, numpy's allocations) of the misclassification and Euclidean matrices
    and their Pearson r: lmapp against scipy's squareform(pdist) with corrcoef over the pairs."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, 22))
    pred = rng.integers(0, 2, (n, 100)).astype(np.int8)
    y = rng.integers(0, 2, 100)

    def ours():
        return pearson(euclidean_matrix(W), misclassification_matrix(pred, y))

    def reference():
        E, M = squareform(pdist(W)), squareform(pdist(pred, "hamming"))
        i, j = np.triu_indices(n, 1)
        return float(np.corrcoef(E[i, j], M[i, j])[0, 1])

    r_ours, gb_ours = _peak(ours)
    r_ref, gb_ref = _peak(reference)
    return {
        "case": f"distance matrices {n} minima",
        "lmapp_gb": gb_ours,
        "scipy_gb": gb_ref,
        "ratio": gb_ref / gb_ours,
        "r_diff": abs(r_ours - r_ref),
    }


def run(folder: Path, quick: bool) -> list[dict]:
    """Every case at the quick or full size."""
    size = "quick" if quick else "full"
    n = SIZES[size]
    project = synthetic_project(folder / f"scale-{n}.lmapp", n)
    out = []
    for argv in (
        ["info", str(project)],
        ["thermo", str(project), "--out", str(folder / "cv.csv")],
        ["metrics", str(project), "--out", str(folder / "m.csv")],
        ["dgraph", str(project), "--out", str(folder / "g.png")],
    ):
        out.append(
            {
                "case": f"lmapp {argv[0]} {n} minima, {3 * n} TS",
                **_command(argv),
                "target_s": TARGET_S,
            }
        )
    out.append(
        {
            "case": f"connect --all {n} minima",
            **connect_case(project, folder / "work.lmapp"),
            "target_s": TARGET_S,
            "cancel_target_s": CANCEL_TARGET_S,
        }
    )
    n_small = min(n, SIZES["quick"])
    small = (
        project if n == n_small else synthetic_project(folder / f"scale-{n_small}.lmapp", n_small)
    )
    out.append(
        {
            "case": f"lmapp render --view network {n_small} minima",
            "target_s": TARGET_S,
            **_command(["render", str(small), "--view", "network", "--out", str(folder / "n.png")]),
        }
    )
    out.append(
        {
            "case": f"lmapp distances {n_small} minima",
            "target_s": TARGET_S,
            "target_gb": MEMORY_TARGET_GB,
            **_command(["distances", str(small), "--out", str(folder / "d.npy")]),
        }
    )
    out.append(layout_case(*LAYOUT_SIZES[size]))
    out.append(distance_case(DISTANCE_SIZES[size]))
    return out


def report(r: dict) -> str:
    if "networkx_s" in r:
        return (
            f"{r['case']:<42} lmapp {r['lmapp_s']:.3f} s, networkx {r['networkx_s']:.3f} s: "
            f"{r['ratio']:.1f}x; {r['large_minima']} minima {r['large_s']:.2f} s"
        )
    if "scipy_gb" in r:
        return (
            f"{r['case']:<42} lmapp peak {r['lmapp_gb']:.2f} GB, scipy route "
            f"{r['scipy_gb']:.2f} GB: {r['ratio']:.1f}x less (r agrees to {r['r_diff']:.1e})"
        )
    if "first_attempt_s" in r:
        return (
            f"{r['case']:<42} first attempt stored after {r['first_attempt_s']:.2f} s "
            f"(target ≤ {r['target_s']:g} s); SIGTERM to exit {r['cancel_s']:.2f} s "
            f"(target ≤ {r['cancel_target_s']:g} s)"
        )
    memory = f", peak {r['peak_gb']:.2f} GB" + (
        f" (target ≤ {r['target_gb']:g} GB)" if "target_gb" in r else ""
    )
    return f"{r['case']:<42} {r['seconds']:.2f} s (target ≤ {r['target_s']:g} s){memory}"

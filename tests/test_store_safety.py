"""File safety of project files across processes: concurrent readers and a writer killed
mid-batch."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import lmapp
from lmapp.store import ProjectFile

ROOT = Path(lmapp.__file__).resolve().parent.parent
P = 40

# Child process: append batches of minima (and walker states) to an existing project,
# printing the committed count after every commit. argv: path, batch size, number of batches
# (0 = forever), seconds to sleep between batches.
WRITER = f"P = {P}\n" + textwrap.dedent("""
    import sys, time
    import numpy as np
    from lmapp.store import ProjectFile

    path, size = sys.argv[1], int(sys.argv[2])
    batches, pause = int(sys.argv[3]), float(sys.argv[4])
    rng = np.random.default_rng(0)
    with ProjectFile.open(path) as pf:
        run = pf.start_run("basin_hopping", {"batch": size}, 0)
        b = 0
        while batches == 0 or b < batches:
            rows = [{"loss": float(rng.random()), "weights": rng.normal(size=P), "walker": 0,
                     "step": b} for _ in range(size)]
            pf.commit_batch(minima=rows, run_id=run, walker_kind="basin_hopping",
                            walker_states=[({"step": b}, rng.normal(size=P))],
                            run_stats={"batches": b + 1})
            print(pf.n_minima(), flush=True)
            b += 1
            time.sleep(pause)
""")


def new_project(path: Path) -> None:
    arrays = {
        "X_train": np.zeros((4, 2)),
        "y_train": np.zeros(4, dtype=np.int64),
        "X_test": np.zeros((2, 2)),
        "y_test": np.zeros(2, dtype=np.int64),
    }
    ProjectFile.create(path, dataset_spec={}, dataset_arrays=arrays, model_spec={}).close()


def start_writer(path: Path, size: int, batches: int, pause: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(size), str(batches), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_reader_sees_growing_consistent_data_while_other_process_writes(tmp_path):
    path = tmp_path / "shared.lmapp"
    new_project(path)
    writer = start_writer(path, size=20, batches=30, pause=0.01)
    seen: list[int] = []
    try:
        with ProjectFile.open(path, readonly=True) as reader:
            while writer.poll() is None:
                n = reader.n_minima()
                minima = reader.minima()
                assert len(minima["id"]) >= n and len(minima["id"]) % 20 == 0
                assert minima["weights"].shape in ((0, 0), (len(minima["id"]), P))
                assert minima["id"].tolist() == list(range(1, len(minima["id"]) + 1))
                for state, x in reader.walker_states("basin_hopping"):
                    assert x.shape == (P,) and state["step"] >= 0
                seen.append(n)
            with ProjectFile.open(path, readonly=True) as second:  # a fresh reader after the writer
                assert second.n_minima() == 600
            seen.append(reader.n_minima())
    finally:
        if writer.poll() is None:
            writer.kill()
        _, err = writer.communicate()
    assert writer.returncode == 0, err
    assert seen == sorted(seen), "counts decreased"
    assert seen[-1] == 600 and len(set(seen)) > 2  # intermediate states were observed
    with ProjectFile.open(path) as pf:
        assert pf.runs()[0]["stats"] == {"batches": 30}


def test_killed_writer_loses_at_most_the_last_batch(tmp_path):
    path = tmp_path / "killed.lmapp"
    new_project(path)
    writer = start_writer(path, size=50, batches=0, pause=0.0)
    counts = []
    try:
        for line in writer.stdout:
            counts.append(int(line))
            if len(counts) == 8:
                break
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL and counts == [50 * (i + 1) for i in range(8)]

    conn = sqlite3.connect(path)  # recovers the WAL left by the killed writer
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    with ProjectFile.open(path) as pf:
        n = pf.n_minima()
        assert n % 50 == 0 and n >= counts[-1]
        minima = pf.minima()
        assert minima["weights"].shape == (n, P) and np.all(np.isfinite(minima["weights"]))
        ((state, x),) = pf.walker_states("basin_hopping")
        assert state["step"] == n // 50 - 1 and x.shape == (P,)  # walker state matches the minima
        assert pf.runs()[0]["stats"] == {"batches": n // 50}
        pf.add_minima([{"loss": 0.0, "weights": np.zeros(P)}], None)  # still writable
        assert pf.n_minima() == n + 1

"""One writer per project (issue: two explorers on one file): ownership is claimed atomically
in the write transaction that records the run; owners are told apart by host, boot id, PID and
process start time, so a reused PID or a reboot frees the project; ``lmapp unlock``."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli.main import main
from lmapp.store import ProjectError
from lmapp.store.owner import Owner

ROOT = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent("""
    import sys, time
    from lmapp.store import ProjectFile
    pf = ProjectFile.open(sys.argv[1])
    print(pf.start_run("explore", {}, 0), flush=True)
    time.sleep(float(sys.argv[2]))
""")

RACER = textwrap.dedent("""
    import sys, time
    from lmapp.api import Project
    from lmapp.store import ProjectError
    start = float(sys.argv[2])
    with Project.open(sys.argv[1]) as p:
        while time.time() < start:
            pass
        try:
            s = p.explore(steps=30, walkers=1, seed=int(sys.argv[3]))
            print("ran", s.new_minima, flush=True)
        except ProjectError as exc:
            print("refused", exc, flush=True)
""")


def _env() -> dict:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }


def _holder(path: Path, seconds: float) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    return proc, int(proc.stdout.readline())


def test_a_live_writer_blocks_every_other_writer_and_a_killed_one_frees_the_file(tmp_path):
    path = tmp_path / "busy.lmapp"
    Project.create(path, "xor").close()
    proc, run_id = _holder(path, 60)
    try:
        with Project.open(path) as p:
            for job in (
                lambda: p.explore(steps=1, walkers=1),
                p.dedupe,
                lambda: p.add_minima(np.zeros((1, p.model.n_params))),
            ):
                with pytest.raises(ProjectError, match=f"being written by process {proc.pid}"):
                    job()
            assert p.file.n_minima() == 0
        assert main(["unlock", str(path)]) == 2  # refused while the owner lives
    finally:
        proc.kill()
        proc.wait()
    with Project.open(path) as p:
        s = p.explore(steps=5, walkers=1)
        assert s.status == "finished"
        killed = p.file.runs()[0]
        assert killed["id"] == run_id and killed["status"] == "failed"
        assert killed["stats"]["interrupted"] is True


def test_two_explorers_started_at_the_same_instant_never_both_run(tmp_path):
    path = tmp_path / "race.lmapp"
    Project.create(path, "xor").close()
    for _trial in range(4):
        start = time.time() + 3.0
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(path), str(start), str(k)],
                stdout=subprocess.PIPE,
                text=True,
                env=_env(),
            )
            for k in (0, 1)
        ]
        outs = [p.communicate(timeout=120)[0].strip() for p in procs]
        ran = [o for o in outs if o.startswith("ran")]
        refused = [o for o in outs if o.startswith("refused")]
        assert len(ran) + len(refused) == 2, outs
        # both may run one after the other (the first finished before the second claimed),
        # but never at once: runs never overlap in time
        with Project.open(path, readonly=True) as p:
            runs = [r for r in p.file.runs() if r["kind"] == "explore"]
        spans = sorted((r["started_at"], r["finished_at"]) for r in runs)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    with Project.open(path, readonly=True) as p:  # no minimum stored twice (as before)
        m = p.minima(order="loss")
        for i in range(len(m["id"]) - 1):
            assert not p.model.same_point(
                m["loss"][i], m["weights"][i], m["loss"][i + 1], m["weights"][i + 1]
            )


def test_a_reused_pid_does_not_block_the_project(tmp_path):
    """The run's owner is this test's parent process by PID but with another start time (a
    different process that got the same PID): it is not alive, so the project is free."""
    path = tmp_path / "reused.lmapp"
    Project.create(path, "xor").close()
    me = Owner.current()
    fake = {**me.to_dict(), "pid": os.getppid(), "started": "1"}
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO runs (kind, params, seed, status, started_at, stats) "
            "VALUES ('explore', ?, 0, 'running', 0, '{}')",
            (json.dumps({"owner": fake}),),
        )
    conn.close()
    assert Owner.from_dict(fake).is_alive() is False
    with Project.open(path) as p:
        assert p.explore(steps=3, walkers=1).status == "finished"
        assert p.file.runs()[0]["status"] == "failed"


def test_unlock_frees_a_file_left_by_another_host_only_with_force(tmp_path, capsys):
    path = tmp_path / "remote.lmapp"
    Project.create(path, "xor").close()
    other = {"host": "cluster-node-7", "pid": 4242, "boot_id": "x", "started": "9"}
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO runs (kind, params, seed, status, started_at, stats) "
            "VALUES ('explore', ?, 0, 'running', 0, '{}')",
            (json.dumps({"owner": other}),),
        )
    conn.close()
    with (
        Project.open(path) as p,
        pytest.raises(ProjectError, match=r"cannot be checked from this host.*unlock"),
    ):
        p.explore(steps=1, walkers=1)
    assert main(["unlock", str(path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["unlock", str(path), "--force"]) == 0
    assert "freed" in capsys.readouterr().out
    with Project.open(path) as p:
        assert p.explore(steps=2, walkers=1).status == "finished"

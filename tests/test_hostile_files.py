"""Hostile or damaged project files and interchange files: one line that names the file, table,
row and column (never a traceback), and a damaged file is never written to."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
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
from lmapp.interchange.pathsample import PathsampleError, read_pathsample
from lmapp.interchange.pathsample_project import export_pathsample, import_pathsample
from lmapp.landscape.model import ModelError, ModelSpec
from lmapp.store import ProjectError, ProjectFile

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """XOR with a few minima and transition states (and saved walkers)."""
    path = tmp_path_factory.mktemp("hostile") / "base.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,))) as p:
        p.explore(steps=80, walkers=1, seed=1)
        p.connect(mode="all", budget=3, workers=1)
        assert p.file.n_transition_states() >= 1
    return path


def _edited(base: Path, tmp_path: Path, *sql: str) -> Path:
    """A copy of ``base`` changed behind lmapp's back (foreign keys off, as any tool may)."""
    path = tmp_path / "edited.lmapp"
    shutil.copy(base, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(capsys) -> str:
    """The error of a failed command: its last line of stderr, and the only one (progress
    lines such as "continuing …" may come before it)."""
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines and lines[-1].startswith("lmapp: error: ") and "Traceback" not in err, err
    assert sum(line.startswith("lmapp: error") for line in lines) == 1, err
    return lines[-1]


EDITS = [
    (
        """UPDATE model SET spec = '{"kind": "mlp", "hidden": "abc"}'""",
        "info",
        r"table model, row 1, column spec: model option 'hidden' must be a list of integers",
    ),
    (
        """UPDATE model SET spec = '{"kind": "mlp", "hidden": [3], "lam": [1]}'""",
        "dgraph",
        r"table model, row 1, column spec: model option 'lam' must be a number",
    ),
    (
        "UPDATE model SET spec = '[1, 2]'",
        "info",
        r"table model, row 1, column spec: expected a JSON object",
    ),
    ("UPDATE model SET spec = '{bad'", "info", r"table model, row 1, column spec: not valid JSON"),
    ("DELETE FROM model", "info", r"table model must have one row, has 0"),
    (
        "UPDATE dataset SET spec = '{\"name\": 1'",
        "info",
        r"table dataset, row 1, column spec: not valid JSON",
    ),
    (
        "UPDATE transition_states SET min1 = 999 WHERE id = 1",
        "info",
        r"table transition_states, row id 1, column min1: minimum 999 is not stored",
    ),
    (
        "UPDATE transition_states SET min2 = 999 WHERE id = 1",
        "dgraph",
        r"table transition_states, row id 1, column min2: minimum 999 is not stored",
    ),
    (
        "UPDATE minima SET loss = 'abc' WHERE id = 2",
        "info",
        r"table minima, row id 2, column loss: expected a number, got 'abc'",
    ),
    ("UPDATE minima SET weights = x'00' WHERE id = 1", "metrics", r"table minima, column weights"),
    (
        "UPDATE walker_states SET state = '{\"x\": 1}'",
        "explore",
        r"table walker_states, walker 0: unreadable state .*--new-walkers",
    ),
    (
        "UPDATE walker_states SET state = 'nope'",
        "explore",
        r"table walker_states, row basin-hopping/0, column state: not valid JSON",
    ),
]


@pytest.mark.parametrize(("sql", "command", "message"), EDITS)
def test_damaged_records_give_one_line_naming_table_row_and_column(
    base, tmp_path, capsys, sql, command, message
):
    path = _edited(base, tmp_path, sql)
    extra = {"explore": ["--steps", "2"], "dgraph": ["--out", str(tmp_path / "g.png")]}.get(
        command, []
    )
    assert main([command, str(path), *extra]) == 2
    err = _one_error_line(capsys)
    assert path.name in err
    assert re.search(message, err), err


def test_the_api_raises_project_error_for_damaged_records(base, tmp_path):
    with pytest.raises(ProjectError, match="not valid JSON"):
        Project.open(_edited(base, tmp_path, "UPDATE model SET spec = '{bad'"), readonly=True)
    (tmp_path / "edited.lmapp").unlink()
    with pytest.raises(ProjectError, match="must be a list of integers"):
        Project.open(_edited(base, tmp_path, """UPDATE model SET spec = '{"hidden": ["a"]}'"""))
    (tmp_path / "edited.lmapp").unlink()
    path = _edited(base, tmp_path, "UPDATE transition_states SET min1 = 999 WHERE id = 1")
    with (
        Project.open(path, readonly=True) as p,
        pytest.raises(ProjectError, match="min1: minimum 999"),
    ):
        p.landscape_arrays()


def test_every_stored_model_option_is_type_checked():
    """from_dict checks every field's JSON type (a new field without a check fails here)."""
    good = ModelSpec().to_dict()
    for name in good:
        with pytest.raises(ModelError, match=f"model option '{name}' must be"):
            ModelSpec.from_dict({**good, name: object()})
    with pytest.raises(ModelError, match="must be a JSON object"):
        ModelSpec.from_dict([1, 2])
    with pytest.raises(ModelError, match="β must be a finite number > 0"):
        ModelSpec(beta=float("nan"))


@pytest.mark.parametrize("damage", ["page", "table", "foreign key"])
def test_a_damaged_file_is_never_written_to(base, tmp_path, capsys, damage):
    if damage == "page":
        path = tmp_path / "damaged.lmapp"
        shutil.copy(base, path)
        with open(path, "r+b") as f:  # one page of garbage in the middle of the file
            f.seek(4096 * 3)
            f.write(np.random.default_rng(0).bytes(4096))
    elif damage == "table":
        path = _edited(base, tmp_path, "DROP TABLE failed_pairs")
    else:
        path = _edited(base, tmp_path, "UPDATE transition_states SET min1 = 999 WHERE id = 1")
    before = _digest(path)
    for argv in (
        ["explore", str(path), "--steps", "3"],
        ["connect", str(path), "--all", "--budget", "1", "--workers", "1"],
        ["dedupe", str(path)],
    ):
        assert main(argv) == 2
        err = _one_error_line(capsys)
        assert "nothing was written" in err and f"lmapp export {path}" in err, err
    with pytest.raises(ProjectError, match=r"damaged|inconsistent"):
        Project.open(path)
    assert _digest(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_a_non_text_min_data_names_file_and_line(base, tmp_path):
    with Project.open(base, readonly=True) as p:
        export_pathsample(p.file, tmp_path / "ps")
        n_params = p.model.n_params
    data = (tmp_path / "ps" / "min.data").read_bytes().split(b"\n")
    data[1] = b"\xff\xfe" + data[1]
    (tmp_path / "ps" / "min.data").write_bytes(b"\n".join(data))
    with pytest.raises(PathsampleError, match=r"min.data line 2: byte 0xff is not text"):
        read_pathsample(tmp_path / "ps", n_params)


def test_an_import_ts_whose_ends_are_not_its_minima_is_refused(base, tmp_path):
    with Project.open(base, readonly=True) as p:
        export_pathsample(p.file, tmp_path / "ps")
        spec = p.model.spec
    ts = (tmp_path / "ps" / "ts.data").read_text().splitlines()
    parts = ts[0].split()
    parts[3] = parts[4] = "1"  # min1 = min2 = 1: not the two minima this TS joins
    (tmp_path / "ps" / "ts.data").write_text("\n".join([" ".join(parts), *ts[1:]]) + "\n")
    with Project.create(tmp_path / "into.lmapp", "xor", spec) as q:
        with pytest.raises(
            PathsampleError,
            match=r"ts.data line 1: its push-offs reach minima .* not the min.data lines 1 and 1",
        ):
            import_pathsample(q.file, q.model, tmp_path / "ps")
        assert q.file.n_minima() == 0 and q.file.n_transition_states() == 0 and q.file.runs() == []


def test_an_import_stopped_midway_leaves_nothing_behind(base, tmp_path, monkeypatch):
    """An import interrupted while it stores (a kill, Ctrl-C) leaves nothing: no minima and no
    run left 'running', since the claim, the points and the finished run are one transaction."""
    import lmapp.store.project_file as store

    with Project.open(base, readonly=True) as p:
        export_pathsample(p.file, tmp_path / "ps")
        spec = p.model.spec
    real, calls = store.prepare_rows, []

    def interrupted(*args, **kwargs):  # the minima are prepared; stop at the transition states
        calls.append(args[2])
        if args[2] == "transition state":
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "prepare_rows", interrupted)
    with Project.create(tmp_path / "into.lmapp", "xor", spec) as q:
        with pytest.raises(KeyboardInterrupt):
            import_pathsample(q.file, q.model, tmp_path / "ps")
        assert calls == ["minimum", "transition state"]
        assert q.file.n_minima() == 0 and q.file.runs() == []
    monkeypatch.setattr(store, "prepare_rows", real)
    with Project.open(tmp_path / "into.lmapp") as q:
        assert import_pathsample(q.file, q.model, tmp_path / "ps")["minima"] >= 2
        assert [r["status"] for r in q.file.runs()] == ["finished"]


CREATOR = textwrap.dedent("""
    import sys, time
    import lmapp.store.schema as schema
    from lmapp.api import Project
    if sys.argv[2] == "stall":  # stop inside the creating transaction until killed
        real = schema.create_schema
        def stalled(*args):
            real(*args)
            print("inside", flush=True)
            time.sleep(60)
        schema.create_schema = stalled
    print("ready", flush=True)
    Project.create(sys.argv[1], "xor").close()
    print("done", flush=True)
""")


def _check_after_kill(path: Path, folder: Path) -> str:
    """After a kill: no file (and nothing blocks creating it) or a complete project."""
    visible = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    strays = {
        n
        for n in visible
        if not n.endswith(".lmapp") and not (n.endswith(("-wal", "-shm")) and n[:-4] in visible)
    }  # SQLite's own
    assert not strays, sorted(visible)
    if path.exists():
        with ProjectFile.open(path, readonly=True) as pf:  # complete: opens and reads
            assert pf.model_spec()["kind"] == "mlp"
        return "complete"
    Project.create(path, "xor").close()  # not blocked by anything left behind
    return "none"


def test_a_kill_during_creation_leaves_no_stub(tmp_path):
    """kill -9 at any moment of creating a project leaves no file or a complete project, never a
    stub that blocks creating it again: inside the creating transaction, and at times spread
    over a whole creation."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }

    def start(path: Path, mode: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", CREATOR, str(path), mode],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout.readline().strip() == "ready"
        return proc

    path = tmp_path / "stalled.lmapp"
    proc = start(path, "stall")
    assert proc.stdout.readline().strip() == "inside"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _check_after_kill(path, tmp_path) == "none"
    t0 = time.perf_counter()  # how long one creation takes, then kills spread over it
    proc = start(tmp_path / "timed.lmapp", "plain")
    assert proc.stdout.readline().strip() == "done"
    took = time.perf_counter() - t0
    proc.wait()
    outcomes = []
    for k, delay in enumerate(np.linspace(0.2, 1.1, 8) * took):
        path = tmp_path / f"new{k}.lmapp"
        proc = start(path, "plain")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes.append(_check_after_kill(path, tmp_path))
    assert len(outcomes) == 8

"""Explore and connect jobs on a Dask cluster: the same minima as on local threads, a worker
killed mid-task loses nothing, a scheduler that goes away ends the run as interrupted (and the
next run continues it), pause and cancel reach running tasks, bad clusters are one line and
exit 2 with the project untouched, and the GUI's Run on."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
import psutil  # noqa: E402 - installed with distributed

from lmapp.api import Project  # noqa: E402
from lmapp.cli import main  # noqa: E402
from lmapp.jobs import cluster as cluster_module  # noqa: E402
from lmapp.jobs.cluster import Cluster, ClusterAddress, ClusterError  # noqa: E402
from lmapp.jobs.control import JobControl  # noqa: E402
from lmapp.jobs.explore import WALKER_KIND  # noqa: E402
from lmapp.jobs.lifecycle import job_run  # noqa: E402
from lmapp.landscape.model import ModelSpec  # noqa: E402
from lmapp.landscape.transition import verify_transition_state  # noqa: E402
from lmapp.store import ProjectError, ProjectFile, schema  # noqa: E402
from lmapp.store.schema import RunStatus  # noqa: E402

XOR = ModelSpec(hidden=(3,), lam=1e-2)
#: 2 walkers, 4 rounds of 1000 quenches each (a round's tasks run for a good fraction of a second)
RUN = {"steps": 4000, "walkers": 2, "seed": 5, "chunk": 1000}


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes (LocalCluster, processes=True), shared by the tests; every kernel
    of an explore and a connect job compiled here first (numba's cache), then loaded by each
    worker, so that no test (nor a restarted worker) compiles."""
    _warm_up()
    with Cluster.connect("local:2") as c:
        c.client.run(_warm_up)
        yield c


def _warm_up() -> None:
    import tempfile

    with (
        tempfile.TemporaryDirectory() as tmp,
        Project.create(Path(tmp) / "w.lmapp", "xor", XOR) as p,
    ):
        p.explore(steps=50, walkers=2, seed=0)
        p.connect(mode="all", budget=2, workers=1)


def stored(path: Path) -> dict:
    """What a run left in the project: minima (ids, losses, weights) and walker states."""
    with ProjectFile.open(path, readonly=True) as pf:
        m = pf.minima(with_weights=True, order="id")
        walkers = pf.walker_states(WALKER_KIND)
    return {
        "ids": m["id"].tolist(),
        "loss": m["loss"].tolist(),
        "weights": np.array(m["weights"]),
        "walkers": [s for s, _ in walkers],
        "x": [x.tolist() for _, x in walkers],
    }


def same(a: dict, b: dict) -> None:
    assert a["ids"] == b["ids"] and a["loss"] == b["loss"]
    assert np.array_equal(a["weights"], b["weights"])
    assert a["walkers"] == b["walkers"] and a["x"] == b["x"]


@pytest.fixture(scope="module")
def on_threads(tmp_path_factory) -> dict:
    """The reference: RUN on local threads."""
    path = tmp_path_factory.mktemp("threads") / "xor.lmapp"
    with Project.create(path, "xor", XOR) as p:
        s = p.explore(**RUN)
    assert s.status == "finished" and s.quenches == 8000
    return stored(path)


def test_cluster_addresses_parse_or_say_why():
    assert ClusterAddress.parse("tcp://node12:8786").scheduler == "tcp://node12:8786"
    assert ClusterAddress.parse(" local:4 ").local_workers == 4
    assert str(ClusterAddress.parse("tcp://[::1]:8786")) == "tcp://[::1]:8786"
    for bad in (
        "",
        "node12:8786",
        "tcp://node12",
        "tcp://node12:99999",
        "local:",
        "local:x",
        "http://node12:8786",
        "tcp://a b:1",
    ):
        with pytest.raises(ValueError, match="tcp://HOST:PORT"):
            ClusterAddress.parse(bad)
    with pytest.raises(ValueError, match="1 ≤ N ≤ 256"):
        ClusterAddress.parse("local:0")


def test_cluster_explore_stores_exactly_what_threads_store(cluster, on_threads, tmp_path):
    path = tmp_path / "xor.lmapp"
    reports = []
    with Project.create(path, "xor", XOR) as p:
        s = p.explore(progress=reports.append, cluster=cluster, **RUN)
    assert s.status == "finished" and s.quenches == 8000 and s.new_minima == len(on_threads["ids"])
    assert [r.steps_done for r in reports] == [2000, 4000, 6000, 8000]
    same(stored(path), on_threads)
    info = cluster.info()
    assert info.workers == 2 and info.dashboard.startswith("http")


def test_worker_killed_mid_task_loses_nothing(cluster, on_threads, tmp_path):
    path = tmp_path / "xor.lmapp"
    pids = cluster.client.run(os.getpid)
    killed = []

    def kill_one(report) -> None:  # the next round's tasks are running: kill one of their workers
        if not killed:
            busy = [
                w
                for w, keys in cluster.client.processing().items()
                if any(str(k).startswith("hop-walker") for k in keys)
            ]
            psutil.Process(pids[busy[0]]).kill()
            killed.append((report.steps_done, pids[busy[0]]))

    with Project.create(path, "xor", XOR) as p:
        s = p.explore(progress=kill_one, cluster=cluster, **RUN)
    assert [k[0] for k in killed] == [2000] and not psutil.pid_exists(killed[0][1])
    assert s.status == "finished" and s.quenches == 8000
    same(stored(path), on_threads)
    cluster.client.wait_for_workers(2, timeout=60)  # the nanny restarted it


@pytest.fixture
def scheduler_process(tmp_path):
    """A scheduler and one worker in processes of their own (so the test can kill them)."""
    file = tmp_path / "scheduler.json"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(file),
            ],
            stderr=subprocess.DEVNULL,
        )
    ]
    procs.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                "--scheduler-file",
                str(file),
                "--nthreads",
                "1",
            ],
            stderr=subprocess.DEVNULL,
        )
    )
    try:
        yield file, procs[0]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_lost_scheduler_ends_run_interrupted_and_next_run_continues(
    scheduler_process, on_threads, tmp_path
):
    file, scheduler = scheduler_process
    path = tmp_path / "xor.lmapp"
    Project.create(path, "xor", XOR).close()
    client = distributed.Client(scheduler_file=str(file), timeout=30, set_as_default=False)
    client.wait_for_workers(1, timeout=60)
    address = client.scheduler.address
    client.close()

    def kill_scheduler(report) -> None:
        scheduler.kill()
        scheduler.wait()

    with Project.open(path) as p:
        s = p.explore(progress=kill_scheduler, cluster=address, **RUN)
    assert s.status == "interrupted" and s.quenches == 2000
    after = stored(path)
    assert [w["steps_done"] for w in after["walkers"]] == [1000, 1000]
    with ProjectFile.open(path, readonly=True) as pf:
        assert pf.runs()[-1]["status"] == "interrupted"
    with Project.open(path) as p:  # the next explore continues the walkers, here
        s = p.explore(**{**RUN, "steps": 3000})
    assert s.status == "finished" and s.quenches == 6000
    same(stored(path), on_threads)


def test_files_from_before_the_interrupted_status_record_such_runs_as_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "DDL", tuple(s.replace(", 'interrupted'", "") for s in schema.DDL))
    path = tmp_path / "old.lmapp"
    Project.create(path, "xor", XOR).close()
    monkeypatch.undo()
    with ProjectFile.open(path) as pf:
        run_id = pf.start_run("explore", {}, None)
        with pytest.raises(ProjectError, match="CHECK constraint failed"):
            pf.update_run(run_id, status=RunStatus.INTERRUPTED)
        pf.update_run(run_id, status=RunStatus.FINISHED)
        with job_run(pf, "explore", {}) as run:
            run.stats = {"quenches": 3}
            run.status = RunStatus.INTERRUPTED
        last = pf.runs()[-1]
    assert last["status"] == "failed" and last["stats"] == {"quenches": 3, "interrupted": True}


def test_cancel_stops_running_tasks_within_a_chunk(cluster, tmp_path):
    path = tmp_path / "xor.lmapp"
    with Project.create(path, "xor", XOR) as p:
        control = JobControl()
        handle = p.explore_async(
            control=control, cluster=cluster, steps=100_000, walkers=2, chunk=100_000
        )
        time.sleep(3)
        t = time.perf_counter()
        control.cancel()
        s = handle.wait(timeout=30)
        assert time.perf_counter() - t < 5
    assert s.status == "cancelled" and 0 < s.quenches < 200_000
    assert sum(w["steps_done"] for w in stored(path)["walkers"]) == s.quenches


def test_pause_and_resume_on_the_cluster(cluster, on_threads, tmp_path):
    path = tmp_path / "xor.lmapp"
    with Project.create(path, "xor", XOR) as p:
        control = JobControl()
        paused = []

        def pause_once(report) -> None:
            if not paused:
                control.pause()
                paused.append(report.steps_done)

        handle = p.explore_async(progress=pause_once, control=control, cluster=cluster, **RUN)
        deadline = time.monotonic() + 30
        while not paused and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        with ProjectFile.open(path, readonly=True) as pf:
            assert pf.runs()[-1]["status"] == "paused"
        control.resume()
        s = handle.wait(timeout=60)
    assert s.status == "finished" and s.quenches == 8000
    # a pause cuts the running chunks short, so rounds (and ids) may differ; the walkers'
    # trajectories do not
    after = stored(path)
    assert after["walkers"] == on_threads["walkers"] and after["x"] == on_threads["x"]
    assert sorted(after["loss"]) == pytest.approx(sorted(on_threads["loss"]), abs=1e-10)


def test_connect_on_the_cluster_stores_verified_transition_states(cluster, tmp_path):
    path = tmp_path / "xor.lmapp"
    with Project.create(path, "xor", XOR) as p:
        p.explore(steps=200, walkers=2, seed=1)
        s = p.connect(mode="all", budget=12, workers=2, cluster=cluster)
        assert s.status == "finished" and s.attempts >= 1 and s.new_ts >= 1
        t = p.file.transition_states(with_weights=True)
        assert t["id"].size == s.new_ts
        for w, e in zip(t["weights"], t["loss"]):
            v = verify_transition_state(p.model, w, 1e-6)
            assert v.is_ts and v.hessian_index == 1
            assert p.model.loss(w) == pytest.approx(e, rel=1e-12)
        assert p.network()["edges"] >= 1


def snapshot(path: Path) -> dict:
    return {q.name: q.read_bytes() for q in path.parent.glob(path.name + "*")}


def cli(argv: list, capsys) -> tuple[int, str]:
    rc = main([str(a) for a in argv])
    return rc, capsys.readouterr().err


@pytest.fixture(scope="module")
def existing(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "xor.lmapp"
    with Project.create(path, "xor", XOR) as p:
        p.explore(steps=60, walkers=2)
    return path


def test_cli_runs_on_the_cluster(cluster, existing, tmp_path, capsys):
    address = cluster.client.scheduler.address
    rc, err = cli(
        ["explore", tmp_path / "new.lmapp", "--steps", "30", "--cluster", address], capsys
    )
    assert rc == 0 and f"running on {address}: 2 workers" in err
    rc, err = cli(["connect", existing, "--all", "--budget", "2", "--cluster", address], capsys)
    assert rc == 0 and "2 workers" in err


@pytest.mark.parametrize("command", [["explore", "--steps", "5"], ["connect", "--all"]])
def test_cli_garbage_and_unreachable_clusters_are_one_line(
    command, existing, tmp_path, capsys, monkeypatch
):
    before = snapshot(existing)
    new = tmp_path / "new.lmapp"
    for target in (existing, new):
        rc, err = cli([command[0], target, *command[1:], "--cluster", "node12"], capsys)
        assert rc == 2 and err.count("\n") == 1 and "tcp://HOST:PORT" in err
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 1.0)
    rc, err = cli([command[0], existing, *command[1:], "--cluster", "tcp://127.0.0.1:9"], capsys)
    assert rc == 2 and err.startswith(
        "lmapp: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1 s"
    )
    assert snapshot(existing) == before and not new.exists()


@pytest.fixture(scope="module")
def bare_scheduler():
    """A scheduler without workers (the tests start their own)."""
    local = distributed.LocalCluster(
        n_workers=0, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
    )
    yield local.scheduler_address
    local.close()


def worker_with(package: Path, scheduler: str) -> subprocess.Popen:
    """A worker process that imports the ``lmapp`` package in folder ``package``."""
    env = {**os.environ, "PYTHONPATH": str(package)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            scheduler,
            "--nthreads",
            "1",
            "--no-nanny",
        ],
        env=env,
        cwd=package,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("init", "message"),
    [
        (
            'raise ModuleNotFoundError("No module named \'lmapp\'", name="lmapp")',
            "cannot import lmapp",
        ),
        ('__version__ = "0.0.1"\n__path__.append({real!r})', "runs lmapp 0.0.1, this is lmapp"),
    ],
)
def test_workers_without_this_lmapp_are_refused(
    init, message, bare_scheduler, existing, tmp_path, capsys, monkeypatch
):
    import lmapp

    (tmp_path / "lmapp").mkdir()
    (tmp_path / "lmapp" / "__init__.py").write_text(
        init.format(real=str(Path(lmapp.__file__).parent))
    )
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 30.0)
    worker = worker_with(tmp_path, bare_scheduler)
    try:
        before = snapshot(existing)
        rc, err = cli(["explore", existing, "--steps", "5", "--cluster", bare_scheduler], capsys)
        assert rc == 2 and err.count("\n") == 1 and message in err, err
        assert "install" in err and snapshot(existing) == before
        with pytest.raises(ClusterError, match=message):
            Cluster.connect(bare_scheduler)
    finally:
        worker.kill()
        worker.wait()


def test_gui_run_on_checks_and_runs_on_the_cluster(cluster, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from lmapp.gui.core.job_queue import JobQueue
    from lmapp.gui.panels.explore_panel import ExplorePanel

    jobs = JobQueue()
    panel = ExplorePanel(jobs)
    qtbot.addWidget(panel)
    path = tmp_path / "xor.lmapp"
    project = Project.create(path, "xor", XOR)
    jobs.set_project(project)
    panel.set_project(project)
    panel.run_on.set_cluster("local:two")
    assert not panel.start_button.isEnabled() and "local:N" in panel.run_on.status.text()
    address = cluster.client.scheduler.address
    panel.run_on.set_cluster(address)
    assert panel.start_button.isEnabled()
    qtbot.mouseClick(panel.run_on.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "2 workers" in panel.run_on.status.text(), timeout=20000)
    assert "dashboard <a href=" in panel.run_on.status.text()
    panel.set_params(steps=50, walkers=2, seed=2)
    job = panel.start()
    assert job.params["cluster"] == address
    qtbot.waitUntil(lambda: not jobs.busy, timeout=60000)
    assert job.status == "finished" and job.summary.quenches == 100
    assert f"on {address}" in panel.log.toPlainText()
    assert project.file.n_minima() == job.summary.total_minima >= 1
    panel.run_on.set_cluster(None)
    assert panel.run_on.cluster() is None
    project.close()

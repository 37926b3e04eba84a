"""Connect jobs on a real XOR landscape, PATHSAMPLE round trips and the CLI commands."""

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli import main
from lmapp.interchange.pathsample import PathsampleError
from lmapp.interchange.pathsample_project import export_pathsample, import_pathsample
from lmapp.landscape.model import ModelSpec
from lmapp.landscape.transition import verify_transition_state
from lmapp.store import ProjectError


@pytest.fixture(scope="module")
def connected(tmp_path_factory):
    path = tmp_path_factory.mktemp("conn") / "xor.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-2)) as p:
        p.explore(steps=200, walkers=2, seed=1)
        s = p.connect(mode="all", budget=12, workers=2)
        assert s.status == "finished" and s.attempts >= 1
    return path


def test_every_stored_ts_is_verified_and_joins_stored_minima(connected):
    with Project.open(connected, readonly=True) as p:
        t = p.file.transition_states(with_weights=True)
        assert t["id"].size >= 1
        ids = set(p.minima()["id"].tolist())
        for w, e, a, b in zip(t["weights"], t["loss"], t["min1"], t["min2"]):
            v = verify_transition_state(p.model, w, 1e-6)
            assert v.is_ts and v.hessian_index == 1 and v.eigenvalue < 0
            assert p.model.loss(w) == pytest.approx(e, rel=1e-12)
            assert a in ids and b in ids
            lo = min(p.model.loss(p.weights(int(a))), p.model.loss(p.weights(int(b))))
            assert e > lo  # a transition state lies above the minima it joins
        net = p.network()
        assert net["edges"] >= 1 and net["components"] < net["nodes"]


def test_connect_needs_minima_and_valid_ids(tmp_path):
    with Project.create(tmp_path / "empty.lmapp", "xor") as p:
        with pytest.raises(ProjectError, match="at least two minima"):
            p.connect(mode="all", budget=1)
        p.explore(steps=30, walkers=1)  # only the global minimum (once)
        with pytest.raises(ProjectError, match="at least two minima"):
            p.connect(mode="all", budget=1)
        p.explore(steps=300, walkers=1)
        with pytest.raises(ProjectError, match="no minimum with id 999"):
            p.connect(mode="pair", pair=(1, 999), budget=1)
        with pytest.raises(ValueError, match="mode"):
            p.connect(mode="everything")


def test_pathsample_round_trip_is_lossless(connected, tmp_path):
    with Project.open(connected, readonly=True) as p:
        export_pathsample(p.file, tmp_path / "ps")
        m0, t0 = p.minima(order="id"), p.file.transition_states(with_weights=True)
        spec = p.model.spec
    with Project.create(tmp_path / "copy.lmapp", "xor", spec) as q:
        counts = import_pathsample(q.file, q.model, tmp_path / "ps")
        assert counts["minima"] == m0["id"].size and counts["transition_states"] == t0["id"].size
        m1, t1 = q.minima(order="id"), q.file.transition_states(with_weights=True)
        assert np.array_equal(m1["loss"], m0["loss"]) and np.array_equal(
            m1["weights"], m0["weights"]
        )
        assert np.array_equal(t1["loss"], t0["loss"]) and np.array_equal(
            t1["weights"], t0["weights"]
        )
        pos0 = {int(i): k for k, i in enumerate(m0["id"])}
        pos1 = {int(i): k for k, i in enumerate(m1["id"])}
        assert [pos1[int(a)] for a in t1["min1"]] == [pos0[int(a)] for a in t0["min1"]]
        assert [pos1[int(b)] for b in t1["min2"]] == [pos0[int(b)] for b in t0["min2"]]
        # exporting the copy gives the same files
        export_pathsample(q.file, tmp_path / "ps2")
    for name in ("min.data", "ts.data", "points.min", "points.ts"):
        assert (tmp_path / "ps" / name).read_bytes() == (tmp_path / "ps2" / name).read_bytes()


def test_import_into_a_different_model_is_refused_and_writes_nothing(connected, tmp_path):
    with Project.open(connected, readonly=True) as p:
        export_pathsample(p.file, tmp_path / "ps")
    with Project.create(tmp_path / "other.lmapp", "xor", ModelSpec(hidden=(3,), lam=1e-3)) as q:
        with pytest.raises(PathsampleError, match="differs from this project's loss"):
            import_pathsample(q.file, q.model, tmp_path / "ps")
        assert q.file.n_minima() == 0 and q.file.n_transition_states() == 0 and q.file.runs() == []


def test_cli_connect_export_import(connected, tmp_path, capsys):
    rc = main(["connect", str(connected), "--refine", "--budget", "2", "--workers", "1"])
    out = capsys.readouterr().out
    assert rc == 0 and "attempts" in out and "network:" in out
    assert (
        main(["export", str(connected), "--format", "pathsample", "--out", str(tmp_path / "d")])
        == 0
    )
    assert (tmp_path / "d" / "ts.data").stat().st_size > 0
    with Project.open(connected, readonly=True) as p:
        spec = p.model.spec
    Project.create(tmp_path / "c.lmapp", "xor", spec).close()
    assert main(["import-pathsample", str(tmp_path / "d"), str(tmp_path / "c.lmapp")]) == 0
    assert "imported" in capsys.readouterr().out
    assert main(["import-pathsample", str(tmp_path / "nowhere"), str(tmp_path / "c.lmapp")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert main(["connect", str(connected), "--pair", "1", "1"]) == 2
    assert (
        main(
            [
                "export",
                str(connected),
                "--format",
                "pathsample",
                "--with-data",
                "--out",
                str(tmp_path / "e"),
            ]
        )
        == 2
    )


def test_pushoffs_of_stored_ts_quench_to_its_recorded_minima(connected):
    """Independent check: from the stored (canonical) TS, the exact Hessian's unstable mode
    leads down to the two minima the database records for it."""
    from lmapp.landscape.transition import connected_minima

    with Project.open(connected, readonly=True) as p:
        m = p.minima(order="id")
        reg = p.model.registry()
        for i, f, w in zip(m["id"], m["loss"], m["weights"]):
            reg.add(int(i), float(f), w)
        t = p.file.transition_states(with_weights=True)
        for w, a, b in zip(t["weights"], t["min1"], t["min2"]):
            vals, vecs = np.linalg.eigh(p.model.hessian(w))
            assert vals[0] < 0 < vals[1]
            minus, plus = connected_minima(p.model, w, vecs[:, 0])
            found = {reg.match(minus.energy, minus.x), reg.match(plus.energy, plus.x)}
            assert found == {int(a), int(b)}

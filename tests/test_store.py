"""Round trips, validation and refusal rules of the project file layer (lmapp.store)."""

from __future__ import annotations

import io
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

import lmapp.store
from lmapp.store import SCHEMA_VERSION, ProjectError, ProjectFile

P = 6  # weight-vector length used throughout


def dataset_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "X_train": rng.normal(size=(7, 3)).astype(np.float32),
        "y_train": np.array([0, 1, 2, 1, 0, 2, 1], dtype=np.int64),
        "X_test": np.asfortranarray(rng.normal(size=(4, 3)).astype(">f8")),  # big-endian, F order
        "y_test": np.array([2, 0, 1, 1], dtype=np.int8),
    }


def make_project(path: Path, **kwargs) -> ProjectFile:
    return ProjectFile.create(
        path,
        dataset_spec={"kind": "iris", "mislabel": 0.1, "seed": 3},
        dataset_arrays=dataset_arrays(),
        model_spec={"hidden": [3], "activation": "tanh", "l2": 1e-4},
        **kwargs,
    )


def row(loss: float, seed: int = 0, **fields) -> dict:
    weights = np.random.default_rng(seed).normal(size=P)
    return {
        "loss": loss,
        "rms_grad": 1e-9,
        "hessian_index": 0,
        "min_eig": 0.5,
        "lpphe": -3.25,
        "n_zero_modes": 0,
        "weights": weights,
        "walker": 0,
        "step": seed,
        **fields,
    }


def ts_row(loss: float, min1: int, min2: int, seed: int = 0, **fields) -> dict:
    weights = np.random.default_rng(100 + seed).normal(size=P)
    return {
        "loss": loss,
        "rms_grad": 1e-7,
        "eigenvalue": -0.25,
        "lpphe": -2.0,
        "min1": min1,
        "min2": min2,
        "weights": weights,
        **fields,
    }


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path / "p.lmapp") as pf:
        yield pf


def file_state(path: Path) -> tuple[bytes, list[str]]:
    """Bytes of the file and the names of everything beside it (to show nothing changed)."""
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def assert_unchanged_by_refused_opens(path: Path) -> str:
    """Refused read-write and read-only opens leave the file as it was; a read-only open of a WAL
    file may leave SQLite's empty -wal/-shm sidecars behind, nothing else."""
    before = file_state(path)
    with pytest.raises(ProjectError) as refused_rw:
        ProjectFile.open(path)
    assert file_state(path) == before
    with pytest.raises(ProjectError) as refused_ro:
        ProjectFile.open(path, readonly=True)
    assert path.read_bytes() == before[0]
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert str(refused_rw.value) == str(refused_ro.value)
    return str(refused_rw.value)


# ---------------------------------------------------------------- description round trips
def test_dataset_arrays_round_trip_exactly(project):
    spec, arrays = project.dataset()
    assert spec == {"kind": "iris", "mislabel": 0.1, "seed": 3}
    expected = dataset_arrays()
    assert list(arrays) == ["X_train", "y_train", "X_test", "y_test"]
    for key, value in expected.items():
        assert arrays[key].dtype == value.dtype, key
        assert arrays[key].shape == value.shape, key
        assert np.array_equal(arrays[key], value), key


def test_model_spec_and_meta(tmp_path, project):
    assert project.model_spec() == {"hidden": [3], "activation": "tanh", "l2": 1e-4}
    meta = project.meta()
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["format"] == "lmapp-project"
    assert meta["name"] == "p"
    assert meta["created_at"][:2] == "20" and "lmapp_version" in meta
    with make_project(tmp_path / "q.lmapp", name="Iris study") as other:
        assert other.meta()["name"] == "Iris study"
    assert project.path == (tmp_path / "p.lmapp").absolute() and project.readonly is False


def test_file_settings(project):
    conn = sqlite3.connect(project.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert project._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert project._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_json_accepts_numpy_scalars(project):
    run = project.start_run(
        "bh", {"T": np.float64(0.5), "walkers": np.int64(4), "steps": (1, 2)}, 7
    )
    params = project.runs()[0]["params"]
    assert params.pop("owner")["pid"] == os.getpid()  # the claiming process, recorded
    assert params == {"T": 0.5, "steps": [1, 2], "walkers": 4}
    with pytest.raises(ProjectError, match="JSON"):
        project.update_run(run, stats={"bad": object()})


# ---------------------------------------------------------------- runs
def test_run_lifecycle(project):
    r1 = project.start_run("basin_hopping", {"T": 1.0, "n_walkers": 2}, seed=42)
    r2 = project.start_run("connect", {}, seed=None)
    assert (r1, r2) == (1, 2)
    first = project.runs()[0]
    assert first["kind"] == "basin_hopping" and first["seed"] == 42 and first["status"] == "running"
    assert {k: v for k, v in first["params"].items() if k != "owner"} == {"T": 1.0, "n_walkers": 2}
    assert first["stats"] == {}
    assert first["finished_at"] is None and first["elapsed"] is None and first["started_at"] > 1e9

    project.update_run(r1, status="paused", stats={"steps": 10}, elapsed=1.5)
    run = project.runs()[0]
    assert (run["status"], run["stats"], run["elapsed"], run["finished_at"]) == (
        "paused",
        {"steps": 10},
        1.5,
        None,
    )
    project.update_run(r1, status="finished", elapsed=2.5)
    run = project.runs()[0]
    assert run["status"] == "finished" and run["elapsed"] == 2.5 and run["stats"] == {"steps": 10}
    assert run["finished_at"] >= run["started_at"]
    project.update_run(r2, status="failed")
    assert [r["status"] for r in project.runs()] == ["finished", "failed"]
    assert project.runs()[1]["seed"] is None

    with pytest.raises(ProjectError, match="status"):
        project.update_run(r1, status="done", stats={"steps": 99})
    assert project.runs()[0]["stats"] == {"steps": 10}
    with pytest.raises(ProjectError, match="no run with id 99"):
        project.update_run(99, status="finished")
    with pytest.raises(ProjectError, match="no run with id 99"):
        project.update_run(99)


# ---------------------------------------------------------------- minima
def test_minima_round_trip_and_order(project):
    run = project.start_run("bh", {}, 1)
    rows = [row(0.3, 1), row(0.1, 2, walker=1), row(0.2, 3), row(0.1, 4, walker=None, step=None)]
    ids = project.add_minima(rows, run)
    assert ids == [1, 2, 3, 4] and project.n_minima() == 4
    assert project.add_minima([row(0.05, 5)], None) == [5]

    by_id = project.minima()
    assert by_id["id"].tolist() == [1, 2, 3, 4, 5]
    assert by_id["loss"].tolist() == [0.3, 0.1, 0.2, 0.1, 0.05]
    assert by_id["run_id"].tolist() == [1, 1, 1, 1, -1]
    assert by_id["walker"].tolist() == [0, 1, 0, -1, 0]
    assert by_id["step"].tolist() == [1, 2, 3, -1, 5]
    assert by_id["hessian_index"].tolist() == [0] * 5 and by_id["n_zero_modes"].tolist() == [0] * 5
    assert np.all(by_id["min_eig"] == 0.5) and np.all(by_id["lpphe"] == -3.25)
    assert np.all(by_id["rms_grad"] == 1e-9) and np.all(by_id["found_at"] > 1e9)
    assert by_id["weights"].shape == (5, P) and by_id["weights"].dtype == np.float64
    for i, r in enumerate(rows):
        assert np.array_equal(by_id["weights"][i], r["weights"])
    assert by_id["id"].dtype == np.int64 and by_id["loss"].dtype == np.float64

    by_loss = project.minima(order="loss", with_weights=False)
    assert by_loss["id"].tolist() == [5, 2, 4, 3, 1]  # ties broken by id
    assert "weights" not in by_loss
    with pytest.raises(ProjectError, match="order"):
        project.minima(order="energy")


def test_weights_with_differing_blob_headers(project):
    """Rows whose .npy headers differ (e.g. written by another numpy) still stack correctly."""
    project.add_minima([row(0.3, 1)], None)
    foreign = np.arange(P, dtype=">f8")
    buffer = io.BytesIO()
    np.save(buffer, foreign)
    conn = sqlite3.connect(project.path)
    with conn:
        conn.execute(
            "INSERT INTO minima (loss, weights, found_at) VALUES (0.1, ?, 0)", (buffer.getvalue(),)
        )
    conn.close()
    weights = project.minima()["weights"]
    assert weights.shape == (2, P) and weights.dtype == np.float64
    assert np.array_equal(weights[0], row(0.3, 1)["weights"]) and weights[1].tolist() == list(
        range(P)
    )


def test_minimum_single_row(project):
    project.add_minima([row(0.3, 1), row(0.2, 2, lpphe=None, found_at=123.0)], None)
    m = project.minimum(2)
    assert m["id"] == 2 and m["loss"] == 0.2 and m["lpphe"] is None and m["found_at"] == 123.0
    assert m["run_id"] is None and m["walker"] == 0 and m["step"] == 2
    assert np.array_equal(m["weights"], row(0.2, 2)["weights"])
    with pytest.raises(ProjectError, match="no minimum with id 9"):
        project.minimum(9)


def test_empty_project_arrays(project):
    m = project.minima()
    assert project.n_minima() == 0
    assert all(len(m[k]) == 0 for k in m if k != "weights") and m["weights"].shape == (0, 0)
    assert m["id"].dtype == np.int64 and m["loss"].dtype == np.float64
    ts = project.transition_states(with_weights=True)
    assert len(ts["id"]) == 0 and ts["weights"].shape == (0, 0)


def test_numpy_scalars_and_float32_weights(project):
    ids = project.add_minima(
        [
            {
                "loss": np.float32(0.5),
                "weights": np.arange(P, dtype=np.float32),
                "walker": np.int64(2),
                "step": np.int32(4),
            }
        ],
        None,
    )
    m = project.minimum(ids[0])
    assert m["walker"] == 2 and type(m["walker"]) is int and m["loss"] == 0.5
    assert m["weights"].dtype == np.float64 and m["weights"].tolist() == list(range(P))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"loss": float("nan")}, "loss must be finite"),
        ({"loss": float("inf")}, "loss must be finite"),
        ({"weights": np.ones(P + 1)}, "length 7"),
        ({"weights": np.ones((2, 3))}, "1-D"),
        ({"weights": np.array([1.0, np.nan, 0, 0, 0, 0])}, "NaN"),
        ({"hessian": 0}, "unknown field"),
        ({"step": 1.5}, "integer"),
        ({"loss": None}, "missing required"),
    ],
)
def test_bad_row_rejects_whole_batch(project, bad, message):
    project.add_minima([row(0.9)], None)
    batch = [row(0.1, 1), {**row(0.2, 2), **bad}, row(0.3, 3)]
    with pytest.raises(ProjectError, match=message):
        project.add_minima(batch, None)
    assert project.n_minima() == 1


def test_weight_length_fixed_by_stored_rows(project):
    project.add_minima([row(0.5)], None)
    with pytest.raises(ProjectError, match="length 3, but this project's have 6"):
        project.add_minima([{"loss": 0.1, "weights": np.ones(3)}], None)
    with pytest.raises(ProjectError, match="length 3, but this project's have 6"):
        project.add_transition_states(
            [{"loss": 0.1, "min1": 1, "min2": 1, "weights": np.ones(3)}], None
        )
    assert project.n_minima() == 1 and project.n_transition_states() == 0


def test_database_error_mid_batch_rolls_back(project, monkeypatch):
    """A failure late in the transaction undoes the minima and walker states written before it."""
    run = project.start_run("bh", {}, 0)
    project.save_walker_states("bh", [({"step": 1}, np.zeros(P))])
    with pytest.raises(ProjectError, match="FOREIGN KEY"):
        project.add_minima([row(0.1)], run_id=77)

    def failing_update(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ProjectFile, "_update_run", staticmethod(failing_update))
    with pytest.raises(ProjectError, match="nothing written: disk I/O error"):
        project.commit_batch(
            minima=[row(0.1), row(0.2)],
            run_id=run,
            walker_kind="bh",
            walker_states=[({"step": 2}, np.ones(P))],
            run_stats={"n": 2},
        )
    assert project.n_minima() == 0
    assert project.walker_states("bh")[0][0] == {"step": 1}
    assert project.runs()[0]["stats"] == {}
    monkeypatch.undo()
    with pytest.raises(ProjectError, match="no run with id 78"):
        project.commit_batch(minima=[], run_id=78, run_stats={"n": 2})


# ------------------------------------------------------------ transition states and failed pairs
def test_transition_states_round_trip(project):
    project.add_minima([row(0.1, 1), row(0.2, 2), row(0.3, 3)], None)
    run = project.start_run("connect", {"k": 10}, 5)
    ids = project.add_transition_states(
        [ts_row(0.5, 1, 2, 1), ts_row(0.7, 2, 3, 2, lpphe=None)], run
    )
    assert ids == [1, 2] and project.n_transition_states() == 2
    ts = project.transition_states()
    assert "weights" not in ts
    assert ts["id"].tolist() == [1, 2] and ts["loss"].tolist() == [0.5, 0.7]
    assert ts["min1"].tolist() == [1, 2] and ts["min2"].tolist() == [2, 3]
    assert ts["eigenvalue"].tolist() == [-0.25, -0.25] and ts["run_id"].tolist() == [run, run]
    assert ts["lpphe"][0] == -2.0 and np.isnan(ts["lpphe"][1])
    with_w = project.transition_states(with_weights=True)
    assert with_w["weights"].shape == (2, P)
    assert np.array_equal(with_w["weights"][1], ts_row(0.7, 2, 3, 2)["weights"])

    with pytest.raises(ProjectError, match="FOREIGN KEY"):
        project.add_transition_states([ts_row(0.6, 1, 3), ts_row(0.6, 1, 42)], run)
    with pytest.raises(ProjectError, match="missing required"):
        project.add_transition_states([{"loss": 0.6, "min1": 1, "weights": np.zeros(P)}], run)
    assert project.n_transition_states() == 2


def test_failed_pairs_counted_order_insensitively(project):
    project.add_minima([row(0.1, 1), row(0.2, 2), row(0.3, 3)], None)
    run = project.start_run("connect", {}, None)
    project.record_failed_pair(1, 2, run)
    project.record_failed_pair(2, 1, None)
    project.record_failed_pair(3, 1, run)
    project.record_failed_pair(np.int64(2), np.int64(1), run)
    assert project.failed_pairs() == {(1, 2): 3, (1, 3): 1}
    with pytest.raises(ProjectError, match="two different minima"):
        project.record_failed_pair(2, 2, run)
    with pytest.raises(ProjectError, match="FOREIGN KEY"):
        project.record_failed_pair(1, 9, run)
    assert project.failed_pairs() == {(1, 2): 3, (1, 3): 1}


# ---------------------------------------------------------------- walker states
def test_walker_states_replace_and_resume(project):
    rngs = [np.random.default_rng(seed) for seed in (11, 12, 13)]
    for rng in rngs:
        rng.normal(size=5)  # advance, so the saved state is not the seed state
    states = [
        (
            {"energy": 0.1 * i, "step_size": 0.4, "steps": 100 + i, "rng": rng.bit_generator.state},
            np.arange(P, dtype=np.float64) * i,
        )
        for i, rng in enumerate(rngs)
    ]
    project.save_walker_states("basin_hopping", states)
    project.save_walker_states("other", [({"a": 1}, np.zeros(2, dtype=np.int32))])

    restored = project.walker_states("basin_hopping")
    assert len(restored) == 3
    for i, ((state, x), rng) in enumerate(zip(restored, rngs)):
        assert state["steps"] == 100 + i and state["energy"] == 0.1 * i
        assert np.array_equal(x, np.arange(P) * i) and x.dtype == np.float64
        resumed = np.random.default_rng()
        resumed.bit_generator.state = state["rng"]  # 128-bit integers survive JSON
        assert np.array_equal(resumed.normal(size=4), rng.normal(size=4))

    project.save_walker_states("basin_hopping", states[:2][::-1])
    assert [s["steps"] for s, _ in project.walker_states("basin_hopping")] == [101, 100]
    other = project.walker_states("other")
    assert other[0][0] == {"a": 1} and other[0][1].dtype == np.int32
    assert project.walker_states("unknown") == []


def test_commit_batch_writes_everything(project):
    run = project.start_run("basin_hopping", {}, 3)
    ids = project.commit_batch(
        minima=[row(0.2, 1), row(0.1, 2)],
        run_id=run,
        walker_kind="basin_hopping",
        walker_states=[({"steps": 5}, np.ones(P))],
        run_stats={"n_found": 2},
    )
    assert ids == [1, 2]
    assert project.minima(with_weights=False)["run_id"].tolist() == [run, run]
    assert project.walker_states("basin_hopping")[0][0] == {"steps": 5}
    assert project.runs()[0]["stats"] == {"n_found": 2}
    with pytest.raises(ProjectError, match="walker_kind"):
        project.commit_batch(minima=[row(0.3)], run_id=run, walker_states=[({}, np.ones(P))])
    with pytest.raises(ProjectError, match="Python objects"):
        project.commit_batch(
            minima=[row(0.3)],
            run_id=run,
            walker_kind="basin_hopping",
            walker_states=[({}, np.array([None, 1], dtype=object))],
        )
    with pytest.raises(ProjectError, match="without a run_id"):
        project.commit_batch(minima=[row(0.3)], run_id=None, run_stats={"n_found": 3})
    assert project.n_minima() == 2


# ---------------------------------------------------------------- derived data
def test_derived_data(project):
    assert project.get_derived("accuracy") is None
    acc = np.array([0.9, 0.85, 0.97])
    project.put_derived("accuracy", acc, {"split": "test", "ids": np.arange(3)})
    value, meta = project.get_derived("accuracy")
    assert np.array_equal(value, acc) and meta == {"ids": [0, 1, 2], "split": "test"}
    project.put_derived("accuracy", np.array([[1, 2]], dtype=np.uint16))
    value, meta = project.get_derived("accuracy")
    assert value.dtype == np.uint16 and value.tolist() == [[1, 2]] and meta == {}
    with pytest.raises(ProjectError, match="Python objects"):
        project.put_derived("bad", np.array([{}], dtype=object))


def test_object_array_blob_is_refused_on_read(project):
    """A blob holding serialised Python objects (written by another tool) is never loaded."""
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    conn = sqlite3.connect(project.path)
    with conn:
        conn.execute("INSERT INTO derived VALUES ('evil', ?, '{}', 0)", (buffer.getvalue(),))
    conn.close()
    with pytest.raises(ProjectError, match="unreadable"):
        project.get_derived("evil")


# ---------------------------------------------------------------- refusals
def test_newer_schema_version_refused_unchanged(tmp_path):
    path = tmp_path / "future.lmapp"
    make_project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 98),)
        )
    conn.close()
    message = assert_unchanged_by_refused_opens(path)
    assert f"schema version {SCHEMA_VERSION + 98} is not supported" in message
    assert f"reads schema versions 1 to {SCHEMA_VERSION}" in message and "newer lmapp" in message


def test_non_project_sqlite_file_refused_unchanged(tmp_path):
    path = tmp_path / "other.lmapp"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('format', 'something-else')")
    conn.close()
    assert "not an lmapp project" in assert_unchanged_by_refused_opens(path)

    empty = tmp_path / "empty.lmapp"
    empty.touch()
    assert "not an lmapp project" in assert_unchanged_by_refused_opens(empty)


def test_garbage_file_refused_unchanged(tmp_path):
    path = tmp_path / "garbage.lmapp"
    path.write_bytes(b"this is not a database at all\n" * 200)
    assert "not an lmapp project" in assert_unchanged_by_refused_opens(path)


def test_open_missing_and_create_existing_refused(tmp_path):
    missing = tmp_path / "missing.lmapp"
    with pytest.raises(ProjectError, match="no such project file"):
        ProjectFile.open(missing)
    assert not missing.exists()
    existing = tmp_path / "existing.lmapp"
    existing.write_bytes(b"precious")
    with pytest.raises(ProjectError, match="already exists"):
        make_project(existing)
    assert existing.read_bytes() == b"precious"
    make_project(tmp_path / "p.lmapp").close()
    with pytest.raises(ProjectError, match="already exists"):
        make_project(tmp_path / "p.lmapp")
    with ProjectFile.open(tmp_path / "p.lmapp") as pf:
        assert pf.model_spec()["hidden"] == [3]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("y_test"), "missing \\['y_test'\\]"),
        (lambda a: a.update(extra=np.zeros(2)), "unexpected \\['extra'\\]"),
        (lambda a: a.update(y_train=np.array(["a", None], dtype=object)), "Python objects"),
    ],
)
def test_failed_create_leaves_no_file(tmp_path, change, message):
    arrays = dataset_arrays()
    change(arrays)
    path = tmp_path / "p.lmapp"
    with pytest.raises(ProjectError, match=message):
        ProjectFile.create(path, dataset_spec={}, dataset_arrays=arrays, model_spec={})
    assert list(tmp_path.iterdir()) == []


def test_failure_inside_create_transaction_removes_file(tmp_path, monkeypatch):
    def broken_schema(conn, meta):
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO nowhere VALUES (1)")

    monkeypatch.setattr(lmapp.store.schema, "create_schema", broken_schema)
    with pytest.raises(ProjectError, match="cannot create project file"):
        make_project(tmp_path / "p.lmapp")
    assert list(tmp_path.iterdir()) == []


def test_readonly_refuses_writes(tmp_path):
    path = tmp_path / "p.lmapp"
    with make_project(path) as pf:
        run = pf.start_run("bh", {}, 0)
        pf.add_minima([row(0.1, 1), row(0.2, 2)], run)
    before = path.read_bytes()
    with ProjectFile.open(path, readonly=True) as ro:
        assert ro.readonly and ro.n_minima() == 2 and ro.runs()[0]["id"] == run
        writes = [
            lambda: ro.start_run("bh", {}, 1),
            lambda: ro.update_run(run, status="finished"),
            lambda: ro.add_minima([row(0.3)], None),
            lambda: ro.add_transition_states([ts_row(0.5, 1, 2)], None),
            lambda: ro.record_failed_pair(1, 2, None),
            lambda: ro.save_walker_states("bh", [({}, np.zeros(P))]),
            lambda: ro.commit_batch(minima=[row(0.3)], run_id=None),
            lambda: ro.put_derived("x", np.zeros(2)),
        ]
        for write in writes:
            with pytest.raises(ProjectError, match="read-only"):
                write()
        assert ro.n_minima() == 2 and ro.n_transition_states() == 0 and ro.failed_pairs() == {}
    assert path.read_bytes() == before


def test_closed_project_refuses_use(project):
    project.close()
    project.close()
    with pytest.raises(ProjectError, match="closed"):
        project.n_minima()
    with pytest.raises(ProjectError, match="closed"):
        project.add_minima([row(0.1)], None)


# ---------------------------------------------------------------- threads and hygiene
def test_shared_between_threads(project):
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for b in range(10):
                project.add_minima([row(0.1 * k + 0.001 * b, seed=i) for i in range(5)], None)
                project.minima(order="loss")
                project.put_derived(f"t{k}", np.array([b]))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = project.minima(with_weights=False)["id"]
    assert project.n_minima() == 200 and sorted(set(ids.tolist())) == list(range(1, 201))
    assert [project.get_derived(f"t{k}")[0].tolist() for k in range(4)] == [[9]] * 4


def test_no_pickle_in_store_package():
    package = Path(lmapp.store.__file__).parent
    offenders = [p.name for p in package.rglob("*") if p.is_file() and b"pickle" in p.read_bytes()]
    assert offenders == []


def test_transition_states_near_a_loss_and_their_ends(project):
    ids = project.add_minima(
        [{"loss": 0.1 * k, "weights": np.full(3, float(k))} for k in range(1, 4)], None
    )
    project.add_transition_states(
        [
            {"loss": loss, "weights": np.full(3, loss), "min1": ids[0], "min2": ids[k % 3]}
            for k, loss in enumerate((0.5, 0.50001, 0.7))
        ],
        None,
    )
    near = project.transition_states_near(0.5, 1e-3)
    assert near["loss"].tolist() == [0.5, 0.50001] and near["weights"].shape == (2, 3)
    assert project.transition_states_near(0.9, 1e-3)["id"].size == 0
    ends = project.transition_state_ends()
    assert set(ends) == {"id", "min1", "min2"} and ends["min2"].tolist() == [ids[0], ids[1], ids[2]]
    with pytest.raises(ProjectError, match="finite"):
        project.transition_states_near(float("nan"), 1e-3)


def test_a_schema_2_file_gains_the_loss_index_when_opened_for_writing(tmp_path):
    path = tmp_path / "old.lmapp"
    make_project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP INDEX transition_states_loss")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()

    def indexes() -> set[str]:
        c = sqlite3.connect(path)
        try:
            return {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        finally:
            c.close()

    with ProjectFile.open(path, readonly=True) as pf:  # read as it is
        assert pf.schema_version == 2 and pf.transition_states_near(0.5, 1.0)["id"].size == 0
    assert "transition_states_loss" not in indexes()
    with ProjectFile.open(path) as pf:
        assert pf.schema_version == SCHEMA_VERSION == 3
    assert "transition_states_loss" in indexes()

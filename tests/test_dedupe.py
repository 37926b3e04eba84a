"""Re-identification of projects stored under an older identity rule (``lmapp dedupe``, and
automatically when such a file is opened for writing): planted duplicates merge into the lowest
id, transition states are re-pointed and kept, everything in one transaction."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli.main import main
from lmapp.jobs.connect import AttemptOutcome
from lmapp.landscape.mlsup import Ensemble
from lmapp.landscape.model import ModelSpec
from lmapp.store import SCHEMA_VERSION, ProjectError, ProjectFile
from lmapp.store.ensembles import load_ensemble, save_ensemble
from lmapp.store.metrics_cache import minimum_metrics
from tests.helpers import group, symmetry_copy


def _dump(path):
    """Every table's rows: what 'the file is unchanged' compares."""
    conn = sqlite3.connect(path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


def as_old_file(path):
    """Make a current file look like one written by schema 1 under the sorted-canonical rule."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE connect_attempts")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.execute("DELETE FROM meta WHERE key = 'identity'")
    conn.close()


@pytest.fixture
def planted(tmp_path):
    """An XOR project with 4 planted duplicates (symmetry copies with noise 1e-6, stored as
    new minima), TS and failed pairs on them and an ensemble naming one."""
    path = tmp_path / "p.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-3)) as p:
        p.explore(steps=300, walkers=2, seed=0, temperature=1.0)
        p.connect(mode="all")
        m = p.minima(order="id")
        n0, t0 = len(m["id"]), p.file.n_transition_states()
        sizes, rng = list(p.model.sizes), np.random.default_rng(0)
        copies = list(group(sizes))
        rows, origin = [], []
        for k in range(4):
            src = k % n0
            perms, signs = copies[rng.integers(1, len(copies))]
            w = symmetry_copy(sizes, p.model.full(m["weights"][src]), perms, signs)
            w = w + rng.normal(scale=1e-6, size=w.size)
            rows.append({"loss": float(m["loss"][src]) + 1e-13, "weights": w[p.model.free]})
            origin.append(int(m["id"][src]))
        dup_ids = p.file.add_minima(rows, None)
        t = p.file.transition_states(with_weights=True)
        # a TS that names a duplicate as one end, and a failed pair on duplicates
        p.file.add_transition_states(
            [
                {
                    "loss": float(t["loss"][0]),
                    "weights": t["weights"][0],
                    "min1": dup_ids[0],
                    "min2": int(t["min2"][0]),
                }
            ],
            None,
        )
        p.file.record_failed_pair(dup_ids[1], dup_ids[2], None)
        ens = Ensemble(
            members=np.array([dup_ids[3], origin[0]]),
            member_weights=np.zeros((2, p.model.n_params)),
            gate_weights=np.zeros(3),
        )
        save_ensemble(p.file, "planted", ens)
        minimum_metrics(p.file, p.model, p.dataset)  # a metrics cache to be dropped
    as_old_file(path)
    return path, dict(zip(dup_ids, origin)), n0, t0


def test_opening_an_old_file_merges_planted_duplicates_and_keeps_every_ts(planted):
    path, dup_to_origin, n0, t0 = planted
    with Project.open(path, readonly=True) as r:
        assert r.needs_reidentification and r.file.n_minima() == n0 + 4
        assert len(r.file.connect_attempts()["id"]) == 0  # schema 1, read as it is
    with Project.open(path) as p:
        s = p.reidentified
        assert s is not None and s.merged_minima == 4 and s.minima_after == n0
        ids = set(p.minima()["id"].tolist())
        assert ids.isdisjoint(dup_to_origin) and set(dup_to_origin.values()) <= ids
        t = p.file.transition_states()
        # the planted TS repeats a stored one (same point, same ends once re-pointed): dropped;
        # every other TS is kept and points at stored minima
        assert s.merged_ts == 1 and len(t["id"]) == t0
        assert set(t["min1"]) | set(t["min2"]) <= ids
        d = sorted(dup_to_origin)
        a, b = dup_to_origin[d[1]], dup_to_origin[d[2]]  # the failed pair's minima, merged
        assert (a == b) or p.file.failed_pairs()[(min(a, b), max(a, b))] >= 1
        assert all(i in ids and j in ids for i, j in p.file.failed_pairs())
        assert load_ensemble(p.file, "planted").members[0] == dup_to_origin[d[3]]
        assert p.file.get_derived("metrics:v1:pos1") is None
        assert not p.needs_reidentification and p.file.schema_version == SCHEMA_VERSION
        runs = p.file.runs()
        assert runs[-1]["kind"] == "dedupe" and runs[-1]["stats"]["merged_minima"] == 4
    assert main(["dedupe", str(path)]) == 0  # nothing left to merge
    with Project.open(path) as p:
        assert p.file.n_minima() == n0 and p.file.runs()[-1]["stats"]["merged_minima"] == 0


def test_a_failed_merge_leaves_the_file_as_it_was(planted, monkeypatch):
    path, *_ = planted
    before = _dump(path)

    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error (simulated mid-merge)")

    monkeypatch.setattr(ProjectFile, "_repoint_members", staticmethod(boom))
    with pytest.raises(ProjectError, match="nothing written"):
        Project.open(path)
    after = _dump(path)
    # only the dedupe run record (its own earlier transaction) and the schema upgrade differ
    assert after["minima"] == before["minima"]
    assert after["transition_states"] == before["transition_states"]
    assert after["failed_pairs"] == before["failed_pairs"] and after["derived"] == before["derived"]


def test_connect_attempts_are_recorded_with_outcomes(tmp_path):
    with Project.create(tmp_path / "c.lmapp", "xor", ModelSpec(hidden=(3,), lam=1e-3)) as p:
        p.explore(steps=300, walkers=2, seed=0, temperature=1.0)
        s = p.connect(mode="all")
        a = p.file.connect_attempts()
        assert len(a["id"]) == s.attempts and sum(s.outcomes.values()) == s.attempts
        assert p.connect_outcomes() == s.outcomes
        assert set(a["outcome"]) <= {o.value for o in AttemptOutcome}
        assert a["new_ts"].sum() == s.new_ts == p.file.n_transition_states()
        again = p.connect(mode="all")
        assert again.attempts == 0 and "already connected" in again.note

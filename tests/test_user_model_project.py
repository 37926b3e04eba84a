"""User models as first-class projects: an importable reference recorded in the project, explored
and connected through the API and the CLI, never imported without consent (SPEC §1.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli.main import main
from lmapp.landscape.identity import IdentityRule, PointRegistry
from lmapp.landscape.model import ModelError, ModelSpec
from lmapp.landscape.symmetry import NoSymmetry
from lmapp.landscape.user_model import UntrustedModelError, UserModel, user_model
from lmapp.store import ProjectFile

ROOT = Path(__file__).resolve().parent.parent
MB = ModelSpec(kind="user", reference="tests.surfaces:MULLER_BROWN_MODEL")
# Müller–Brown minima and saddles (literature positions and energies)
MB_MINIMA = [((-0.558, 1.442), -146.700), ((0.623, 0.028), -108.167), ((-0.050, 0.467), -80.768)]
MB_SADDLES = [((-0.822, 0.624), -40.665), ((0.212, 0.293), -72.249)]


def _near(points, xy, e, tol_x=2e-3, tol_e=2e-3):
    return any(np.allclose(w, xy, atol=tol_x) and abs(f - e) < tol_e for f, w in points)


def test_muller_brown_as_a_project_has_three_minima_and_two_saddles(tmp_path):
    with Project.create(tmp_path / "mb.lmapp", None, MB, trust_user_model=True) as p:
        assert p.dataset.task == "none" and p.model.n_params == 2
        p.explore(steps=200, walkers=2, seed=0, temperature=20.0, step=0.5)
        m = p.minima(order="loss")
        assert len(m["id"]) == 3
        for xy, e in MB_MINIMA:
            assert _near(list(zip(m["loss"], m["weights"])), xy, e)
        s = p.connect(mode="all")
        assert s.components == 1 and s.outcomes.get("connected") == 2
        t = p.file.transition_states(with_weights=True)
        assert len(t["id"]) == 2
        for xy, e in MB_SADDLES:
            assert _near(list(zip(t["loss"], t["weights"])), xy, e)
        for w in t["weights"]:
            assert np.sum(np.linalg.eigvalsh(p.model.hessian(w)) < 0) == 1
    # reopened: the reference is stored, so the model comes back (trusted in this process)
    with Project.open(tmp_path / "mb.lmapp", readonly=True) as q:
        assert q.model.spec.reference == MB.reference and q.file.n_minima() == 3


def _planted_project(path: Path) -> Path:
    """A project that names tests.planted_module, written without importing it."""
    spec = ModelSpec(kind="user", reference="tests.planted_module:MODEL").to_dict()
    empty = {
        "X_train": np.zeros((0, 0)),
        "y_train": np.zeros(0),
        "X_test": np.zeros((0, 0)),
        "y_test": np.zeros(0),
    }
    ProjectFile.create(
        path,
        dataset_spec={
            "name": "user model",
            "task": "none",
            "n_classes": 0,
            "feature_names": [],
            "class_names": [],
        },
        dataset_arrays=empty,
        model_spec=spec,
    ).close()
    return path


def _cli(args, marker):
    env = {**os.environ, "LMAPP_PLANTED_MARKER": str(marker), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "lmapp", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_project_naming_a_module_does_not_import_it_without_consent(tmp_path):
    path = _planted_project(tmp_path / "planted.lmapp")
    marker = tmp_path / "imported"
    assert "tests.planted_module" not in sys.modules
    with pytest.raises(UntrustedModelError, match="--trust-user-model") as err:
        Project.open(path, readonly=True)
    assert err.value.module == "tests.planted_module"
    assert "tests.planted_module" not in sys.modules
    r = _cli(["info", str(path)], marker)
    assert r.returncode == 2 and "trust" in r.stderr and r.stderr.count("\n") == 1
    assert not marker.exists()
    r = _cli(["info", str(path), "--trust-user-model"], marker)
    assert r.returncode == 0, r.stderr
    assert marker.read_text() == "imported" and "user model tests.planted_module:MODEL" in r.stdout


def test_cli_explores_a_user_fg_with_n_params(tmp_path):
    """--user-model MODULE:fg --n-params N, with --params as fg's args (creating the project is
    consent: the user named the module)."""
    path = tmp_path / "q.lmapp"
    code = main(
        [
            "explore",
            str(path),
            "--user-model",
            "tests.test_user_model_project:shifted_bowl",
            "--n-params",
            "3",
            "--params",
            '{"centre": [1.0, -2.0, 0.5]}',
            "--steps",
            "20",
            "--walkers",
            "1",
        ]
    )
    assert code == 0
    with Project.open(path) as p:
        m = p.minima()
        assert len(m["id"]) == 1 and np.allclose(m["weights"][0], [1.0, -2.0, 0.5], atol=1e-6)
    assert main(["explore", str(path), "--user-model", "x:y", "--steps", "1"]) == 2  # exists
    assert main(["explore", str(tmp_path / "b.lmapp"), "--user-model", "not a ref"]) == 2
    assert (
        main(
            [
                "explore",
                str(tmp_path / "c.lmapp"),
                "--user-model",
                "tests.nope:fg",
                "--n-params",
                "2",
            ]
        )
        == 2
    )
    assert not (tmp_path / "c.lmapp").exists()
    assert (
        main(
            [
                "explore",
                str(tmp_path / "d.lmapp"),
                "--user-model",
                "tests.surfaces:x",
                "--hidden",
                "3",
            ]
        )
        == 2
    )


def shifted_bowl(w, args):
    """A user fg: ‖w − centre‖² (centre from the project's JSON parameters)."""
    d = w - args[0]
    return float(d @ d), 2.0 * d


def _double_well_fg(w, args):
    """(w0² − 1)² + w1²: minima at w0 = ±1 that compute the same w0² (a hidden symmetry)."""
    g = np.array([4.0 * w[0] * (w[0] ** 2 - 1.0), 2.0 * w[1]])
    return float((w[0] ** 2 - 1.0) ** 2 + w[1] ** 2), g


def test_output_agreement_merges_minima_a_user_did_not_declare_symmetric():
    plain = user_model(_double_well_fg, 2)
    with_outputs = user_model(
        _double_well_fg, 2, predict=lambda w, args: np.array([w[0] ** 2, w[1]])
    )
    a, b = np.array([1.0, 0.0]), np.array([-1.0, 0.0])
    assert not plain.same_point(0.0, a, 0.0, b)  # no hook, no predict: Euclidean, distinct
    assert with_outputs.same_point(0.0, a, 0.0, b)
    mirrored = user_model(_double_well_fg, 2, canonical=np.abs)
    assert np.array_equal(mirrored.canonical(b), a)
    assert mirrored.same_point(0.0, mirrored.canonical(a), 0.0, mirrored.canonical(b))
    aligned = user_model(_double_well_fg, 2, align=lambda x, y: y * np.sign(x * y + 1e-300))
    assert aligned.same_point(0.0, a, 0.0, b)


def test_user_model_factories_and_bad_references(tmp_path):
    spec = ModelSpec(kind="user", reference="tests.surfaces:double_well", params={"coupling": 0.3})
    with Project.create(tmp_path / "dw.lmapp", None, spec, trust_user_model=True) as p:
        p.explore(steps=200, walkers=2, temperature=1.0, step=1.0)
        assert sorted(np.round(p.minima()["loss"], 8)) == [0.0, 0.0]
    for bad, match in [
        ({"reference": "tests.surfaces:nothing"}, "no attribute"),
        ({"reference": "tests.surfaces:double_well", "params": {"coupling": 1}}, "only coupling"),
        ({"reference": "tests.surfaces:MULLER_BROWN", "n_params": 2}, "fg"),
    ]:
        with pytest.raises((ModelError, ValueError), match=match):
            Project.create(
                tmp_path / "bad.lmapp", None, ModelSpec(kind="user", **bad), trust_user_model=True
            )
        assert not (tmp_path / "bad.lmapp").exists()
    with pytest.raises(ModelError, match=r"package\.module:function"):
        ModelSpec(kind="user", reference="no colon")
    assert isinstance(PointRegistry(NoSymmetry(), None, IdentityRule()), PointRegistry)
    assert UserModel(_double_well_fg, 2).n_params == 2

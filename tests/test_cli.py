"""The ``lmapp`` command line: explore/info/export end to end, and one-line usage errors that
leave projects untouched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli import main

SUMMARY = re.compile(
    r"^(\w+): (\d+) quenches in [\d.]+ s \(([\d.]+)/s\), (\d+) new minima, "
    r"(\d+) in project, acceptance ([\d.]+)$",
    re.M,
)
REJECTED = re.compile(r"^rejected candidates: (\d+) unconverged, (\d+) not a minimum$", re.M)
GLOBAL = re.compile(r"^global minimum: id (\d+), loss (\S+)$", re.M)
TINY = ["--steps", "3", "--walkers", "1"]


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def summary(out: str) -> dict:
    """The numbers of explore's closing summary."""
    m, r, g = SUMMARY.search(out), REJECTED.search(out), GLOBAL.search(out)
    assert m and r and g, out
    return {
        "status": m[1],
        "quenches": int(m[2]),
        "rate": float(m[3]),
        "new": int(m[4]),
        "total": int(m[5]),
        "acceptance": float(m[6]),
        "unconverged": int(r[1]),
        "not_minimum": int(r[2]),
        "gm_id": int(g[1]),
        "gm_loss": float(g[2]),
    }


def snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of a project file and any SQLite sidecars beside it."""
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in path.parent.glob(path.name + "*")
    }


def project_values(path: Path) -> dict:
    with Project.open(path, readonly=True) as p:
        m = p.minima(with_weights=False)
        return {"info": p.info(), "ids": m["id"].tolist(), "loss": m["loss"].tolist()}


@pytest.fixture(scope="module")
def xor_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """XOR, 3 hidden, λ = 1e-2, explored once by the CLI (50 quenches); tests copy it."""
    path = tmp_path_factory.mktemp("cli") / "xor.lmapp"
    assert (
        main(
            [
                "explore",
                str(path),
                "--dataset",
                "xor",
                "--hidden",
                "3",
                "--lam",
                "1e-2",
                "--steps",
                "25",
                "--walkers",
                "2",
                "--seed",
                "0",
            ]
        )
        == 0
    )
    return path


def test_explore_creates_project_and_prints_summary(tmp_path, capsys):
    path = tmp_path / "xor.lmapp"
    rc, out, err = run(
        [
            "explore",
            path,
            "--dataset",
            "xor",
            "--hidden",
            "3",
            "--lam",
            "1e-2",
            "--steps",
            "25",
            "--walkers",
            "2",
            "--seed",
            "0",
        ],
        capsys,
    )
    assert rc == 0, err
    assert f"created {path}: xor, 17 parameters" in err
    assert "100.0%" in err and "50/50 quenches" in err  # progress bar reached the end
    s = summary(out)
    with Project.open(path, readonly=True) as p:
        m = p.minima(with_weights=False, order="loss")
        runs = p.info()["runs"]
        assert p.model.spec.hidden == (3,) and p.model.spec.lam == 1e-2
    assert s["status"] == "finished" and s["quenches"] == 50 and s["rate"] > 0
    assert s["new"] == s["total"] == m["id"].size >= 1
    assert (
        s["unconverged"] + s["not_minimum"]
        == runs[0]["stats"]["failures"]["unconverged"]
        + runs[0]["stats"]["failures"]["not a minimum"]
    )
    assert s["gm_id"] == m["id"][0]
    assert s["gm_loss"] == pytest.approx(m["loss"][0], abs=1e-11)
    assert len(runs) == 1 and runs[0]["status"] == "finished" and runs[0]["seed"] == 0
    assert runs[0]["stats"]["quenches"] == 50


def test_explore_continues_existing_project(xor_project, tmp_path, capsys):
    path = tmp_path / "xor.lmapp"
    path.write_bytes(xor_project.read_bytes())
    before = project_values(path)
    rc, out, err = run(["explore", path, "--steps", "25", "--walkers", "2", "--seed", "0"], capsys)
    assert rc == 0, err
    assert f"continuing {path}: {len(before['ids'])} minima so far" in err
    s = summary(out)
    after = project_values(path)
    runs = after["info"]["runs"]
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert runs[1]["stats"]["quenches"] == s["quenches"] == 50
    assert after["ids"][: len(before["ids"])] == before["ids"]  # old minima kept as they were
    assert after["loss"][: len(before["loss"])] == before["loss"]
    assert s["total"] == len(after["ids"]) == len(before["ids"]) + s["new"]
    assert s["gm_loss"] == pytest.approx(min(after["loss"]), abs=1e-11)


def test_info_text_and_json(xor_project, capsys):
    rc, out, _ = run(["info", xor_project, "--json"], capsys)
    assert rc == 0
    info = json.loads(out)
    with Project.open(xor_project, readonly=True) as p:
        expected = json.loads(json.dumps(p.info()))
        m = p.minima(with_weights=False, order="loss")
    assert info == expected
    assert set(info) == {
        "path",
        "dataset",
        "model",
        "n_minima",
        "n_transition_states",
        "network",
        "global_minimum",
        "runs",
        "identity",
        "connect_outcomes",
    }
    assert info["identity"]["fingerprint"] and not info["identity"]["needs_reidentification"]
    assert "permutations" in info["identity"]["symmetry"]
    assert info["network"]["nodes"] == info["n_minima"] and info["network"]["edges"] == 0
    assert info["dataset"]["name"] == "xor" and info["dataset"]["n_train"] == 4
    assert info["model"]["sizes"] == [2, 3, 2] and info["model"]["n_params"] == 17
    assert info["n_minima"] == m["id"].size and info["n_transition_states"] == 0
    assert info["global_minimum"]["id"] == m["id"][0]
    assert info["global_minimum"]["loss"] == m["loss"][0]
    assert len(info["runs"]) == 1 and info["runs"][0]["stats"]["quenches"] == 50

    rc, out, _ = run(["info", xor_project], capsys)
    assert rc == 0
    assert "dataset   xor (classification): 4 train, 4 test, 2 features, 2 classes" in out
    assert "model     [2, 3, 2] tanh/softmax, loss ce, λ=0.01, 17 parameters" in out
    assert re.search(rf"^minima    {m['id'].size}    transition states 0$", out, re.M)
    g = re.search(r"^global    id (\d+), loss (\S+), RMS gradient", out, re.M)
    assert int(g[1]) == m["id"][0] and float(g[2]) == pytest.approx(m["loss"][0], abs=1e-11)
    assert re.search(r"^run +1 +explore +finished +seed 0 +50 quenches", out, re.M)


def _csv(path: Path) -> Path:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(24, 3))
    label = np.where(X[:, 0] * X[:, 1] > 0, "yes", "no")
    lines = ["a,b,c,kind"] + [f"{x[0]:.4f},{x[1]:.4f},{x[2]:.4f},{lab}" for x, lab in zip(X, label)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("options", "check"),
    [
        (
            ["--dataset", "xor", "--hidden", "5,5"],
            lambda p: list(p.model.sizes) == [2, 5, 5, 2] and p.model.n_params == 57,
        ),
        (
            ["--csv", "{csv}", "--label", "kind"],
            lambda p: (
                p.dataset.feature_names == ("a", "b", "c")
                and p.dataset.class_names == ("no", "yes")
                and p.dataset.n_train + p.dataset.n_test == 24
                and list(p.model.sizes) == [3, 3, 2]
            ),
        ),
        (
            ["--dataset", "spiral", "--n-train", "40", "--n-test", "10", "--mislabel", "0.1"],
            lambda p: (
                p.dataset.spec["mislabel"]["fraction"] == 0.1
                and p.dataset.spec["mislabel"]["count"] == 4
                and p.dataset.n_train == 40
            ),
        ),
        (
            ["--dataset", "xor", "--locality", "1"],
            lambda p: p.model.spec.locality == 1 and p.model.n_params < 17,
        ),
        (
            ["--dataset", "xor", "--loss", "appauc"],
            lambda p: p.model.spec.loss == "appauc" and p.global_minimum()["loss"] < 0,
        ),
        (
            ["--dataset", "regression"],
            lambda p: (
                p.model.spec.kind == "regression"
                and p.model.n_params == 5
                and p.dataset.task == "regression"
            ),
        ),
        (
            [
                "--dataset",
                "spiral",
                "--turns",
                "3",
                "--noise",
                "0.1",
                "--n-train",
                "40",
                "--n-test",
                "10",
            ],
            lambda p: (
                p.dataset.spec["params"]["turns"] == 3.0
                and p.dataset.spec["params"]["noise"] == 0.1
                and np.abs(p.dataset.X_train).max() > 0.9
            ),
        ),
        (
            ["--dataset", "checkerboard", "--cells", "3", "--n-train", "40", "--n-test", "10"],
            lambda p: p.dataset.spec["params"]["cells"] == 3,
        ),
    ],
    ids=[
        "hidden-5,5",
        "csv",
        "mislabel",
        "locality",
        "appauc",
        "regression",
        "spiral-turns",
        "checkerboard-cells",
    ],
)
def test_explore_variants_create_valid_projects(options, check, tmp_path, capsys):
    path = tmp_path / "p.lmapp"
    options = [o.replace("{csv}", str(_csv(tmp_path / "table.csv"))) for o in options]
    rc, out, err = run(["explore", path, *options, *TINY], capsys)
    assert rc == 0, err
    s = summary(out)
    assert s["quenches"] == 3 and s["total"] >= 1
    with Project.open(path, readonly=True) as p:
        assert check(p)
        m = p.minima()
        assert m["id"].size == s["total"]
        assert np.all(m["hessian_index"] == 0)
        for w, loss in zip(m["weights"], m["loss"]):
            assert p.model.loss(w) == pytest.approx(loss, rel=1e-10, abs=1e-12)


BAD_NEW = [
    ["--dataset", "nosuch"],
    ["--hidden", "0"],
    ["--hidden", "x"],
    ["--hidden", "3,,3"],
    ["--lam", "-1"],
    ["--walkers", "0"],
    ["--steps", "-1"],
    ["--step", "inf"],
    ["--gtol", "0"],
    ["--seed", "-1"],
    ["--csv", "{tmp}/missing.csv", "--label", "kind"],
    ["--csv", "{csv}"],
    ["--csv", "{csv}", "--label", "nosuch"],
    ["--csv", "{csv}", "--label", "kind", "--dataset", "spiral"],
    ["--csv", "{csv}", "--label", "kind", "--n-train", "10"],
    ["--label", "kind"],
    ["--dataset", "iris", "--loss", "appauc"],
    ["--dataset", "regression", "--hidden", "4"],
    ["--dataset", "regression", "--lam", "0.1"],
    ["--dataset", "xor", "--n-train", "10"],
    ["--mislabel", "1.5"],
    ["--dataset", "xor", "--turns", "3"],
    ["--dataset", "spiral", "--turns", "0"],
    ["--dataset", "checkerboard", "--cells", "1"],
    ["--dataset", "iris", "--noise", "0.1"],
]


@pytest.mark.parametrize("options", BAD_NEW, ids=[" ".join(o) for o in BAD_NEW])
def test_bad_new_project_options_exit_2_and_create_nothing(options, tmp_path, capsys):
    csv = _csv(tmp_path / "table.csv")
    options = [o.replace("{csv}", str(csv)).replace("{tmp}", str(tmp_path)) for o in options]
    path = tmp_path / "new.lmapp"
    rc, out, err = run(["explore", path, "--steps", "3", *options], capsys)
    assert rc == 2
    assert err.startswith("lmapp: error: ") and err.count("\n") == 1, err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


@pytest.mark.parametrize(
    "argv",
    [
        ["explore", "{p}", "--dataset", "xor", "--steps", "3"],
        ["explore", "{p}", "--hidden", "4", "--steps", "3"],
        ["explore", "{p}", "--lam", "0.1", "--mislabel", "0.2"],
        ["explore", "{p}", "--walkers", "0"],
        ["export", "{p}", "--out", "{tmp}/no/such/folder/out.json"],
        ["export", "{p}", "--out", "{p}"],
        ["export", "{p}", "--out", "{p}-wal"],
        ["info", "{p}", "--nosuch"],
    ],
    ids=[
        "dataset",
        "hidden",
        "lam+mislabel",
        "walkers-0",
        "export-missing-folder",
        "export-onto-project",
        "export-onto-wal",
        "unknown-option",
    ],
)
def test_bad_options_leave_existing_project_untouched(argv, xor_project, tmp_path, capsys):
    path = tmp_path / "xor.lmapp"
    path.write_bytes(xor_project.read_bytes())
    before = snapshot(path)
    rc, _out, err = run(
        [a.replace("{p}", str(path)).replace("{tmp}", str(tmp_path)) for a in argv], capsys
    )
    assert rc == 2
    assert err.startswith("lmapp: error: ") and err.count("\n") == 1, err
    assert snapshot(path) == before
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "command", [["info"], ["explore", "--steps", "3"], ["export", "--out", "{tmp}/out.json"]]
)
def test_non_project_file_refused_unchanged(command, tmp_path, capsys):
    path = tmp_path / "garbage.lmapp"
    path.write_bytes(b"this is not a database\n" * 100)
    before = snapshot(path)
    argv = [command[0], str(path), *[a.replace("{tmp}", str(tmp_path)) for a in command[1:]]]
    rc, _, err = run(argv, capsys)
    assert rc == 2
    assert (
        err.startswith("lmapp: error: ") and err.count("\n") == 1 and "not an lmapp project" in err
    )
    assert snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.lmapp"]


def test_missing_project_for_info_and_export(tmp_path, capsys):
    for argv in (
        ["info", tmp_path / "none.lmapp"],
        ["export", tmp_path / "none.lmapp", "--out", tmp_path / "o.json"],
    ):
        rc, _, err = run(argv, capsys)
        assert rc == 2 and err.startswith("lmapp: error: ") and "no such project file" in err
    assert list(tmp_path.iterdir()) == []


def test_console_script_exit_codes(xor_project, tmp_path):
    """The installed ``lmapp`` script: a real run exits 0, a usage error exits 2 with one line."""
    script = Path(sys.executable).parent / "lmapp"
    path = tmp_path / "xor.lmapp"
    path.write_bytes(xor_project.read_bytes())
    ok = subprocess.run(
        [script, "explore", path, "--steps", "25", "--walkers", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert summary(ok.stdout)["quenches"] == 50
    before = snapshot(path)
    bad = subprocess.run(
        [script, "explore", path, "--hidden", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("lmapp: error: ") and bad.stderr.count("\n") == 1
    assert snapshot(path) == before


def test_a_closed_output_pipe_ends_quietly(xor_project):
    """`lmapp thermo P | head -c 0`: the reader is gone before lmapp writes; lmapp ends as
    Unix tools do (status 128 + SIGPIPE), without an error line. (A reader that leaves after
    some bytes races with an output this short: it may all fit in the pipe first.)"""
    script = Path(sys.executable).parent / "lmapp"
    read_end, write_end = os.pipe()
    os.close(read_end)  # no reader: lmapp's first write fails with EPIPE
    try:
        p = subprocess.Popen(
            [script, "thermo", xor_project], stdout=write_end, stderr=subprocess.PIPE
        )
    finally:
        os.close(write_end)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 141
    assert err == b""

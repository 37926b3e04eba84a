"""``lmapp mlsup`` and ``lmapp conserved``: parsers from ``add_parsers``, JSON and text output,
saved ensembles, and user mistakes as UsageError with the project untouched."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from lmapp.api import Project
from lmapp.cli.errors import UsageError
from lmapp.cli.ml_commands import COMMANDS, add_parsers
from lmapp.datasets import make_dataset
from lmapp.landscape.conserved import dg_level_groups
from lmapp.landscape.dgraph import disconnectivity_graph
from lmapp.landscape.model import ModelSpec
from lmapp.store import ProjectFile
from lmapp.store.ensembles import list_ensembles, load_ensemble


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def run(argv: list, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    parser = _Parser(prog="lmapp")
    add_parsers(parser.add_subparsers(dest="command", parser_class=_Parser))
    a = parser.parse_args([str(x) for x in argv])
    rc = COMMANDS[a.command](a)
    return rc, capsys.readouterr().out


@pytest.fixture(scope="module")
def spiral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mlcli") / "spiral.lmapp"
    with Project.create(
        path, make_dataset("spiral", n_train=400, n_test=200), ModelSpec(hidden=(4,), lam=1e-4)
    ) as p:
        p.explore(steps=40, walkers=2, seed=0, step=3.0, temperature=1.0)
    return path


@pytest.fixture(scope="module")
def xor(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """XOR with a few minima joined by transition states."""
    path = tmp_path_factory.mktemp("mlcli") / "xor.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(3,), lam=1e-2)) as p:
        p.explore(steps=30, walkers=2, seed=0, step=2.0, temperature=0.3)
        p.connect(mode="all", budget=40, workers=1)
        assert p.file.n_transition_states() >= 1
    return path


def test_mlsup_json_mmdbm(spiral, capsys):
    rc, out = run(["mlsup", spiral, "--select", "mmdbm", "--json"], capsys)
    res = json.loads(out)
    assert rc == 0 and {"members", "best_individual", "mlsup", "majority_vote", "tma"} <= set(res)
    with Project.open(spiral, readonly=True) as p:
        ids = set(p.minima(with_weights=False)["id"].tolist())
    assert len(set(res["members"])) == 2 and set(res["members"]) <= ids
    assert res["best_individual"] < res["mlsup"] <= res["tma"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--select", "qp", "--members", "4"],
        ["--select", "cv"],
        ["--select", "random", "--members", "3"],
    ],
)
def test_mlsup_text_for_each_selection(spiral, capsys, argv):
    rc, out = run(["mlsup", spiral, *argv, "--gate-hidden", "2", "--starts", "2"], capsys)
    assert rc == 0
    for word in ("members", "best individual", "MLSUP", "majority vote", "TMA"):
        assert word in out
    n = int(argv[argv.index("--members") + 1]) if "--members" in argv else 2
    assert len(out.splitlines()[0].split("(")[0].split()[1:]) == n


def test_mlsup_ids_and_save(spiral, capsys, tmp_path):
    path = tmp_path / "copy.lmapp"
    for f in spiral.parent.glob(spiral.name + "*"):  # the file and any SQLite sidecars
        (tmp_path / f.name.replace(spiral.name, path.name)).write_bytes(f.read_bytes())
    with Project.open(path, readonly=True) as p:
        ids = p.minima(with_weights=False)["id"][[4, 1, 6]].tolist()
    rc, out = run(
        [
            "mlsup",
            path,
            "--select",
            ",".join(map(str, ids)),
            "--save",
            "trio",
            "--json",
            "--gate-lam",
            "1e-3",
        ],
        capsys,
    )
    res = json.loads(out)
    assert rc == 0 and res["members"] == ids and res["selection"] == "hand"
    with ProjectFile.open(path, readonly=True) as pf:
        assert list_ensembles(pf) == ["trio"]
        ens = load_ensemble(pf, "trio")
    assert ens.members.tolist() == ids and ens.gate_lam == 1e-3
    assert ens.metrics["mlsup"] == res["mlsup"]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--select", "nearest"], "--select"),
        (["--select", "1,1"], "distinct"),
        (["--select", "999999,1"], "no minimum"),
        (["--select", "1,2", "--members", "3"], "disagrees"),
        (["--members", "1"], "members"),
        (["--select", "cv", "--peak", "9"], "peak"),
        (["--positive-class", "2"], "positive-class"),
        (["--gate-hidden", "0"], "sizes"),
    ],
)
def test_mlsup_usage_errors_leave_project_untouched(spiral, capsys, argv, match):
    before = spiral.read_bytes()
    with pytest.raises(UsageError, match=match):
        run(["mlsup", spiral, *argv], capsys)
    assert spiral.read_bytes() == before


def test_conserved_level_groups(xor, capsys):
    with Project.open(xor, readonly=True) as p:
        a = p.landscape_arrays()
        names = p.dataset.feature_names
    dg = disconnectivity_graph(
        a["energies"], a["ts_energy"], a["ts_min1"], a["ts_min2"], n_levels=5
    )
    groups = dg_level_groups(dg, 4)
    assert groups
    rc, out = run(
        ["conserved", xor, "--level", 4, "--levels", 5, "--threshold", 1e6, "--json"], capsys
    )
    res = json.loads(out)
    assert rc == 0
    assert [g["label"] for g in res["groups"]] == [label for label, _ in groups]
    assert [g["members"] for g in res["groups"]] == [a["ids"][m].tolist() for _, m in groups]
    # every weight is "conserved" under a huge threshold: each group counts for each feature
    n_params = 2 * 3 + 3 + 3 * 2 + 2
    assert all(len(g["conserved"]) == n_params for g in res["groups"])
    assert res["feature_relevance"] == {k: len(groups) for k in names}
    rc, out = run(["conserved", xor, "--level", 4, "--levels", 5, "--threshold", 1e-12], capsys)
    assert rc == 0 and "group" in out and "feature relevance" in out


def test_conserved_msb_and_errors(xor, capsys):
    rc, out = run(["conserved", xor, "--msb", "--json"], capsys)
    assert rc == 0 and all(g["label"].startswith("msb_") for g in json.loads(out)["groups"])
    with pytest.raises(UsageError, match="--level"):
        run(["conserved", xor, "--level", 20, "--levels", 20], capsys)
    with pytest.raises(UsageError):
        run(["conserved", xor], capsys)  # --level or --msb is required
    with pytest.raises(UsageError, match="threshold"):
        run(["conserved", xor, "--level", 1, "--threshold", 0], capsys)

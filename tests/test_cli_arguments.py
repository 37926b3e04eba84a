"""Bad arguments stop a command with one line before anything is created or written: every
numeric option is finite and in range, sizes are bounded, memory is estimated first, data that
cannot be scaled is refused, JSON output is strict and unwritable figure paths are reported."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from lmapp.api import Project
from lmapp.cli.errors import UsageError
from lmapp.cli.main import build_parser, main
from lmapp.landscape.model import ModelError, ModelSpec, check_memory


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _numeric_options() -> list[tuple[str, str, object]]:
    """(command, option, type) of every option that takes a number."""
    found = []
    for command, sub in _subparsers(build_parser()).items():
        for action in sub._actions:
            if action.option_strings and hasattr(action.type, "bounds"):
                found.append((command, action.option_strings[-1], action.type))
    return found


def test_no_option_takes_an_unchecked_number():
    """A bare float or int type accepts nan, inf and any sign: every numeric option uses a
    ranged type instead (or lists its few allowed values)."""
    bare = [
        (command, action.option_strings)
        for command, sub in _subparsers(build_parser()).items()
        for action in sub._actions
        if action.type in (float, int) and action.choices is None
    ]
    assert bare == []
    assert len(_numeric_options()) > 30


@pytest.mark.parametrize(
    ("command", "option", "kind"),
    _numeric_options(),
    ids=[f"{c} {o}" for c, o, _ in _numeric_options()],
)
def test_every_numeric_option_refuses_nan_inf_and_out_of_range(command, option, kind):
    parser = build_parser()
    low, high = kind.bounds
    bad = ["nan", "inf", "-inf", "abc"]
    if low is not None:
        bad.append(repr(low - 1) if kind.__name__ == "int" else repr(low - abs(low) - 1.0))
    if high is not None:
        bad.append(repr(high + 1) if kind.__name__ == "int" else repr(high * 2 + 1.0))
    for value in bad:
        with pytest.raises(UsageError, match=f"argument {option}"):
            parser.parse_args([command, "x.lmapp", option, value])
    # a value inside the range is accepted by the type
    integer = kind.__name__ == "int"
    if low is None:
        inside = 1 if high is None else high
    else:
        inside = low + 1 if high is None else (low if integer else (low + high) / 2)
    assert kind(str(int(inside) if integer else inside)) == inside


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explore", "{p}", "--beta", "nan"], "argument --beta: 'nan' is not a finite number"),
        (["explore", "{p}", "--beta", "-5"], "argument --beta: -5 must be > 0"),
        (
            ["explore", "{p}", "--temperature", "inf"],
            "argument --temperature: 'inf' is not a finite",
        ),
        (["import-pathsample", "{tmp}", "{p}", "--gtol", "nan"], "argument --gtol"),
        (
            ["explore", "{p}", "--hidden", "100000000"],
            "500,000,002 parameters; exploring it needs about",
        ),
        (["render", "{p}", "--out", "{tmp}/r.png", "--width", "100000"], "figure width must be"),
    ],
)
def test_refused_before_anything_is_created(argv, message, tmp_path, capfd):
    path = tmp_path / "new.lmapp"
    argv = [a.replace("{p}", str(path)).replace("{tmp}", str(tmp_path)) for a in argv]
    if argv[0] == "render":
        Project.create(path, "xor").close()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    err = capfd.readouterr().err  # the C level too: no QPainter warnings before the error
    assert err.startswith("lmapp: error: ") and err.count("\n") == 1 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_memory_is_estimated_from_the_hessian_and_the_data():
    check_memory([2, 100, 2], 1000)  # small: fits anywhere
    with pytest.raises(ModelError, match=r"needs about [\d.]+ TiB .*Hessian alone is"):
        check_memory([2, 300_000, 2], 100)


def test_data_whose_scaling_overflows_is_refused(tmp_path, capsys):
    csv = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    rows = [f"{rng.normal() * 1e300},{rng.normal()},{k % 2}" for k in range(40)]
    csv.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    assert (
        main(
            [
                "explore",
                str(tmp_path / "big.lmapp"),
                "--csv",
                str(csv),
                "--label",
                "label",
                "--steps",
                "2",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "feature column 0 holds values beyond" in err and err.count("\n") == 1
    assert not (tmp_path / "big.lmapp").exists()


def _strict(text: str):
    def refuse(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_outputs_are_strict(tmp_path, capsys):
    """NaN (a minimum stored without its Hessian: no LPPHE) is written as null."""
    path = tmp_path / "n.lmapp"
    with Project.create(path, "xor", ModelSpec(hidden=(2,))) as p:
        p.explore(steps=10, walkers=1, seed=0)
        p.file.add_minima([{"loss": 5.0, "weights": np.ones(p.model.n_params)}], None)
    out = tmp_path / "n.json"
    assert main(["export", str(path), "--out", str(out), "--with-data"]) == 0
    exported = _strict(out.read_text())
    assert None in [m["lpphe"] for m in exported["minima"]]
    capsys.readouterr()
    assert main(["info", str(path), "--json"]) == 0
    _strict(capsys.readouterr().out)


@pytest.mark.parametrize("suffix", ["svg", "pdf", "png"])
def test_a_figure_that_cannot_be_written_is_an_error(tmp_path, capsys, suffix):
    path = tmp_path / "f.lmapp"
    with Project.create(path, "xor") as p:
        p.explore(steps=10, walkers=1, seed=0)
    folder = tmp_path / f"x.{suffix}"
    folder.mkdir()  # a folder where the file should go
    for out in (folder, f"/proc/lmapp-test.{suffix}"):
        assert main(["dgraph", str(path), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("lmapp: error: ") and err.count("\n") == 1 and str(out) in err, err
    assert list(folder.iterdir()) == []

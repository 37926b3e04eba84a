"""PATHSAMPLE files: lossless round trip and clear errors."""

import numpy as np
import pytest

from lmapp.interchange.pathsample import (
    PathsampleData,
    PathsampleError,
    read_pathsample,
    write_pathsample,
)


def _data(P=17, n_min=5, n_ts=4, seed=0):
    rng = np.random.default_rng(seed)
    return PathsampleData(
        rng.normal(size=n_min),
        rng.normal(size=n_min),
        rng.normal(size=(n_min, P)),
        rng.normal(size=n_ts),
        rng.normal(size=n_ts),
        rng.integers(0, n_min, n_ts),
        rng.integers(0, n_min, n_ts),
        rng.normal(size=(n_ts, P)),
    )


@pytest.mark.parametrize("P", [17, 18, 52])
def test_round_trip_is_lossless(tmp_path, P):
    d = _data(P)
    write_pathsample(tmp_path, d)
    back = read_pathsample(tmp_path, P)
    for name in PathsampleData.__dataclass_fields__:
        assert np.array_equal(getattr(back, name), getattr(d, name)), name
    # points files hold 3·NATOMS doubles per record, zero padded
    assert (tmp_path / "points.min").stat().st_size == 5 * 8 * 3 * ((P + 2) // 3)
    line = (tmp_path / "ts.data").read_text().splitlines()[0].split()
    assert int(line[3]) == d.ts_min1[0] + 1 and int(line[4]) == d.ts_min2[0] + 1


def test_fortran_d_exponents_are_read(tmp_path):
    d = _data(3, 2, 0)
    write_pathsample(tmp_path, d)
    text = (tmp_path / "min.data").read_text().replace("e", "D")
    (tmp_path / "min.data").write_text(text)
    assert np.allclose(read_pathsample(tmp_path, 3).min_energy, d.min_energy)


def test_bad_folders_are_refused_with_file_and_line(tmp_path):
    with pytest.raises(PathsampleError, match=r"no min\.data"):
        read_pathsample(tmp_path, 3)
    write_pathsample(tmp_path, _data(3, 3, 2))
    with pytest.raises(PathsampleError, match=r"points\.min: .* expected 3 records"):
        read_pathsample(tmp_path, 6)
    lines = (tmp_path / "ts.data").read_text().splitlines()
    lines[1] = " ".join([*lines[1].split()[:3], "9", *lines[1].split()[4:]])
    (tmp_path / "ts.data").write_text("\n".join(lines) + "\n")
    with pytest.raises(PathsampleError, match=r"ts\.data line 2: minimum index outside 1\.\.3"):
        read_pathsample(tmp_path, 3)
    (tmp_path / "min.data").write_text("1.0 abc 1 1 1 1\n")
    with pytest.raises(PathsampleError, match=r"min\.data line 1: non-numeric"):
        read_pathsample(tmp_path, 3)

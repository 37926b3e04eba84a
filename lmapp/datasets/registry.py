"""Built-in data sets by name: ``make_dataset`` validates parameters, generates and finishes
them."""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from . import checkerboard, ljat3, regression, spiral, xor
from .build import RawData, finish, from_table, rng_streams
from .bundled import BUNDLED, load_bundled
from .dataset import Dataset
from .errors import DatasetError
from .mislabel import check_fraction
from .split import check_test_fraction

DATASET_NAMES: tuple[str, ...] = (
    "xor",
    "spiral",
    "checkerboard",
    "ljat3",
    "iris",
    "digits",
    "breast_cancer",
    "wine",
    "regression",
)
#: Default test fraction of the bundled tables (they are split; generators draw their own test
#: sets).
BUNDLED_TEST_FRACTION = 0.25


#: Synthetic sources: ``generate(rng, **params) -> RawData``; they draw their own test sets and
#: are not standardised by default (their raw coordinates are meaningful, e.g. for decision maps).
_GENERATORS: dict[str, Callable[..., RawData]] = {
    "xor": xor.generate,
    "spiral": spiral.generate,
    "checkerboard": checkerboard.generate,
    "ljat3": ljat3.generate,
    "regression": regression.generate,
}


def make_dataset(
    name: str,
    *,
    seed: int = 0,
    mislabel: float = 0.0,
    standardize: bool | None = None,
    test_fraction: float | None = None,
    **params: Any,
) -> Dataset:
    """Build a named data set (see DATASET_NAMES); the same arguments always give the same data.

    standardize=None and test_fraction=None mean the data set's default: bundled tables are
    standardised and split with test fraction 0.25; generated sets are not standardised and
    draw their own test set (size via their ``n_test`` parameter, so test_fraction is refused).
    ``params`` are the generator's documented parameters; unknown ones are an error.
    """
    streams = rng_streams(seed)
    check_fraction(mislabel)  # before any (possibly slow) generation
    if name in BUNDLED:
        if params:
            raise DatasetError(f"{name} takes no parameters (got {', '.join(sorted(params))})")
        fraction = check_test_fraction(
            BUNDLED_TEST_FRACTION if test_fraction is None else test_fraction
        )
        X, y, feature_names, class_names = load_bundled(name)
        raw = from_table(X, y, feature_names, class_names, fraction, streams["split"])
        source: dict = {"generator": name, "params": {}, "source": "scikit-learn"}
        default_standardize = True
    elif name in _GENERATORS:
        generate = _GENERATORS[name]
        if test_fraction is not None:
            raise DatasetError(f"{name} comes with its own test set; test_fraction does not apply")
        bound = _bind_params(name, generate, params)
        raw = generate(streams["data"], **bound)
        source = {"generator": name, "params": _jsonable(bound)}
        default_standardize = False
    else:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(DATASET_NAMES)}")
    use_standardize = default_standardize if standardize is None else bool(standardize)
    return finish(name, raw, seed=seed, mislabel=mislabel, standardize=use_standardize, spec=source)


def _bind_params(name: str, generate: Callable[..., RawData], params: dict) -> dict:
    """All generator parameters (defaults filled in); unknown names and wrong number types are
    errors.

    A parameter whose default is an int must be an integer, one whose default is a float must
    be a finite real number; other parameters are checked by the generator itself.
    """
    defaults = {
        p.name: p.default for p in list(inspect.signature(generate).parameters.values())[1:]
    }
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        accepted = ", ".join(defaults) or "none"
        raise DatasetError(
            f"unknown parameter(s) for {name}: {', '.join(unknown)} (accepted: {accepted})"
        )
    bound = {**defaults, **params}
    for key, value in params.items():
        default = defaults[key]
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise DatasetError(f"{name} parameter {key} must be a number, got {value!r}")
        if isinstance(default, int):
            if not isinstance(value, numbers.Integral):
                raise DatasetError(f"{name} parameter {key} must be an integer, got {value!r}")
            bound[key] = int(value)
        else:
            if not math.isfinite(value):
                raise DatasetError(f"{name} parameter {key} must be finite, got {value!r}")
            bound[key] = float(value)
    return bound


def _jsonable(value: Any) -> Any:
    """Parameters as plain JSON types (numpy scalars to Python, tuples to lists)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value

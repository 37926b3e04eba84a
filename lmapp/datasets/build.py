"""Shared last steps for every source: seeded random streams, standardisation, mislabelling, spec.

Generators and importers produce ``RawData`` (already split); ``finish`` turns it into a
``Dataset`` the same way for all of them, so options behave identically everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .dataset import Dataset
from .errors import DatasetError
from .mislabel import check_fraction, mislabel_labels
from .scaling import standardization_parameters
from .split import split

STREAMS = ("data", "split", "mislabel")


@dataclass(frozen=True)
class RawData:
    """Split arrays and metadata from a generator or importer, before the common options."""

    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    info: dict = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return len(self.class_names)


def plane_draws(
    draw: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    n_train: int,
    n_test: int,
) -> RawData:
    """Binary 2-D classification data with independent train and test draws of
    ``draw(rng, n) -> (X, y)`` (the spiral and checkerboard generators)."""
    X_train, y_train = draw(rng, n_train)
    X_test, y_test = draw(rng, n_test)
    return RawData(
        task="classification",
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        feature_names=("x", "y"),
        class_names=("0", "1"),
        info={"split": "independent train and test draws"},
    )


def check_seed(seed: int) -> int:
    """Validate a seed: a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def rng_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for data, split and mislabel, all derived from one seed.

    Separate streams mean that, e.g., changing the mislabel fraction leaves the data unchanged.
    """
    children = np.random.SeedSequence(check_seed(seed)).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}


def from_table(
    X: np.ndarray,
    y: np.ndarray,
    feature_names: tuple[str, ...],
    class_names: tuple[str, ...],
    test_fraction: float,
    rng: np.random.Generator,
) -> RawData:
    """Classification RawData from a whole table (labels 0..C-1) by a seeded stratified split."""
    X_train, y_train, X_test, y_test = split(X, y, test_fraction, rng, stratify=True)
    return RawData(
        task="classification",
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        feature_names=feature_names,
        class_names=class_names,
        info={"split": {"test_fraction": float(test_fraction), "stratified": True}},
    )


def finish(
    name: str,
    raw: RawData,
    *,
    seed: int,
    mislabel: float,
    standardize: bool,
    spec: dict,
) -> Dataset:
    """Standardise (train statistics) and mislabel training labels, then build the Dataset and spec.

    ``spec`` holds the source description (generator/file and parameters); this adds the common
    fields: name, task, seed, class/feature names, sizes, standardisation and mislabelling.
    """
    fraction = check_fraction(mislabel)
    X_train = np.asarray(raw.X_train, dtype=np.float64)
    X_test = np.asarray(raw.X_test, dtype=np.float64)
    scaling: dict = {"applied": bool(standardize)}
    if standardize:
        mean, scale = standardization_parameters(X_train)
        X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
        scaling.update(mean=mean.tolist(), scale=scale.tolist())
    y_train = raw.y_train
    if raw.task == "classification":
        y_train = mislabel_labels(
            raw.y_train, raw.n_classes, fraction, rng_streams(seed)["mislabel"]
        )
        changed = np.flatnonzero(y_train != raw.y_train)
        noise = {"fraction": fraction, "count": int(changed.size), "indices": changed.tolist()}
    elif fraction > 0:
        raise DatasetError("mislabelling applies only to classification datasets")
    else:
        noise = {"fraction": 0.0, "count": 0, "indices": []}
    full_spec = {
        "name": name,
        "task": raw.task,
        "n_classes": raw.n_classes,
        "feature_names": list(raw.feature_names),
        "class_names": list(raw.class_names),
        "seed": int(seed),
        **spec,
        **raw.info,
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "standardize": scaling,
        "mislabel": noise,
    }
    return Dataset(
        name=name,
        task=raw.task,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=raw.y_test,
        n_classes=raw.n_classes,
        feature_names=raw.feature_names,
        class_names=raw.class_names,
        spec=full_spec,
    )

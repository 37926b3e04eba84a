"""The ``Dataset`` container: train/test arrays plus a JSON-serialisable ``spec`` describing them.

The spec records how the arrays were made (generator, parameters, seed, split, standardisation,
mislabelling) so a project file can store spec + arrays and rebuild the same object later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import DatasetError

#: "none": a user model brings its own data, so the project stores no arrays
TASKS = ("classification", "regression", "none")
ARRAY_KEYS = ("X_train", "y_train", "X_test", "y_test")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test data set; arrays are validated and normalised to the documented dtypes."""

    name: str
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    spec: dict

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DatasetError(f"unknown task {self.task!r}; expected one of {TASKS}")
        y_dtype = np.int64 if self.task == "classification" else np.float64
        for key in ARRAY_KEYS:
            dtype = np.float64 if key.startswith("X") else y_dtype
            object.__setattr__(self, key, np.ascontiguousarray(getattr(self, key), dtype=dtype))
        object.__setattr__(self, "feature_names", tuple(str(n) for n in self.feature_names))
        object.__setattr__(self, "class_names", tuple(str(n) for n in self.class_names))
        self._check_shapes()
        self._check_labels()

    def _check_shapes(self) -> None:
        k = len(self.feature_names)
        for X, y, part in (
            (self.X_train, self.y_train, "train"),
            (self.X_test, self.y_test, "test"),
        ):
            if X.ndim != 2 or X.shape[1] != k:
                raise DatasetError(
                    f"X_{part} has shape {X.shape}; expected (rows, {k}) for {k} feature names"
                )
            if y.shape != (X.shape[0],):
                raise DatasetError(f"y_{part} has shape {y.shape}; expected ({X.shape[0]},)")
        if self.task == "none":
            if self.X_train.size or self.X_test.size:
                raise DatasetError("a dataset of task 'none' holds no data")
        elif self.X_train.shape[0] == 0:
            raise DatasetError("the training set has no rows")

    def _check_labels(self) -> None:
        if self.task in ("regression", "none"):
            if self.n_classes != 0 or self.class_names:
                raise DatasetError(
                    f"a {self.task} dataset must have n_classes = 0 and no class names"
                )
            return
        if self.n_classes < 2 or len(self.class_names) != self.n_classes:
            raise DatasetError(
                f"a classification dataset needs n_classes >= 2 and one name per class "
                f"(got n_classes={self.n_classes}, {len(self.class_names)} names)"
            )
        for y, part in ((self.y_train, "train"), (self.y_test, "test")):
            if y.size and (y.min() < 0 or y.max() >= self.n_classes):
                raise DatasetError(f"y_{part} holds labels outside 0..{self.n_classes - 1}")

    @classmethod
    def none(cls, name: str = "user model") -> Dataset:
        """No data: the project of a user model, whose data live in the user's module."""
        empty = np.zeros((0, 0))
        return cls(
            name, "none", empty, np.zeros(0), empty, np.zeros(0), 0, (), (), {"generator": "none"}
        )

    @property
    def n_features(self) -> int:
        """Number of input features K."""
        return self.X_train.shape[1]

    @property
    def n_train(self) -> int:
        """Number of training rows N."""
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        """Number of test rows M (may be 0)."""
        return self.X_test.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        """The four arrays keyed ``X_train``, ``y_train``, ``X_test``, ``y_test`` (for storage)."""
        return {key: getattr(self, key) for key in ARRAY_KEYS}

    @classmethod
    def from_arrays(cls, spec: dict, arrays: dict[str, np.ndarray]) -> Dataset:
        """Rebuild a dataset from a stored spec (name, task, n_classes, names) and its arrays."""
        missing = [
            k
            for k in ("name", "task", "n_classes", "feature_names", "class_names")
            if k not in spec
        ]
        missing += [k for k in ARRAY_KEYS if k not in arrays]
        if missing:
            raise DatasetError(f"cannot rebuild dataset: missing {', '.join(missing)}")
        return cls(
            name=spec["name"],
            task=spec["task"],
            n_classes=int(spec["n_classes"]),
            feature_names=tuple(spec["feature_names"]),
            class_names=tuple(spec["class_names"]),
            spec=dict(spec),
            **{key: np.asarray(arrays[key]) for key in ARRAY_KEYS},
        )

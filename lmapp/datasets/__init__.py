"""Datasets layer: built-in generators, bundled tables and CSV/NPZ import (pure numpy/numba).

Every source ends in a ``Dataset`` whose ``spec`` records how it was made (generator or file,
parameters, seed, split, standardisation, mislabelling), so results are reproducible.
"""

from .csv_import import load_csv
from .dataset import Dataset
from .defaults import default_lambda, lambda_source, source_name
from .errors import DatasetError
from .mislabel import mislabel_labels
from .npz_import import load_npz
from .registry import DATASET_NAMES, make_dataset
from .scaling import standardize
from .split import split

__all__ = [
    "DATASET_NAMES",
    "Dataset",
    "DatasetError",
    "default_lambda",
    "lambda_source",
    "load_csv",
    "load_npz",
    "make_dataset",
    "mislabel_labels",
    "source_name",
    "split",
    "standardize",
]

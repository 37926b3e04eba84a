"""Binding a project file to its landscape: the stored dataset and model spec become a Model."""
from __future__ import annotations

from ..datasets import Dataset
from ..landscape.model import Model, ModelSpec, build_model
from .project_file import ProjectFile


def load_landscape(pf: ProjectFile) -> tuple[Dataset, Model]:
    """The project's dataset and its model bound to the training data."""
    spec, arrays = pf.dataset()
    data = Dataset.from_arrays(spec, arrays)
    model = build_model(ModelSpec.from_dict(pf.model_spec()), data.X_train, data.y_train,
                        data.n_classes)
    return data, model

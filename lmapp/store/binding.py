"""Binding a project file to its landscape: the stored dataset and model spec become a Model."""

from __future__ import annotations

from ..datasets import Dataset, DatasetError
from ..landscape.identity import IdentityRule, PointRegistry
from ..landscape.model import Model, ModelError, ModelSpec, build_model
from .errors import ProjectError
from .project_file import ProjectFile


def stored_model_spec(pf: ProjectFile) -> ModelSpec:
    """The project's model spec; a stored value of the wrong kind names the table and column."""
    try:
        return ModelSpec.from_dict(pf.model_spec())
    except ModelError as exc:
        raise ProjectError(f"{pf.path.name}: table model, row 1, column spec: {exc}") from None


def stored_minima_registry(
    pf: ProjectFile, model: Model, rule: IdentityRule = IdentityRule()
) -> PointRegistry:
    """A registry of the project's stored minima under ``rule`` (to tell new minima from
    known ones)."""
    registry = model.registry(rule)
    m = pf.minima(with_weights=True)
    registry.add_many(m["id"], m["loss"], m["weights"])
    return registry


def load_dataset_and_model(pf: ProjectFile) -> tuple[Dataset, Model]:
    """The project's dataset and its model bound to the training data."""
    spec, arrays = pf.dataset()
    try:
        data = Dataset.from_arrays(spec, arrays)
    except DatasetError as exc:
        raise ProjectError(f"{pf.path.name}: table dataset, row 1: {exc}") from None
    model = build_model(stored_model_spec(pf), data.X_train, data.y_train, data.n_classes)
    return data, model

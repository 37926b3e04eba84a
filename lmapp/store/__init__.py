"""Project file layer: one SQLite file per project (`*.lmapp`), written batch-wise and
crash-safe."""

from .errors import ProjectError, UncheckedOwner
from .project_file import ProjectFile
from .schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "ProjectError", "ProjectFile", "UncheckedOwner"]

"""The exceptions raised by the project file layer."""


class ProjectError(Exception):
    """A project file cannot be opened, read or written as asked (message says why)."""


class UncheckedOwner(ProjectError):
    """The project's writer ran on another host, so whether it still lives cannot be checked
    from here; ``unlock(force=True)`` frees the project if the user knows it is gone."""

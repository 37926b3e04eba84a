"""The single exception type raised by the project file layer."""


class ProjectError(Exception):
    """A project file cannot be opened, read or written as asked (message says why)."""

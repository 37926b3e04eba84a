"""The CLI's user-mistake exception: reported as one ``lmapp: error:`` line, exit code 2."""


class UsageError(Exception):
    """A user mistake on the command line."""

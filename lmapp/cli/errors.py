"""The CLI's user-mistake exception: reported as one ``lmapp: error:`` line, exit code 2."""

from __future__ import annotations

import argparse
from typing import NoReturn


class UsageError(Exception):
    """A user mistake on the command line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes raise UsageError (one line, exit 2) instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

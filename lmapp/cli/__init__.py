"""Command-line interface: ``lmapp SUBCOMMAND ...`` drives the same engines headless."""

from .main import main

__all__ = ["main"]

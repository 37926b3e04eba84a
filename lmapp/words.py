"""Counts in words for messages shown to people (CLI and app): "1 minimum", "2 minima"."""

from __future__ import annotations


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``n`` with the noun in the right number (default plural: singular + "s")."""
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"


def minima(n: int) -> str:
    """ "1 minimum", "5 minima"."""
    return plural(n, "minimum", "minima")


def transition_states(n: int) -> str:
    """ "1 transition state", "5 transition states"."""
    return plural(n, "transition state")


def memory_size(n_bytes: float) -> str:
    """A byte count in binary units, to three figures: "512 KiB", "3.2 GiB", "1.6 EiB"."""
    value, unit = float(n_bytes), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            break
        value /= 1024
    return f"{value:.3g} {unit}" if unit != "B" else f"{int(value)} B"

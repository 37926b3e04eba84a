"""Counts in words for messages shown to people (CLI and app): "1 minimum", "2 minima"."""
from __future__ import annotations


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``n`` with the noun in the right number (default plural: singular + "s")."""
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"

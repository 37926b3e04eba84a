"""Numeric command-line options: every value must be finite and in its range, or the command
stops with one line saying which option and why (NaN, inf and negative values included)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _number(text: str, kind: type) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {'an integer' if kind is int else 'a number'}"
        ) from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def ranged(
    kind: type = float,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type``: a finite ``kind`` in [low, high] (open ends where asked)."""

    def parse(text: str) -> float:
        value = _number(text, kind)
        if low is not None and (value < low or (low_open and value == low)):
            raise argparse.ArgumentTypeError(f"{text} must be {'>' if low_open else '≥'} {low:g}")
        if high is not None and (value > high or (high_open and value == high)):
            raise argparse.ArgumentTypeError(f"{text} must be {'<' if high_open else '≤'} {high:g}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    parse.bounds = (low, high)  # type: ignore[attr-defined]  # what --help and the tests see
    return parse


real = ranged(float)
positive = ranged(float, 0.0, low_open=True)
nonnegative = ranged(float, 0.0)
fraction = ranged(float, 0.0, 1.0, high_open=True)
open_fraction = ranged(float, 0.0, 1.0, low_open=True, high_open=True)
count = ranged(int, 1)
index = ranged(int, 0)
#: generous upper bounds that still keep a typo from asking for terabytes
MAX_POINTS = 10_000_000
MAX_WALKERS = 4096
points = ranged(int, 1, MAX_POINTS)
walkers = ranged(int, 1, MAX_WALKERS)
